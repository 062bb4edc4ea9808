package org.adhdkb.cdshooks;

import static org.adhdkb.cdshooks.CdsHooksSupport.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.adhdkb.security.TestIssuer;
import org.adhdkb.testing.ServerTestBase;
import org.junit.jupiter.api.Test;

/** The CDS Hooks protocol over real HTTP: discovery, errors, prefetch and fhirServer, 412, feedback. */
class CdsHooksProtocolTest extends ServerTestBase {

	private static final String ATOMOXETINE_ORDER = """
			{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"MedicationRequest",
			 "id":"draft-1","status":"draft","intent":"order","subject":{"reference":"Patient/%s"},
			 "medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"38400"}]},
			 "dosageInstruction":[{"timing":{"repeat":{"frequency":1,"period":1,"periodUnit":"d"}},
			  "doseAndRate":[{"doseQuantity":{"value":120,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}]}]}}]}""";

	@Test
	void discoveryListsTheThreeServicesWithPrefetchTemplates() {
		HttpResponse<String> response = get("/cds-services");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
		JsonNode services = CdsHooksSupport.checkedDiscovery(response.body()).get("services");
		assertThat(services).extracting(s -> s.get("hook").asText())
				.containsExactly("order-select", "order-sign", "patient-view");
		services.forEach(s -> assertThat(s.at("/prefetch/patient").asText()).isEqualTo("Patient/{{context.patientId}}"));
	}

	@Test
	void badRequestsGetJsonErrorsWithoutStackTraces() {
		assertError(post("/cds-services/no-such-service", request("order-sign", "p1", null)), 404);
		assertError(post("/cds-services/adhd-order-sign", "{not json"), 400);
		assertError(post("/cds-services/adhd-order-sign", "[1,2]"), 400);
		assertError(post("/cds-services/adhd-order-sign", request("patient-view", "p1", null)), 400);
		assertError(post("/cds-services/adhd-order-sign", "{\"hook\":\"order-sign\",\"context\":{\"patientId\":\"p\"}}"), 400);
		assertError(post("/cds-services/adhd-order-sign", "{\"hook\":\"order-sign\",\"hookInstance\":\"x\"}"), 400);
		assertError(send("POST", "/cds-services/adhd-order-sign", "hello", "Content-Type", "text/plain"), 415);
		assertError(get("/cds-services/adhd-order-sign"), 405);
		ObjectNode badFhirServer = request("patient-view", "p1", null);
		badFhirServer.put("fhirServer", "file:///etc/passwd");
		assertError(post("/cds-services/adhd-patient-view", badFhirServer), 400);
		ObjectNode badPrefetch = request("patient-view", "p1", null);
		badPrefetch.putObject("prefetch").put("patient", "not a resource");
		assertError(post("/cds-services/adhd-patient-view", badPrefetch), 400);
		ObjectNode noPatient = request("patient-view", "p1", null);
		((ObjectNode) noPatient.get("context")).remove("patientId");
		nullPrefetch(noPatient);
		assertError(post("/cds-services/adhd-patient-view", noPatient), 400);
	}

	@Test
	void hostileBodiesAreRefusedWithJsonErrors() throws Exception {
		String service = "/cds-services/adhd-patient-view";
		String deep = "{\"hook\":\"patient-view\",\"x\":" + "[".repeat(20_000) + "]".repeat(20_000) + "}";
		assertError(post(service, deep), 400);
		String huge = "{\"hook\":\"patient-view\",\"pad\":\"" + "x".repeat(11 * 1024 * 1024) + "\"}";
		assertError(post(service, huge), 413);
		java.net.http.HttpRequest invalidUtf8 = java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseUrl() + service))
				.header("Content-Type", "application/json")
				.POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(
						new byte[] {'{', '"', 'h', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}))
				.build();
		assertError(java.net.http.HttpClient.newHttpClient().send(invalidUtf8, HttpResponse.BodyHandlers.ofString()), 400);
		for (String id : List.of("1' OR '1'='1", "1; DROP TABLE HFJ_RESOURCE;--", "../../etc/passwd", "x\u0000y", "a".repeat(65))) {
			ObjectNode call = request("patient-view", id, null);
			nullPrefetch(call);
			assertError(post(service, call), 400);
			call.remove("prefetch");
			call.put("fhirServer", fhirBase());
			assertError(post(service, call), 400);
		}
		assertThat(get("/fhir/PlanDefinition?_summary=count").body()).as("content untouched").contains("\"total\":8");
	}

	@Test
	void missingDataThatCannotBeFetchedIs412() {
		assertError(post("/cds-services/adhd-patient-view", request("patient-view", "p1", null)), 412);
		// any other fhirServer than this server's own is refused by default (issue 16, F2: see CdsFetchDefaultsTest)
		ObjectNode notOurs = request("patient-view", "p1", null);
		notOurs.put("fhirServer", "http://localhost:1/fhir");
		assertError(post("/cds-services/adhd-patient-view", notOurs), 400);
	}

	@Test
	void nullPrefetchMeansNoDataNotMissingData() {
		ObjectNode call = request("patient-view", "p-null", null);
		nullPrefetch(call);
		HttpResponse<String> response = post("/cds-services/adhd-patient-view", call);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		assertThat(CdsHooksSupport.checkedResponse(response.body()).get("cards")).isEmpty();
	}

	@Test
	void anOperationOutcomeInThePrefetchIsFetchedFromTheFhirServerInstead() throws IOException {
		String patient = "cds-oo-" + UUID.randomUUID().toString().substring(0, 8);
		storeChild(patient);
		ObjectNode call = request("order-sign", patient, ATOMOXETINE_ORDER.formatted(patient));
		ObjectNode prefetch = call.putObject("prefetch");
		ObjectNode failed = JSON.createObjectNode().put("resourceType", "OperationOutcome");
		failed.putArray("issue").addObject().put("severity", "error").put("code", "timeout");
		prefetch.set("patient", failed);
		prefetch.set("observations", failed);
		prefetch.set("medications", emptyBundle());
		assertError(post("/cds-services/adhd-order-sign", call), 412);

		call.put("fhirServer", fhirBase());
		HttpResponse<String> response = post("/cds-services/adhd-order-sign", call);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		// 120 mg/day for the stored 20 kg child: only the fetched weight makes the 28 mg/day maximum known.
		assertThat(CdsHooksSupport.checkedResponse(response.body()).get("cards"))
				.anySatisfy(card -> assertThat(card.get("summary").asText()).contains("above the maximum of 28 mg/day"));
	}

	@Test
	void aFirstPageIsNeverTakenForTheWholeRecord() throws IOException {
		String patient = "cds-page-" + UUID.randomUUID().toString().substring(0, 8);
		storeChild(patient);
		ObjectNode call = request("order-sign", patient, ATOMOXETINE_ORDER.formatted(patient));
		ObjectNode prefetch = call.putObject("prefetch");
		prefetch.set("patient", JSON.readTree(get("/fhir/Patient/" + patient).body()));
		ObjectNode firstPage = emptyBundle();
		firstPage.putArray("link").addObject().put("relation", "next")
				.put("url", fhirBase() + "/Observation?subject=Patient/" + patient + "&_getpagesoffset=20&_count=20");
		prefetch.set("observations", firstPage);
		prefetch.set("medications", emptyBundle());
		HttpResponse<String> noServer = post("/cds-services/adhd-order-sign", call);
		assertError(noServer, 412);
		assertThat(noServer.body()).contains("observations", "first page");

		call.put("fhirServer", fhirBase());
		HttpResponse<String> response = post("/cds-services/adhd-order-sign", call);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		// The weight was not on the page the client sent: the service fetched the whole search.
		assertThat(CdsHooksSupport.checkedResponse(response.body()).get("cards"))
				.anySatisfy(card -> assertThat(card.get("summary").asText()).contains("above the maximum of 28 mg/day"));
	}

	@Test
	void aPrefetchAboutAnotherPatientIsRefused() throws IOException {
		ObjectNode call = request("order-sign", "p-mine", ATOMOXETINE_ORDER.formatted("p-mine"));
		nullPrefetch(call);
		ObjectNode foreign = emptyBundle();
		foreign.putArray("entry").addObject().set("resource", JSON.readTree("""
				{"resourceType":"Observation","id":"w","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},
				 "subject":{"reference":"Patient/p-other"},"valueQuantity":{"value":80,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}}"""));
		((ObjectNode) call.get("prefetch")).set("observations", foreign);
		HttpResponse<String> response = post("/cds-services/adhd-order-sign", call);
		assertError(response, 400);
		assertThat(response.body()).contains("Patient/p-other");

		((ObjectNode) call.get("prefetch")).set("patient", JSON.readTree("{\"resourceType\":\"Patient\",\"id\":\"p-other\"}"));
		((ObjectNode) call.get("prefetch")).putNull("observations");
		assertError(post("/cds-services/adhd-order-sign", call), 400);
	}

	@Test
	void orderSelectReviewsOnlyTheSelectedOrders() throws IOException {
		String patient = "cds-sel-" + UUID.randomUUID().toString().substring(0, 8);
		storeChild(patient);
		ObjectNode call = request("order-select", patient, ATOMOXETINE_ORDER.formatted(patient));
		call.put("fhirServer", fhirBase());
		ObjectNode context = (ObjectNode) call.get("context");
		context.putArray("selections").add("MedicationRequest/draft-1");
		JsonNode selected = CdsHooksSupport.checkedResponse(post("/cds-services/adhd-order-select", call).body());
		assertThat(selected.get("cards")).anySatisfy(c -> assertThat(c.get("summary").asText()).contains("above the maximum"));

		context.putArray("selections").add("MedicationRequest/another-order");
		JsonNode other = CdsHooksSupport.checkedResponse(post("/cds-services/adhd-order-select", call).body());
		assertThat(other.get("cards")).as("draft-1 is context, not selected").isEmpty();
	}

	@Test
	void feedbackIsStoredAsAuditEventsAndCanBeSearched() throws IOException {
		String accepted = UUID.randomUUID().toString();
		String overridden = UUID.randomUUID().toString();
		String body = """
				{"feedback":[
				 {"card":"%s","outcome":"accepted","acceptedSuggestions":[{"id":"s-1"}],"outcomeTimestamp":"2026-11-21T10:00:00Z"},
				 {"card":"%s","outcome":"overridden","overrideReason":{"reason":{"code":"already-arranged",
				  "system":"http://adhdkb.org/fhir/CodeSystem/cds-override-reason","display":"Already arranged"},
				  "userComment":"Seen last week"},"outcomeTimestamp":"2026-11-21T10:05:00Z"}]}""".formatted(accepted, overridden);
		HttpResponse<String> response = post("/cds-services/adhd-order-sign/feedback", body);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		assertThat(JSON.readTree(response.body()).get("stored")).hasSize(2);

		// Feedback is audit data: reading it needs a token, like every AuditEvent.
		String token = "Bearer " + TestIssuer.authorToken();
		assertThat(get("/fhir/AuditEvent?entity-name=" + overridden).statusCode()).isEqualTo(401);
		JsonNode found = JSON.readTree(get("/fhir/AuditEvent?entity-name=" + overridden, "Authorization", token).body());
		assertThat(found.get("total").asInt()).isEqualTo(1);
		JsonNode event = found.at("/entry/0/resource");
		assertThat(event.at("/subtype/0/code").asText()).isEqualTo("overridden");
		assertThat(event.at("/entity/0/detail/0/valueString").asText())
				.isEqualTo("http://adhdkb.org/fhir/CodeSystem/cds-override-reason|already-arranged");
		JsonNode acceptedEvents = JSON.readTree(get("/fhir/AuditEvent?entity-name=" + accepted
				+ "&subtype=http://adhdkb.org/fhir/CodeSystem/cds-feedback%7Caccepted", "Authorization", token).body());
		assertThat(acceptedEvents.get("total").asInt()).isEqualTo(1);

		assertError(post("/cds-services/adhd-order-sign/feedback", "{\"feedback\":[]}"), 400);
		assertError(post("/cds-services/adhd-order-sign/feedback",
				"{\"feedback\":[{\"card\":\"x\",\"outcome\":\"ignored\",\"outcomeTimestamp\":\"2026-11-21T10:00:00Z\"}]}"), 400);
		assertError(post("/cds-services/adhd-order-sign/feedback",
				"{\"feedback\":[{\"card\":\"x\",\"outcome\":\"accepted\",\"outcomeTimestamp\":\"yesterday\"}]}"), 400);
		assertError(post("/cds-services/nope/feedback", body), 404);
	}

	private void storeChild(String patient) throws IOException {
		String bundle = """
				{"resourceType":"Bundle","type":"transaction","entry":[
				 {"resource":{"resourceType":"Patient","id":"%1$s","birthDate":"%2$s"},"request":{"method":"PUT","url":"Patient/%1$s"}},
				 {"resource":{"resourceType":"Observation","id":"%1$s-w","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},
				  "subject":{"reference":"Patient/%1$s"},"effectiveDateTime":"2026-01-01","valueQuantity":{"value":20,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}},
				  "request":{"method":"PUT","url":"Observation/%1$s-w"}}]}""".formatted(patient, java.time.LocalDate.now().minusYears(8).minusDays(1));
		HttpResponse<String> response = send("POST", "/fhir", bundle, "Content-Type", "application/fhir+json");
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
	}

	private static ObjectNode request(String hook, String patientId, String draftOrders) {
		ObjectNode request = JSON.createObjectNode();
		request.put("hook", hook);
		request.put("hookInstance", UUID.randomUUID().toString());
		ObjectNode context = request.putObject("context");
		context.put("userId", "Practitioner/p");
		context.put("patientId", patientId);
		if (draftOrders != null) {
			try {
				context.set("draftOrders", JSON.readTree(draftOrders));
			} catch (IOException e) {
				throw new IllegalArgumentException(e);
			}
		}
		return request;
	}

	private static void nullPrefetch(ObjectNode request) {
		ObjectNode prefetch = request.putObject("prefetch");
		for (String key : List.of("patient", "observations", "medications", "conditions")) {
			prefetch.putNull(key);
		}
	}

	private static ObjectNode emptyBundle() {
		return JSON.createObjectNode().put("resourceType", "Bundle").put("type", "searchset");
	}

	private HttpResponse<String> post(String path, Object body) {
		return send("POST", path, body instanceof String s ? s : body.toString(), "Content-Type", "application/json");
	}

	private static void assertError(HttpResponse<String> response, int status) {
		assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
		assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
		try {
			JsonNode body = JSON.readTree(response.body());
			assertThat(body.get("error").asText()).isNotBlank();
			assertThat(response.body()).doesNotContain("\tat ", "Exception:", ".java:");
		} catch (IOException e) {
			throw new AssertionError("not JSON: " + response.body(), e);
		}
	}
}
