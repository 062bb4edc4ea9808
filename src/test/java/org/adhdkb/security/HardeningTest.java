package org.adhdkb.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import org.adhdkb.cdshooks.CdsHooksSupport;
import org.adhdkb.testing.ServerTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import javax.sql.DataSource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The black-box probe's remaining findings (issue 16: F4, F8-F16), each reproduced against the shared server over
 * loopback: what the attack did before and what the server answers now.
 */
class HardeningTest extends ServerTestBase {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final String FHIR_JSON = "application/fhir+json";
	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@Autowired
	DataSource dataSource;

	private static String bearer() {
		return "Bearer " + TestIssuer.authorToken();
	}

	private static void assertNoInternals(HttpResponse<String> response) {
		assertThat(response.body()).doesNotContain("HAPI-", "Exception", "\tat ", "SELECT ", "UPDATE ", ".java", "org.hibernate",
				"ca.uhn");
	}

	// --- F4 ------------------------------------------------------------------------------------------------------

	@Test
	void aRegexThatBacktracksPolynomiallyIsRefusedAsTooCostly() throws Exception {
		// (.*a){10}$ has no nested quantifier; against 39 a's and a b it backtracks on the order of n^10 steps
		String code = "a".repeat(39) + "b";
		String body = """
				{"resourceType":"Parameters","parameter":[
				 {"name":"valueSet","resource":{"resourceType":"ValueSet","status":"active","compose":{"include":[{
				   "system":"http://example.org/probe","filter":[{"property":"code","op":"regex","value":"(.*a){10}$"}]}]}}},
				 {"name":"tx-resource","resource":{"resourceType":"CodeSystem","url":"http://example.org/probe","status":"active",
				   "content":"complete","concept":[{"code":"%s"},{"code":"ab"}]}}]}""".formatted(code);
		long start = System.nanoTime();
		HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(fhirBase() + "/ValueSet/$expand"))
				.header("Content-Type", FHIR_JSON).timeout(Duration.ofSeconds(60))
				.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
		assertThat(response.body()).contains("too-costly");
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));

		// a regex that is cheap on these codes still expands
		HttpResponse<String> cheap = HTTP.send(HttpRequest.newBuilder(URI.create(fhirBase() + "/ValueSet/$expand"))
				.header("Content-Type", FHIR_JSON).POST(HttpRequest.BodyPublishers.ofString(body.replace("(.*a){10}$", "a.")))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(cheap.statusCode()).as(cheap.body()).isEqualTo(200);
		assertThat(cheap.body()).contains("\"code\":\"ab\"").doesNotContain(code);
	}

	// --- F7 ------------------------------------------------------------------------------------------------------

	/**
	 * Each feedback call emptied every instance's caches (its AuditEvents moved the change counter). The feedback here is
	 * on a card the server really issued, so it is stored (an AuditEvent is written) and the cached read must survive it.
	 */
	@Test
	void feedbackDoesNotEmptyTheCaches() throws Exception {
		String card = issuedCardUuid();
		String path = "/fhir/ValueSet/atomoxetine-products";
		assertThat(get(path).statusCode()).isEqualTo(200);
		assertThat(get(path).headers().firstValue("X-Adhdkb-Cache")).as("second read").hasValue("hit");
		HttpResponse<String> feedback = send("POST", "/cds-services/adhd-order-select/feedback", "{\"feedback\":[{\"card\":\""
				+ card + "\",\"outcome\":\"overridden\",\"outcomeTimestamp\":\"" + Instant.now() + "\"}]}",
				"Content-Type", "application/json");
		assertThat(feedback.statusCode()).as(feedback.body()).isEqualTo(200);
		assertThat(get(path).headers().firstValue("X-Adhdkb-Cache")).as("after feedback").hasValue("hit");
	}

	/** A card from order-select: a child with no weight on record, ordered atomoxetine (the card asks for a weight). */
	private String issuedCardUuid() throws Exception {
		String patient = "f7-" + UUID.randomUUID().toString().substring(0, 8);
		String request = """
				{"hook":"order-select","hookInstance":"%s","context":{"userId":"Practitioner/f7","patientId":"%s",
				 "selections":["MedicationRequest/f7-draft"],"draftOrders":{"resourceType":"Bundle","type":"collection","entry":[
				  {"resource":{"resourceType":"MedicationRequest","id":"f7-draft","status":"draft","intent":"order",
				   "medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"38400"}]},
				   "subject":{"reference":"Patient/%s"},"dosageInstruction":[{"timing":{"repeat":{"frequency":1,"period":1,"periodUnit":"d"}},
				   "doseAndRate":[{"doseQuantity":{"value":40,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}]}]}}]}},
				 "prefetch":{}}"""
				.formatted(UUID.randomUUID(), patient, patient);
		// the service's own prefetch keys, from discovery: the Patient, and an empty search under every other key
		com.fasterxml.jackson.databind.node.ObjectNode call = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(request);
		com.fasterxml.jackson.databind.node.ObjectNode prefetch = (com.fasterxml.jackson.databind.node.ObjectNode) call.get("prefetch");
		CdsHooksSupport.discoveredService(get("/cds-services").body(), "adhd-order-select").path("prefetch").fields()
				.forEachRemaining(template -> prefetch.set(template.getKey(),
						template.getValue().asText().startsWith("Patient/")
								? JSON.createObjectNode().put("resourceType", "Patient").put("id", patient)
										.put("birthDate", java.time.LocalDate.now().minusYears(9).toString())
								: JSON.createObjectNode().put("resourceType", "Bundle").put("type", "searchset")));
		assertThat(prefetch.size()).as("order-select prefetch keys from discovery").isPositive();
		HttpResponse<String> cards = send("POST", "/cds-services/adhd-order-select", JSON.writeValueAsString(call),
				"Content-Type", "application/json");
		assertThat(cards.statusCode()).as(cards.body()).isEqualTo(200);
		String uuid = JSON.readTree(cards.body()).at("/cards/0/uuid").asText();
		assertThat(uuid).as(cards.body()).isNotBlank();
		return uuid;
	}

	// --- F8 ------------------------------------------------------------------------------------------------------

	@Test
	void theAuditTrailCannotBeQueriedAnonymouslyThroughOtherTypes() throws Exception {
		String patient = "audit-probe-" + UUID.randomUUID().toString().substring(0, 8);
		assertThat(send("PUT", "/fhir/Patient/" + patient, "{\"resourceType\":\"Patient\",\"id\":\"" + patient + "\"}",
				"Content-Type", FHIR_JSON).statusCode()).isEqualTo(201);
		String reverseChain = "/fhir/Patient?_has:AuditEvent:entity:address=127.&_summary=count";
		HttpResponse<String> anonymous = get(reverseChain);
		assertThat(anonymous.statusCode()).as(anonymous.body()).isEqualTo(401);
		assertThat(get(reverseChain, "Authorization", bearer()).statusCode()).isEqualTo(200);
		assertThat(get("/fhir/Observation?subject:AuditEvent.entity=x").statusCode()).isEqualTo(401);

		JsonNode events = JSON.readTree(get("/fhir/AuditEvent?entity=Patient/" + patient, "Authorization", bearer()).body());
		String auditId = events.at("/entry/0/resource/id").asText();
		assertThat(auditId).isNotBlank();
		assertThat(get("/fhir/AuditEvent/" + auditId + "/$meta").statusCode()).isEqualTo(401);
		assertThat(get("/fhir/$get-resource-counts").statusCode()).isEqualTo(401);
		assertThat(get("/fhir/$get-resource-counts", "Authorization", bearer()).statusCode()).isEqualTo(200);

		// reverse chains through readable types still work anonymously
		assertThat(get("/fhir/Patient?_has:Observation:subject:code=http://loinc.org%7C29463-7&_summary=count").statusCode())
				.isEqualTo(200);
		assertThat(get("/fhir/MedicationKnowledge/atomoxetine/$meta").statusCode()).isEqualTo(200);
	}

	// --- F9 ------------------------------------------------------------------------------------------------------

	@Test
	void writesDuringALargeTransactionDoNotWaitForIt() throws Exception {
		String run = UUID.randomUUID().toString().substring(0, 8);
		StringBuilder bundle = new StringBuilder("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[");
		for (int i = 0; i < 300; i++) {
			bundle.append(i == 0 ? "" : ",").append("{\"resource\":{\"resourceType\":\"Basic\",\"code\":{\"text\":\"").append(run)
					.append("\"}},\"request\":{\"method\":\"POST\",\"url\":\"Basic\"}}");
		}
		CompletableFuture<HttpResponse<String>> large = HTTP.sendAsync(HttpRequest.newBuilder(URI.create(fhirBase()))
				.header("Content-Type", FHIR_JSON).header("Authorization", bearer()).timeout(Duration.ofSeconds(120))
				.POST(HttpRequest.BodyPublishers.ofString(bundle.append("]}").toString())).build(), HttpResponse.BodyHandlers.ofString());
		List<HttpResponse<String>> small = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			Thread.sleep(150);
			small.add(send("POST", "/fhir/Basic", "{\"resourceType\":\"Basic\",\"code\":{\"text\":\"small-" + run + "\"}}",
					"Content-Type", FHIR_JSON));
		}
		assertThat(large.get().statusCode()).as(large.get().body()).isEqualTo(200);
		for (HttpResponse<String> response : small) {
			assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
		}
	}

	@Test
	void aRealLockTimeoutIs503WithRetryAfterAndNoSql() throws Exception {
		String patient = "locked-" + UUID.randomUUID().toString().substring(0, 8);
		assertThat(send("PUT", "/fhir/Patient/" + patient, "{\"resourceType\":\"Patient\",\"id\":\"" + patient + "\"}",
				"Content-Type", FHIR_JSON).statusCode()).isEqualTo(201);
		try (Connection connection = dataSource.getConnection()) {
			connection.setAutoCommit(false);
			try (PreparedStatement lock = connection.prepareStatement(
					"SELECT RES_ID FROM HFJ_RESOURCE WHERE RES_TYPE = 'Patient' AND FHIR_ID = ? FOR UPDATE")) {
				lock.setString(1, patient);
				try (ResultSet rows = lock.executeQuery()) {
					assertThat(rows.next()).isTrue();
				}
				HttpResponse<String> update = send("PUT", "/fhir/Patient/" + patient, "{\"resourceType\":\"Patient\",\"id\":\""
						+ patient + "\",\"active\":true}", "Content-Type", FHIR_JSON);
				assertThat(update.statusCode()).as(update.body()).isEqualTo(503);
				assertThat(update.headers().firstValue("Retry-After")).isPresent();
				assertThat(update.body()).contains("OperationOutcome", "retry shortly");
				assertNoInternals(update);
			} finally {
				connection.rollback();
			}
		}
		assertThat(send("PUT", "/fhir/Patient/" + patient, "{\"resourceType\":\"Patient\",\"id\":\"" + patient
				+ "\",\"active\":true}", "Content-Type", FHIR_JSON).statusCode()).as("the retry").isEqualTo(200);
	}

	// --- F10 -----------------------------------------------------------------------------------------------------

	@Test
	void theAuditKeepsAnotherServersPatientAbsolute() throws Exception {
		String external = "http://other-hospital.example/fhir/Patient/ext-" + UUID.randomUUID().toString().substring(0, 8);
		String id = "ext-obs-" + UUID.randomUUID().toString().substring(0, 8);
		HttpResponse<String> write = send("PUT", "/fhir/Observation/" + id, "{\"resourceType\":\"Observation\",\"id\":\"" + id
				+ "\",\"status\":\"final\",\"code\":{\"text\":\"weight\"},\"subject\":{\"reference\":\"" + external + "\"}}",
				"Content-Type", FHIR_JSON);
		assertThat(write.statusCode()).as("a write about a patient of another server, with no local twin: " + write.body())
				.isEqualTo(201);
		JsonNode events = JSON.readTree(get("/fhir/AuditEvent?entity=Observation/" + id, "Authorization", bearer()).body());
		assertThat(events.get("total").asInt()).isEqualTo(1);
		List<String> references = new ArrayList<>();
		events.at("/entry/0/resource/entity").forEach(e -> references.add(e.at("/what/reference").asText()));
		assertThat(references).contains(external).doesNotContain(external.substring(external.indexOf("Patient/")));
	}

	// --- F12 -----------------------------------------------------------------------------------------------------

	@Test
	void theOpenApiDocumentIsBuiltOnceWhateverTheQuery() throws Exception {
		HttpResponse<String> first = get("/fhir/api-docs?probe=" + UUID.randomUUID());
		assertThat(first.statusCode()).isEqualTo(200);
		for (int i = 0; i < 3; i++) {
			long start = System.nanoTime();
			HttpResponse<String> again = get("/fhir/api-docs?probe=" + UUID.randomUUID());
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
			assertThat(again.body()).isEqualTo(first.body());
		}
	}

	// --- F13 -----------------------------------------------------------------------------------------------------

	@Test
	void storedNarrativesAreSanitisedAndNulIsRefused() throws Exception {
		String id = "narrative-" + UUID.randomUUID().toString().substring(0, 8);
		String div = "<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\"><p onclick=\\\"steal()\\\">Kept text</p>"
				+ "<script>alert(1)</script><a href=\\\"javascript:alert(2)\\\">link</a><iframe src=\\\"https://evil.example\\\"></iframe>"
				+ "<a href=\\\"https://fda.gov\\\">safe link</a><img src=\\\"x\\\" onerror=\\\"alert(3)\\\"/></div>";
		HttpResponse<String> write = send("PUT", "/fhir/Patient/" + id, "{\"resourceType\":\"Patient\",\"id\":\"" + id
				+ "\",\"text\":{\"status\":\"generated\",\"div\":\"" + div + "\"}}", "Content-Type", FHIR_JSON);
		assertThat(write.statusCode()).as(write.body()).isEqualTo(201);
		String stored = JSON.readTree(get("/fhir/Patient/" + id, "Cache-Control", "no-cache").body()).at("/text/div").asText();
		assertThat(stored).contains("Kept text", "href=\"https://fda.gov\"", "safe link")
				.doesNotContain("onclick", "<script", "alert(1)", "javascript:", "<iframe", "onerror");

		HttpResponse<String> nul = send("PUT", "/fhir/Patient/" + id, "{\"resourceType\":\"Patient\",\"id\":\"" + id
				+ "\",\"name\":[{\"family\":\"a\\u0000b\"}]}", "Content-Type", FHIR_JSON);
		assertThat(nul.statusCode()).as(nul.body()).isEqualTo(400);
		assertThat(nul.body()).contains("NUL");
	}

	// --- F14 / F15 -----------------------------------------------------------------------------------------------

	@Test
	void errorsAndHeadersNameNoInternals() throws Exception {
		HttpResponse<String> metadata = get("/fhir/metadata");
		assertThat(metadata.headers().allValues("X-Powered-By")).containsExactly("adhdkb");
		HttpResponse<String> html = get("/fhir/MedicationKnowledge/atomoxetine", "Accept", "text/html");
		assertThat(html.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
		assertThat(html.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
		assertThat(html.headers().firstValue("X-Frame-Options")).contains("DENY");
		assertThat(html.headers().firstValue("Content-Security-Policy").orElse("")).contains("frame-ancestors 'none'");

		String dataDir = Path.of("target/test-data").toAbsolutePath().toString();
		HttpResponse<String> metrics = get("/actuator/prometheus");
		assertThat(metrics.statusCode()).isEqualTo(200);
		assertThat(metrics.body()).doesNotContain(dataDir).doesNotContain(Path.of("").toAbsolutePath().toString() + "/");

		// a lone surrogate (the probe's 500 with a class name)
		HttpResponse<String> surrogate = send("POST", "/fhir/Patient", "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"\\ud800\"}]}",
				"Content-Type", FHIR_JSON);
		assertThat(surrogate.statusCode()).as(surrogate.body()).isBetween(400, 499);
		assertNoInternals(surrogate);

		HttpResponse<String> unknownMethod = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/cds-services"))
				.method("PROPFIND", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(unknownMethod.statusCode()).isBetween(400, 501);
		assertThat(unknownMethod.body()).startsWith("{\"error\":").doesNotContain("timestamp", "path");
		HttpResponse<String> unsupported = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/cds-services/adhd-order-sign"))
				.header("Content-Type", "application/xml").POST(HttpRequest.BodyPublishers.ofString("<x/>")).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(unsupported.statusCode()).isEqualTo(415);
		assertThat(unsupported.body()).startsWith("{\"error\":").doesNotContain("timestamp");
		HttpResponse<String> notAcceptable = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/cds-services"))
				.header("Accept", "text/html").build(), HttpResponse.BodyHandlers.ofString());
		assertThat(notAcceptable.statusCode()).isIn(200, 406);
		if (notAcceptable.statusCode() == 406) {
			assertThat(notAcceptable.body()).startsWith("{\"error\":").doesNotContain("timestamp");
		}
	}

	// --- F16 -----------------------------------------------------------------------------------------------------

	private static String token(String scope, Instant issued, Instant expires) {
		TestIssuer issuer = TestIssuer.get();
		return TestIssuer.sign(JWSAlgorithm.RS256, issuer.rsaKey(), new JWTClaimsSet.Builder().issuer(issuer.issuer())
				.subject("probe").claim("scope", scope).issueTime(Date.from(issued)).expirationTime(Date.from(expires))
				.jwtID(UUID.randomUUID().toString()).build());
	}

	@Test
	void tokensThatLiveTooLongOrComeFromTheFutureAreRefused() {
		Instant now = Instant.now();
		String body = "{\"resourceType\":\"Basic\",\"code\":{\"text\":\"lifetime\"}}";
		HttpResponse<String> tenYears = send("POST", "/fhir/Basic", body, "Content-Type", FHIR_JSON,
				"Authorization", "Bearer " + token(TestIssuer.AUTHOR_SCOPE, now, now.plus(Duration.ofDays(3650))));
		assertThat(tenYears.statusCode()).as(tenYears.body()).isEqualTo(401);
		assertThat(tenYears.body()).contains("lives longer");
		HttpResponse<String> future = send("POST", "/fhir/Basic", body, "Content-Type", FHIR_JSON,
				"Authorization", "Bearer " + token(TestIssuer.AUTHOR_SCOPE, now.plus(Duration.ofHours(1)), now.plus(Duration.ofHours(2))));
		assertThat(future.statusCode()).as(future.body()).isEqualTo(401);
		assertThat(future.body()).contains("iat is in the future");
		HttpResponse<String> fine = send("POST", "/fhir/Basic", body, "Content-Type", FHIR_JSON,
				"Authorization", "Bearer " + token(TestIssuer.AUTHOR_SCOPE, now, now.plus(Duration.ofHours(1))));
		assertThat(fine.statusCode()).as(fine.body()).isEqualTo(201);
	}

	@Test
	void anUpdateScopeMayNotPatch() {
		String id = "patch-probe-" + UUID.randomUUID().toString().substring(0, 8);
		assertThat(send("PUT", "/fhir/Basic/" + id, "{\"resourceType\":\"Basic\",\"id\":\"" + id + "\",\"code\":{\"text\":\"a\"}}",
				"Content-Type", FHIR_JSON).statusCode()).isEqualTo(201);
		String patch = "[{\"op\":\"replace\",\"path\":\"/code/text\",\"value\":\"b\"}]";
		HttpResponse<String> updateOnly = send("PATCH", "/fhir/Basic/" + id, patch, "Content-Type", "application/json-patch+json",
				"Authorization", "Bearer " + TestIssuer.get().token("user/Basic.u"));
		assertThat(updateOnly.statusCode()).as(updateOnly.body()).isEqualTo(403);
		HttpResponse<String> author = send("PATCH", "/fhir/Basic/" + id, patch, "Content-Type", "application/json-patch+json");
		assertThat(author.statusCode()).as(author.body()).isEqualTo(200);
	}
}
