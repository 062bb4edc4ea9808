package org.adhdkb.server;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import org.adhdkb.content.ContentLoader;
import org.adhdkb.guidance.KnowledgeArtifacts;
import org.adhdkb.testing.TestServers;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import java.io.IOException;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The `postgres` profile on a real PostgreSQL server (embedded binaries, started by the test). */
class PostgresTest {

	private static EmbeddedPostgres postgres;

	@BeforeAll
	static void startPostgres() throws IOException {
		postgres = EmbeddedPostgres.builder().start();
	}

	@AfterAll
	static void stopPostgres() throws IOException {
		if (postgres != null) {
			postgres.close();
		}
	}

	private static Map<String, String> properties() {
		return Map.of(
				"spring.datasource.url", postgres.getJdbcUrl("postgres", "postgres"),
				"spring.datasource.username", "postgres",
				"spring.datasource.password", "postgres");
	}

	@Test
	void bootsLoadsWritesRestartsAndSharesOneDatabaseBetweenInstances() throws Exception {
		IdType written;
		try (ConfigurableApplicationContext first = TestServers.start(properties(), "postgres")) {
			assertThat(first.getBean(ContentLoader.class).getLastReport().totalWritten()).isPositive();
			IGenericClient client = client(first);
			assertThat(client.read().resource(MedicationKnowledge.class).withId("atomoxetine").execute().getStatus())
					.isEqualTo(MedicationKnowledge.MedicationKnowledgeStatus.ACTIVE);
			Patient patient = new Patient();
			patient.addName().setFamily("OnPostgres");
			written = (IdType) client.create().resource(patient).execute().getId();
		}

		try (ConfigurableApplicationContext a = TestServers.start(properties(), "postgres");
				ConfigurableApplicationContext b = TestServers.start(properties(), "postgres")) {
			assertThat(a.getBean(ContentLoader.class).getLastReport().totalWritten())
					.as("restart with unchanged content writes nothing").isZero();
			assertThat(client(a).read().resource(Patient.class).withId(written.getIdPart()).execute()
					.getNameFirstRep().getFamily()).isEqualTo("OnPostgres");

			Patient patient = new Patient();
			patient.addName().setFamily("WrittenThroughA");
			IdType throughA = (IdType) client(a).create().resource(patient).execute().getId();
			Patient readThroughB = client(b).read().resource(Patient.class).withId(throughA.getIdPart()).execute();
			assertThat(readThroughB.getNameFirstRep().getFamily()).isEqualTo("WrittenThroughA");

			patient.setId(throughA.toUnqualifiedVersionless());
			patient.getNameFirstRep().setFamily("UpdatedThroughB");
			client(b).update().resource(patient).execute();
			assertThat(client(a).read().resource(Patient.class).withId(throughA.getIdPart()).execute()
					.getNameFirstRep().getFamily()).isEqualTo("UpdatedThroughB");

			// Knowledge cached by B is retired by a write through A: the database is the source of truth.
			KnowledgeArtifacts knowledgeOfB = b.getBean(KnowledgeArtifacts.class);
			IdType atomoxetine = new IdType("MedicationKnowledge/atomoxetine");
			MedicationKnowledge cached = knowledgeOfB.byId(MedicationKnowledge.class, atomoxetine, new SystemRequestDetails());
			assertThat(knowledgeOfB.byId(MedicationKnowledge.class, atomoxetine, new SystemRequestDetails()))
					.as("served from B's cache").isSameAs(cached);
			MedicationKnowledge edited = client(a).read().resource(MedicationKnowledge.class).withId("atomoxetine").execute();
			edited.addSynonym("EditedThroughA");
			client(a).update().resource(edited).execute();
			assertThat(knowledgeOfB.byId(MedicationKnowledge.class, atomoxetine, new SystemRequestDetails()).getSynonym())
					.extracting(s -> s.getValue()).contains("EditedThroughA");

			// Responses B cached are retired by a write through A as well.
			java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
			java.net.URI read = java.net.URI.create(TestServers.fhirBase(b) + "/MedicationKnowledge/atomoxetine");
			http.send(java.net.http.HttpRequest.newBuilder(read).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
			var cachedResponse = http.send(java.net.http.HttpRequest.newBuilder(read).build(),
					java.net.http.HttpResponse.BodyHandlers.ofString());
			assertThat(cachedResponse.headers().firstValue("X-Adhdkb-Cache")).hasValue("hit");
			MedicationKnowledge again = client(a).read().resource(MedicationKnowledge.class).withId("atomoxetine").execute();
			again.addSynonym("SecondEditThroughA");
			client(a).update().resource(again).execute();
			var afterWrite = http.send(java.net.http.HttpRequest.newBuilder(read).build(),
					java.net.http.HttpResponse.BodyHandlers.ofString());
			assertThat(afterWrite.body()).contains("SecondEditThroughA");
		}
	}

	private static IGenericClient client(ConfigurableApplicationContext context) {
		return TestServers.client(context);
	}
}
