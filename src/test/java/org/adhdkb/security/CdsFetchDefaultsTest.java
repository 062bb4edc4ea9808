package org.adhdkb.security;

import org.adhdkb.testing.ServerTestBase;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16, F2: with the defaults (no allow-list, no CDS client authentication) anyone may call a CDS service, so it
 * fetches only from this server's own /fhir: any other fhirServer, a port scan, the cloud metadata address, is 400.
 */
class CdsFetchDefaultsTest extends ServerTestBase {

	private static final String PATIENT = "own-fetch-" + UUID.randomUUID().toString().substring(0, 8);

	private HttpResponse<String> callWith(String fhirServer) {
		String body = "{\"hook\":\"patient-view\",\"hookInstance\":\"" + UUID.randomUUID() + "\",\"fhirServer\":\"" + fhirServer
				+ "\",\"context\":{\"userId\":\"Practitioner/1\",\"patientId\":\"" + PATIENT + "\"}}";
		return send("POST", "/cds-services/adhd-patient-view", body, "Content-Type", "application/json");
	}

	@Test
	void onlyThisServersOwnFhirBaseIsFetchedFrom() {
		for (String other : new String[] {"http://169.254.169.254/latest/meta-data", "http://localhost:1/fhir",
				"http://localhost:" + port + "/actuator", "http://localhost:" + port + "/fhirx", "https://ehr.example.org/fhir",
				"http://localhost:" + port + "@169.254.169.254/fhir"}) {
			HttpResponse<String> response = callWith(other);
			assertThat(response.statusCode()).as(other + ": " + response.body()).isEqualTo(400);
			assertThat(response.body()).startsWith("{\"error\":").contains("fhirServer");
		}
		assertThat(send("PUT", "/fhir/Patient/" + PATIENT, "{\"resourceType\":\"Patient\",\"id\":\"" + PATIENT
				+ "\",\"birthDate\":\"2016-01-01\"}", "Content-Type", "application/fhir+json").statusCode()).isEqualTo(201);
		for (String own : new String[] {fhirBase(), "http://127.0.0.1:" + port + "/fhir"}) {
			HttpResponse<String> response = callWith(own);
			assertThat(response.statusCode()).as(own + ": " + response.body()).isEqualTo(200);
		}
	}
}
