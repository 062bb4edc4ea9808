package org.adhdkb.security;

import org.adhdkb.testing.ServerTestBase;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Who may write on the default server: reads are open, writes need a verified token with the right SMART scope. */
class WriteAuthorizationTest extends ServerTestBase {

	private static final String JSON = "application/fhir+json";

	private HttpResponse<String> write(String method, String path, String body, String token) {
		return token == null
				? send(method, path, body, "Content-Type", JSON, "Authorization", "")
				: send(method, path, body, "Content-Type", JSON, "Authorization", "Bearer " + token);
	}

	private static String patient(String id) {
		return "{\"resourceType\":\"Patient\"" + (id == null ? "" : ",\"id\":\"" + id + "\"") + ",\"active\":true}";
	}

	@Test
	void readsAreOpenWithoutAToken() {
		HttpResponse<String> read = get("/fhir/MedicationKnowledge/atomoxetine");
		assertThat(read.statusCode()).isEqualTo(200);
		assertThat(get("/fhir/ValueSet/atomoxetine-products/$expand").statusCode()).isEqualTo(200);
		assertThat(get("/fhir/metadata").statusCode()).isEqualTo(200);
	}

	@Test
	void aWriteWithoutATokenIs401WithAnOperationOutcome() {
		HttpResponse<String> response = write("POST", "/fhir/Patient", patient(null), null);
		assertThat(response.statusCode()).isEqualTo(401);
		assertThat(response.body()).contains("\"resourceType\":\"OperationOutcome\"");
		assertThat(response.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Bearer");
	}

	@Test
	void aTokenWithTheScopeMayCreateAndIsAudited() {
		HttpResponse<String> response = write("POST", "/fhir/Patient", patient(null), TestIssuer.get().token("user/Patient.c"));
		assertThat(response.statusCode()).isEqualTo(201);
		String location = response.headers().firstValue("Location").orElseThrow();
		String id = location.replaceAll(".*/Patient/([^/]+)/.*", "$1");
		HttpResponse<String> audit = get("/fhir/AuditEvent?entity=Patient/" + id,
				"Authorization", "Bearer " + TestIssuer.get().token("system/AuditEvent.rs"));
		assertThat(audit.statusCode()).isEqualTo(200);
		assertThat(audit.body()).contains("\"total\":1").contains("Patient/" + id).contains("adhdkb-tests");
	}

	@Test
	void aTokenLackingTheScopeIs403() {
		String id = "authz-" + UUID.randomUUID();
		HttpResponse<String> response = write("PUT", "/fhir/Patient/" + id, patient(id), TestIssuer.get().token("user/Observation.cud user/*.rs"));
		assertThat(response.statusCode()).isEqualTo(403);
		assertThat(response.body()).contains("\"resourceType\":\"OperationOutcome\"");
	}
}
