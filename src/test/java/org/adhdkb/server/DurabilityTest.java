package org.adhdkb.server;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import org.adhdkb.content.ContentLoader;
import org.adhdkb.testing.TestServers;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The default embedded database is on disk: what a client wrote survives a restart, and content is not reloaded. */
class DurabilityTest {

	@Test
	void aWriteSurvivesARestartAndUnchangedContentIsNotWrittenAgain(@TempDir Path dataDir) {
		Map<String, String> properties = Map.of("adhdkb.data-dir", dataDir.toString());
		IdType id;
		try (ConfigurableApplicationContext first = TestServers.start(properties)) {
			assertThat(first.getBean(ContentLoader.class).getLastReport().totalWritten()).isPositive();
			Patient patient = new Patient();
			patient.addName().setFamily("Durable");
			id = (IdType) client(first).create().resource(patient).execute().getId();
		}
		try (ConfigurableApplicationContext second = TestServers.start(properties)) {
			assertThat(second.getBean(ContentLoader.class).getLastReport().totalWritten())
					.as("a restart with unchanged content writes nothing").isZero();
			Patient read = client(second).read().resource(Patient.class).withId(id.getIdPart()).execute();
			assertThat(read.getNameFirstRep().getFamily()).isEqualTo("Durable");
		}
	}

	static IGenericClient client(ConfigurableApplicationContext context) {
		return TestServers.client(context);
	}
}
