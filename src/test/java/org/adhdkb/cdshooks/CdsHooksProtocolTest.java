package org.adhdkb.cdshooks;

import static org.adhdkb.cdshooks.CdsHooksSupport.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
		HttpResponse<String> textPlain = send("POST", "/cds-services/adhd-order-sign", "hello", "Content-Type", "text/plain");
		assertError(textPlain, 415);
		assertThat(textPlain.body()).contains("Content-Type: application/json");
		HttpResponse<String> get = get("/cds-services/adhd-order-sign");
		assertError(get, 405);
		assertThat(get.headers().firstValue("Allow")).contains("POST");
		assertThat(get.body()).contains("POST");
		assertError(send("DELETE", "/cds-services", null), 405);
		HttpResponse<String> html = send("POST", "/cds-services/adhd-order-sign", request("order-sign", "p1", null).toString(),
				"Content-Type", "application/json", "Accept", "text/html");
		assertError(html, 406);
		assertThat(html.body()).contains("application/json");
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
		String contentBefore = planDefinitionCount();
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
		assertThat(planDefinitionCount()).as("content untouched").isEqualTo(contentBefore);
	}

	/** The PlanDefinition total, read before and after the hostile calls: the content's size is not this test's business. */
	private String planDefinitionCount() {
		String body = get("/fhir/PlanDefinition?_summary=count").body();
		java.util.regex.Matcher total = java.util.regex.Pattern.compile("\"total\":(\\d+)").matcher(body);
		assertThat(total.find()).as(body).isTrue();
		assertThat(Integer.parseInt(total.group(1))).as("some content is loaded").isPositive();
		return total.group(1);
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
	void aRecordOrderWhoseMedicationCannotBeReadIs412() throws IOException {
		String order = """
				{"resourceType":"MedicationRequest","id":"p-ref-order","status":"active","intent":"order",
				 "medicationReference":{"reference":"Medication/ehr-only-med"},"subject":{"reference":"Patient/p-ref"},
				 "authoredOn":"2026-01-01"}""";
		ObjectNode call = request("patient-view", "p-ref", null);
		nullPrefetch(call);
		ObjectNode orders = emptyBundle();
		orders.putArray("entry").addObject().set("resource", JSON.readTree(order));
		((ObjectNode) call.get("prefetch")).set("medications", orders);
		// the patient takes something the rules cannot name: no decision on it, no silent omission
		HttpResponse<String> missing = post("/cds-services/adhd-patient-view", call);
		assertError(missing, 412);
		assertThat(missing.body()).contains("Medication/ehr-only-med");

		// the same order with its Medication in the Bundle, as a client that resolves references sends it
		ObjectNode included = ((ArrayNode) orders.get("entry")).addObject();
		included.set("resource", JSON.readTree("""
				{"resourceType":"Medication","id":"ehr-only-med","code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm",
				 "code":"349594","display":"atomoxetine 40 MG Oral Capsule"}]}}"""));
		included.putObject("search").put("mode", "include");
		HttpResponse<String> resolved = post("/cds-services/adhd-patient-view", call);
		assertThat(resolved.statusCode()).as(resolved.body()).isEqualTo(200);
		// the rules read the order as atomoxetine: on an ADHD medicine since January, and no vital signs recorded
		assertThat(CdsHooksSupport.checkedResponse(resolved.body()).findValuesAsText("summary"))
				.contains("No blood pressure or heart rate recorded since the ADHD medication change on 2026-01-01");
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

	/** Feedback about the cards of a real call: 120 mg/day for a 20 kg child gives the maximum card and follow-up. */
	@Test
	void feedbackIsCheckedAgainstTheCardsIssuedAndStoredOnce() throws IOException {
		String patient = "cds-fb-" + UUID.randomUUID().toString().substring(0, 8);
		storeChild(patient);
		ObjectNode call = request("order-sign", patient, ATOMOXETINE_ORDER.formatted(patient));
		call.put("fhirServer", fhirBase());
		String hookInstance = call.get("hookInstance").asText();
		JsonNode cards = CdsHooksSupport.checkedResponse(post("/cds-services/adhd-order-sign", call).body()).get("cards");
		JsonNode maximum = card(cards, "above the maximum");
		JsonNode followUp = card(cards, "Follow up");
		String maximumCard = maximum.get("uuid").asText();
		String followUpCard = followUp.get("uuid").asText();
		String suggestion = maximum.at("/suggestions/0/uuid").asText();

		// the dose card says what it was computed from: weight and its date, age, the band in words, the maximum's source
		assertThat(maximum.get("detail").asText()).contains("weight **20 kg** measured on 2026-01-01", "age **8 years**",
				"body weight up to 70 kg, age 6 to 17 years", "US FDA label, STRATTERA").doesNotContain("weight-up-to-70kg");
		// and that weight, 11 months old for an 8-year-old, is out of date (NICE NG87: every 3 months up to 10 years)
		assertThat(card(cards, "out of date").get("suggestions")).hasSize(1);
		assertThat(maximum.at("/suggestions/0/label").asText()).isEqualTo("Change to 10 mg once daily");

		// each card offers the reasons of its kind (CodeSystem cds-card), not one list for all
		assertThat(codes(maximum.get("overrideReasons"))).contains("specialist-advice").doesNotContain("already-arranged");
		assertThat(codes(followUp.get("overrideReasons"))).contains("already-arranged")
				.doesNotContain("tolerating-current-dose");

		String sign = "/cds-services/adhd-order-sign/feedback";
		assertError(post(sign, accepted(UUID.randomUUID().toString(), suggestion)), 400);
		assertError(post("/cds-services/adhd-order-select/feedback", accepted(maximumCard, suggestion)), 400);
		assertError(post(sign, "{\"feedback\":[{\"card\":\"" + maximumCard
				+ "\",\"outcome\":\"accepted\",\"outcomeTimestamp\":\"2026-11-21T10:00:00Z\"}]}"), 400);
		assertError(post(sign, accepted(maximumCard, "not-a-suggestion-of-this-card")), 400);
		assertError(post(sign, overridden(followUpCard, "tolerating-current-dose")), 400);

		HttpResponse<String> first = post(sign, accepted(maximumCard, suggestion));
		assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
		HttpResponse<String> retry = post(sign, accepted(maximumCard, suggestion));
		assertThat(retry.statusCode()).as(retry.body()).isEqualTo(200);
		assertThat(JSON.readTree(retry.body()).get("stored")).isEqualTo(JSON.readTree(first.body()).get("stored"));
		assertError(post(sign, overridden(maximumCard, "specialist-advice")), 400);
		HttpResponse<String> override = post(sign, overridden(followUpCard, "already-arranged"));
		assertThat(override.statusCode()).as(override.body()).isEqualTo(200);

		// Feedback is audit data: reading it needs a token, like every AuditEvent.
		String token = "Bearer " + TestIssuer.authorToken();
		assertThat(get("/fhir/AuditEvent?entity-name=" + followUpCard).statusCode()).isEqualTo(401);
		JsonNode stored = JSON.readTree(get("/fhir/AuditEvent?entity-name=" + maximumCard, "Authorization", token).body());
		assertThat(stored.get("total").asInt()).as("stored once").isEqualTo(1);
		JsonNode event = stored.at("/entry/0/resource");
		assertThat(event.at("/subtype/0/code").asText()).isEqualTo("accepted");
		assertThat(event.get("entity")).extracting(e -> e.get("name").asText())
				.contains("adhd-order-sign", "Patient/" + patient, hookInstance);
		JsonNode overriddenEvent = JSON.readTree(get("/fhir/AuditEvent?entity-name=" + followUpCard
				+ "&subtype=http://adhdkb.org/fhir/CodeSystem/cds-feedback%7Coverridden", "Authorization", token).body());
		assertThat(overriddenEvent.get("total").asInt()).isEqualTo(1);
		assertThat(overriddenEvent.at("/entry/0/resource/entity/0/detail").findValuesAsText("valueString"))
				.contains("http://adhdkb.org/fhir/CodeSystem/cds-override-reason|already-arranged");

		String summaryPath = "/fhir/AuditEvent/$cds-feedback-summary?service=adhd-order-sign";
		assertThat(get(summaryPath).statusCode()).as("the audit trail is not for anonymous readers").isEqualTo(401);
		assertThat(get(summaryPath, "Authorization", "Bearer " + TestIssuer.get().token("system/Patient.rs")).statusCode())
				.as("a token that may not read AuditEvent").isEqualTo(403);
		HttpResponse<String> summary = get(summaryPath, "Authorization", "Bearer " + TestIssuer.get().token("system/AuditEvent.rs"));
		assertThat(summary.statusCode()).as(summary.body()).isEqualTo(200);
		JsonNode byCard = JSON.readTree(summary.body()).get("parameter");
		JsonNode maximumCounts = summaryOf(byCard, "dose-above-maximum");
		assertThat(part(maximumCounts, "accepted").get("valueInteger").asInt()).isGreaterThanOrEqualTo(1);
		JsonNode followUpCounts = summaryOf(byCard, "follow-up-after-change");
		assertThat(part(followUpCounts, "overridden").get("valueInteger").asInt()).isGreaterThanOrEqualTo(1);
		assertThat(followUpCounts.get("part").toString()).contains("already-arranged");

		assertError(post(sign, "{\"feedback\":[]}"), 400);
		assertError(post(sign, "{\"feedback\":[{\"card\":\"" + followUpCard
				+ "\",\"outcome\":\"ignored\",\"outcomeTimestamp\":\"2026-11-21T10:00:00Z\"}]}"), 400);
		assertError(post("/cds-services/nope/feedback", accepted(maximumCard, suggestion)), 404);
	}

	private static JsonNode card(JsonNode cards, String summaryPart) {
		for (JsonNode card : cards) {
			if (card.get("summary").asText().contains(summaryPart)) {
				return card;
			}
		}
		throw new AssertionError("no card with '" + summaryPart + "' in " + cards);
	}

	private static List<String> codes(JsonNode codings) {
		List<String> codes = new java.util.ArrayList<>();
		codings.forEach(c -> codes.add(c.get("code").asText()));
		return codes;
	}

	private static JsonNode summaryOf(JsonNode parameters, String kind) {
		for (JsonNode card : parameters) {
			if (part(card, "kind").at("/valueCoding/code").asText().equals(kind)) {
				return card;
			}
		}
		throw new AssertionError("no summary of " + kind + " in " + parameters);
	}

	private static JsonNode part(JsonNode parameter, String name) {
		for (JsonNode part : parameter.get("part")) {
			if (part.get("name").asText().equals(name)) {
				return part;
			}
		}
		throw new AssertionError("no part " + name + " in " + parameter);
	}

	private static String accepted(String card, String suggestion) {
		return """
				{"feedback":[{"card":"%s","outcome":"accepted","acceptedSuggestions":[{"id":"%s"}],
				 "outcomeTimestamp":"2026-11-21T10:00:00Z"}]}""".formatted(card, suggestion);
	}

	private static String overridden(String card, String reason) {
		return """
				{"feedback":[{"card":"%s","outcome":"overridden","overrideReason":{"reason":{"code":"%s",
				 "system":"http://adhdkb.org/fhir/CodeSystem/cds-override-reason"},"userComment":"Seen last week"},
				 "outcomeTimestamp":"2026-11-21T10:05:00Z"}]}""".formatted(card, reason);
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

	/** Every prefetch key of the hook's service, as discovery names them, sent as null ("no data", CDS Hooks 2.0). */
	private void nullPrefetch(ObjectNode request) {
		JsonNode templates = CdsHooksSupport.discoveredServiceForHook(get("/cds-services").body(),
				request.get("hook").asText()).path("prefetch");
		ObjectNode prefetch = request.putObject("prefetch");
		templates.fieldNames().forEachRemaining(prefetch::putNull);
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
