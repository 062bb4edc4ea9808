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
			ContentLoader.LoadReport report = second.getBean(ContentLoader.class).getLastReport();
			assertThat(report.recognised()).as("a client wrote after the load: the stored content is compared").isFalse();
			assertThat(report.totalWritten()).as("a restart with unchanged content writes nothing").isZero();
			Patient read = client(second).read().resource(Patient.class).withId(id.getIdPart()).execute();
			assertThat(read.getNameFirstRep().getFamily()).isEqualTo("Durable");
		}
	}

	@Test
	void aRestartWithNothingWrittenSinceRecognisesTheContentWithoutComparingIt(@TempDir Path dataDir) {
		Map<String, String> properties = Map.of("adhdkb.data-dir", dataDir.toString());
		try (ConfigurableApplicationContext first = TestServers.start(properties)) {
			assertThat(first.getBean(ContentLoader.class).getLastReport().recognised()).as("a fresh database").isFalse();
		}
		try (ConfigurableApplicationContext second = TestServers.start(properties)) {
			ContentLoader.LoadReport report = second.getBean(ContentLoader.class).getLastReport();
			assertThat(report.recognised())
					.as("the first start recorded the package as loaded, and nothing was written since").isTrue();
			assertThat(report.totalWritten()).isZero();
		}
	}

	static IGenericClient client(ConfigurableApplicationContext context) {
		return TestServers.client(context);
	}
}
