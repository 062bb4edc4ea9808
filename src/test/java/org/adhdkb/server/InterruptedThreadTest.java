package org.adhdkb.server;

import org.adhdkb.testing.TestServers;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A thread interrupted while the embedded database writes (a request cancelled on a timeout, an executor shut down)
 * must not take the database down with it. Java closes a file channel for every thread when one thread using it is
 * interrupted; on a plain {@code jdbc:h2:file:} URL every later read and write then fails until a restart.
 */
class InterruptedThreadTest {

	@Test
	void theDatabaseOutlivesAnInterruptedWriter(@TempDir Path dataDir) throws Exception {
		try (ConfigurableApplicationContext server = TestServers.start(Map.of("adhdkb.data-dir", dataDir.toString()))) {
			JdbcTemplate jdbc = server.getBean(JdbcTemplate.class);
			jdbc.execute("create table interrupted_writes (n int)");
			Thread writer = new Thread(() -> {
				Thread.currentThread().interrupt();
				try {
					for (int i = 0; i < 20; i++) {
						jdbc.update("insert into interrupted_writes values (?)", i);
					}
				} catch (RuntimeException expectedOrNot) {
					// whether the interrupted write itself fails is H2's business; what follows is ours
				}
			});
			writer.start();
			writer.join();

			jdbc.update("insert into interrupted_writes values (?)", 100);
			assertThat(jdbc.queryForObject("select count(*) from interrupted_writes where n = 100", Integer.class))
					.isEqualTo(1);
			Patient patient = new Patient();
			patient.addName().setFamily("AfterInterrupt");
			var id = TestServers.client(server).create().resource(patient).execute().getId();
			assertThat(TestServers.client(server).read().resource(Patient.class).withId(id.getIdPart()).execute()
					.getNameFirstRep().getFamily()).isEqualTo("AfterInterrupt");
		}
	}
}
