package org.adhdkb.cdshooks;

import static org.adhdkb.cdshooks.CdsHooksSupport.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.adhdkb.testing.TestFiles;
import org.adhdkb.testing.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Issue 21 item 4, "Done when": a knowledge engineer adds a rule with content only. A copy of the content gets a new
 * eca-rule PlanDefinition (patient on an ADHD medicine with no height in 6 months) and its CQL; a server started on that
 * copy lists the rule in discovery, asks for the height in its prefetch, and gives the card over HTTP, with no Java
 * written for it.
 */
class RuleAddedAsContentTest {

	private static final HttpClient HTTP = HttpClient.newHttpClient();
	private static final String TITLE = "Height not measured in 6 months on an ADHD medicine";

	private static final String CQL = """
			/* A test rule: on an ADHD medicine, and no body height (LOINC 8302-2) recorded in the last 6 months. */
			library AdhdGrowthCheck version '0.1.0'

			using FHIR version '4.0.1'

			include FHIRHelpers version '4.0.1' called FHIRHelpers

			codesystem "LOINC": 'http://loinc.org'

			valueset "ADHD medications": 'http://adhdkb.org/fhir/ValueSet/adhd-medications'

			code "Body height": '8302-2' from "LOINC" display 'Body height'

			context Patient

			define "On an ADHD medicine":
			  exists ([MedicationRequest: "ADHD medications"] R where R.status = 'active')

			define "Height in the last 6 months":
			  exists ([Observation: "Body height"] O
			    where O.status in { 'final', 'amended', 'corrected' } and (O.effective as dateTime) >= Now() - 6 months)

			define "No height in 6 months":
			  "On an ADHD medicine" and not "Height in the last 6 months"
			""";

	private static ConfigurableApplicationContext server;
	private static String base;

	@BeforeAll
	static void startServerOnContentWithANewRule() throws IOException {
		Path root = Path.of("target", "test-data", "rule-content-" + UUID.randomUUID()).toAbsolutePath();
		Path content = root.resolve("fhir-resources");
		TestFiles.copyTree(Path.of("fhir-resources"), content);
		Files.writeString(content.resolve("cql/AdhdGrowthCheck.cql"), CQL);

		// The Library and the PlanDefinition as a knowledge engineer writes them: from the shape of existing ones.
		ObjectNode library = (ObjectNode) JSON.readTree(content.resolve("Library/AdhdPatientView.json").toFile());
		library.put("id", "AdhdGrowthCheck").put("url", "http://adhdkb.org/fhir/Library/AdhdGrowthCheck")
				.put("name", "AdhdGrowthCheck").put("title", "ADHD growth check (test)")
				.put("description", "A test rule's CQL: no body height in the last 6 months on an ADHD medicine.");
		((ObjectNode) library.get("text")).put("div", "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>A test rule's CQL: no body"
				+ " height in the last 6 months on an ADHD medicine.</p></div>");
		JSON.writeValue(content.resolve("Library/AdhdGrowthCheck.json").toFile(), library);

		ObjectNode rule = (ObjectNode) JSON.readTree(content.resolve("PlanDefinition/vitals-since-change.json").toFile());
		rule.put("id", "height-check").put("url", "http://adhdkb.org/fhir/PlanDefinition/height-check")
				.put("name", "HeightCheck").put("title", TITLE)
				.put("description", "On an ADHD medicine and no height in the last 6 months: measure it.");
		((ObjectNode) rule.get("text")).put("div", "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>" + TITLE + "</p></div>");
		rule.putArray("library").add("http://adhdkb.org/fhir/Library/AdhdGrowthCheck");
		ObjectNode action = (ObjectNode) rule.get("action").get(0);
		action.put("id", "height-check").put("title", TITLE).put("priority", "routine")
				.put("description", "Growth is followed during treatment: measure the height.");
		action.remove("dynamicValue");
		((ObjectNode) action.get("condition").get(0).get("expression")).put("expression", "No height in 6 months");
		ObjectNode measure = (ObjectNode) action.get("action").get(0);
		action.putArray("action").add(measure);
		measure.put("id", "measure-height").put("title", "Height").put("description", "Measure body height.")
				.put("definitionCanonical", "http://adhdkb.org/fhir/ActivityDefinition/measure-height");
		measure.remove("condition");
		JSON.writeValue(content.resolve("PlanDefinition/height-check.json").toFile(), rule);

		server = TestServers.start(Map.of(
				"adhdkb.data-dir", root.resolve("data").toString(),
				"adhdkb.content.location", "file:" + content + "/"));
		base = TestServers.fhirBase(server).replaceFirst("/fhir$", "");
	}

	@AfterAll
	static void stop() {
		if (server != null) {
			server.close();
		}
	}

	@Test
	void discoveryListsTheNewRuleAndItsPrefetch() throws Exception {
		JsonNode patientView = patientViewService();
		assertThat(patientView.get("id").asText()).isEqualTo("adhd-patient-view");
		assertThat(patientView.get("description").asText()).contains(TITLE);
		assertThat(patientView.at("/prefetch/observations").asText()).contains("http://loinc.org|8302-2");
		assertThat(patientView.at("/prefetch/patient").asText()).isEqualTo("Patient/{{context.patientId}}");
	}

	@Test
	void theNewRuleGivesItsCard() throws Exception {
		JsonNode cards = call(null);
		JsonNode card = null;
		for (JsonNode each : cards) {
			if (each.get("summary").asText().equals(TITLE)) {
				card = each;
			}
		}
		assertThat(card).as("the new rule's card among %s", cards).isNotNull();
		assertThat(card.get("indicator").asText()).isEqualTo("info");
		assertThat(card.at("/source/url").asText()).endsWith("/#/plan/height-check");
		JsonNode created = card.at("/suggestions/0/actions/0");
		assertThat(created.get("type").asText()).isEqualTo("create");
		assertThat(created.at("/resource/resourceType").asText()).isEqualTo("ServiceRequest");
		assertThat(created.at("/resource/code/coding/0/code").asText()).isEqualTo("8302-2");
	}

	@Test
	void aRecentHeightKeepsItQuiet() throws Exception {
		JsonNode cards = call(LocalDate.now().minusMonths(2).toString());
		for (JsonNode each : cards) {
			assertThat(each.get("summary").asText()).isNotEqualTo(TITLE);
		}
	}

	/** patient-view for a 10-year-old on methylphenidate, with a height measured on {@code heightOn} (or none). */
	private static JsonNode call(String heightOn) throws Exception {
		JsonNode service = patientViewService();
		ObjectNode request = JSON.createObjectNode();
		request.put("hook", "patient-view").put("hookInstance", UUID.randomUUID().toString());
		request.putObject("context").put("patientId", "growth").put("userId", "Practitioner/test");
		ObjectNode prefetch = request.putObject("prefetch");
		for (var fields = service.get("prefetch").fields(); fields.hasNext(); ) {
			var template = fields.next();
			String type = template.getValue().asText().split("[/?]", 2)[0];
			prefetch.set(template.getKey(), switch (type) {
				case "Patient" -> JSON.readTree("""
						{"resourceType":"Patient","id":"growth","birthDate":"%s"}""".formatted(LocalDate.now().minusYears(10)));
				case "MedicationRequest" -> bundle(JSON.readTree("""
						{"resourceType":"MedicationRequest","id":"growth-mph","status":"active","intent":"order",
						 "subject":{"reference":"Patient/growth"},"authoredOn":"%s",
						 "medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"1091150"}]}}"""
						.formatted(LocalDate.now().minusMonths(8))));
				case "Observation" -> heightOn == null ? bundle() : bundle(JSON.readTree("""
						{"resourceType":"Observation","id":"growth-height","status":"final","subject":{"reference":"Patient/growth"},
						 "code":{"coding":[{"system":"http://loinc.org","code":"8302-2"}]},"effectiveDateTime":"%s",
						 "valueQuantity":{"value":140,"unit":"cm","system":"http://unitsofmeasure.org","code":"cm"}}"""
						.formatted(heightOn)));
				default -> bundle();
			});
		}
		HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/cds-services/adhd-patient-view"))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request))).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return CdsHooksSupport.checkedResponse(response.body()).get("cards");
	}

	private static JsonNode patientViewService() throws Exception {
		HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/cds-services")).GET().build(),
				HttpResponse.BodyHandlers.ofString());
		for (JsonNode service : CdsHooksSupport.checkedDiscovery(response.body()).get("services")) {
			if (service.get("hook").asText().equals("patient-view")) {
				return service;
			}
		}
		throw new AssertionError("no patient-view service in " + response.body());
	}

	private static ObjectNode bundle(JsonNode... resources) {
		ObjectNode bundle = JSON.createObjectNode().put("resourceType", "Bundle").put("type", "searchset");
		ArrayNode entries = bundle.putArray("entry");
		for (JsonNode resource : resources) {
			entries.addObject().set("resource", resource);
		}
		return bundle;
	}
}
