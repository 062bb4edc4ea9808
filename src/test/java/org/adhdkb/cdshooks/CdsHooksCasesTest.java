package org.adhdkb.cdshooks;

import static org.adhdkb.cdshooks.CdsHooksSupport.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.adhdkb.testing.ServerTestBase;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the CDS Hooks test cases shipped as data in src/test/resources/cds-hooks/cases: each names a service, the
 * patient's record, the draft orders, and the cards expected (indicator, summary, suggested action types). Every case
 * runs twice over real HTTP: once with the record in the prefetch, once with no prefetch and the record stored on
 * adhdkb's own /fhir, which the service then fetches as the client's fhirServer.
 */
class CdsHooksCasesTest extends ServerTestBase {

	private static final Path CASES = Path.of("src/test/resources/cds-hooks/cases");

	@TestFactory
	Stream<DynamicTest> everyCaseWithPrefetchAndWithFhirServer() throws IOException {
		List<DynamicTest> tests = new ArrayList<>();
		try (Stream<Path> files = Files.list(CASES)) {
			for (Path file : files.sorted().toList()) {
				String name = file.getFileName().toString().replace(".json", "");
				tests.add(DynamicTest.dynamicTest(name + " (prefetch)", () -> run(load(file), Prefetch.WHOLE)));
				tests.add(DynamicTest.dynamicTest(name + " (fhirServer)", () -> run(load(file), Prefetch.NONE)));
				tests.add(DynamicTest.dynamicTest(name + " (paged prefetch)", () -> run(load(file), Prefetch.FIRST_PAGES)));
				tests.add(DynamicTest.dynamicTest(name + " (reference engine)", () -> sameOnReferenceEngine(name, load(file))));
			}
		}
		assertThat(tests).hasSizeGreaterThanOrEqualTo(3 * 14);
		return tests.stream();
	}

	/**
	 * How the test client supplies the record: all of it in the prefetch; none (the service fetches from adhdkb's own
	 * /fhir as the client's fhirServer); or, as the CDS Hooks Sandbox and other EHRs do, the first page of each
	 * prefetch search with its {@code next} link (pages of {@link #PAGE_SIZE}, so every case with more than that many
	 * observations or medications is really paged), the rest left to the service.
	 */
	enum Prefetch { WHOLE, NONE, FIRST_PAGES }

	static final int PAGE_SIZE = 2;

	/**
	 * Cases whose eca-rule cards the reference engine does not give, each with the reason (also in README,
	 * "Portability"); the test fails when a difference goes away, so that the list stays true.
	 */
	static final Map<String, String> REFERENCE_ENGINE_DIFFERS = Map.of();

	/**
	 * Proof of portability (issue 21): the content's eca-rules, run by the reference CPG engine on the case's record,
	 * give the same cards (rule and summary) as our server gives with the whole record in the prefetch.
	 */
	private void sameOnReferenceEngine(String name, JsonNode testCase) throws IOException {
		Set<ReferenceEngineRules.Card> ours = new TreeSet<>();
		for (JsonNode card : call(testCase, Prefetch.WHOLE)) {
			String source = card.at("/source/url").asText();
			if (source.contains("/#/plan/")) {
				ours.add(new ReferenceEngineRules.Card(source.substring(source.indexOf("/#/plan/") + 8), card.get("summary").asText()));
			}
		}
		String hook = CdsHooksSupport.discoveredService(get("/cds-services").body(), testCase.get("service").asText())
				.get("hook").asText();
		// a summary is under 140 characters (CDS Hooks 2.0): a longer title is cut with an ellipsis, as our cards cut it
		Set<ReferenceEngineRules.Card> reference = new TreeSet<>();
		ReferenceEngineRules.cards(testCase, hook).forEach(card -> reference.add(new ReferenceEngineRules.Card(card.rule(),
				card.summary().length() <= 139 ? card.summary() : card.summary().substring(0, 138) + "…")));
		if (REFERENCE_ENGINE_DIFFERS.containsKey(name)) {
			assertThat(reference).as("the named difference still exists: " + REFERENCE_ENGINE_DIFFERS.get(name)).isNotEqualTo(ours);
		} else {
			assertThat(reference).as("eca-rule cards on the reference engine (rule, summary)").isEqualTo(ours);
		}
	}

	private void run(JsonNode testCase, Prefetch prefetch) throws IOException {
		JsonNode cards = call(testCase, prefetch);
		JsonNode expected = testCase.get("cards");
		assertThat(cards).as("cards: %s", cards).hasSize(expected.size());
		List<JsonNode> unmatched = new ArrayList<>();
		cards.forEach(unmatched::add);
		for (JsonNode want : expected) {
			JsonNode match = unmatched.stream().filter(card -> matches(card, want)).findFirst().orElse(null);
			assertThat(match).as("a card like %s among %s", want, cards).isNotNull();
			unmatched.remove(match);
			checkCard(testCase, match, want);
		}
	}

	/** The case's call over real HTTP, the record supplied as {@code prefetch} says; the cards the service gave. */
	private JsonNode call(JsonNode testCase, Prefetch prefetch) throws IOException {
		String service = testCase.get("service").asText();
		JsonNode descriptor = CdsHooksSupport.discoveredService(get("/cds-services").body(), service);

		ObjectNode request = JSON.createObjectNode();
		request.put("hook", descriptor.get("hook").asText());
		request.put("hookInstance", UUID.randomUUID().toString());
		ObjectNode context = request.putObject("context");
		String patientId = patientId(testCase);
		context.put("patientId", patientId);
		context.put("userId", "Practitioner/cds-test");
		if (testCase.has("draftOrders")) {
			ObjectNode bundle = context.putObject("draftOrders");
			bundle.put("resourceType", "Bundle");
			bundle.put("type", "collection");
			ArrayNode entries = bundle.putArray("entry");
			testCase.get("draftOrders").forEach(order -> entries.addObject().set("resource", order));
			if (descriptor.get("hook").asText().equals("order-select")) {
				ArrayNode selections = context.putArray("selections");
				testCase.get("draftOrders").forEach(order -> selections.add("MedicationRequest/" + order.get("id").asText()));
			}
		}
		switch (prefetch) {
			case WHOLE -> {
				ObjectNode values = request.putObject("prefetch");
				descriptor.get("prefetch").fields().forEachRemaining(
						template -> values.set(template.getKey(), prefetchValue(template.getValue().asText(), testCase)));
			}
			case NONE -> {
				store(testCase);
				request.put("fhirServer", fhirBase());
			}
			case FIRST_PAGES -> {
				store(testCase);
				request.put("fhirServer", fhirBase());
				request.set("prefetch", firstPages(descriptor.get("prefetch"), patientId));
			}
		}

		HttpResponse<String> response = send("POST", "/cds-services/" + service, JSON.writeValueAsString(request),
				"Content-Type", "application/json");
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return CdsHooksSupport.checkedResponse(response.body()).get("cards");
	}

	private void checkCard(JsonNode testCase, JsonNode match, JsonNode want) throws IOException {
		// links are for people: the knowledge browser's pages, absolute
		assertThat(match.at("/source/url").asText()).startsWith(baseUrl() + "/#/");
		assertThat(match.get("links")).isNotEmpty().allSatisfy(link -> {
			assertThat(link.get("url").asText()).startsWith(baseUrl() + "/#/");
			assertThat(link.get("type").asText()).isEqualTo("absolute");
		});
		// suggested resources go into the client's record: none of our own extensions in them; an update is of a
		// draft of this call (never a second order beside it), and what the client gets by applying it is valid R4
		for (JsonNode suggestion : match.path("suggestions")) {
			for (JsonNode action : suggestion.get("actions")) {
				assertThat(action.path("resource").toString()).doesNotContain("http://adhdkb.org/fhir/StructureDefinition/");
				if (action.get("type").asText().equals("update")) {
					List<String> drafts = new ArrayList<>();
					testCase.get("draftOrders").forEach(d -> drafts.add(d.get("id").asText()));
					assertThat(drafts).contains(action.at("/resource/id").asText());
					assertValid(action.get("resource"));
				}
			}
		}
		if (want.has("label")) {
			assertThat(match.at("/suggestions/0/label").asText()).startsWith(want.get("label").asText());
		}
		if (want.has("detail")) {
			assertThat(match.get("detail").asText()).contains(want.get("detail").asText());
		}
		if (testCase.has("updatedDailyDoseMg") && match.has("suggestions")
				&& match.at("/suggestions/0/actions/0/type").asText().equals("update")) {
			JsonNode updated = match.at("/suggestions/0/actions/0/resource");
			assertThat(match.at("/suggestions/0/label").asText()).as("the label names the action").startsWith("Change to ");
			assertThat(updated.get("id").asText()).as("the update replaces the draft").isEqualTo(
					testCase.at("/draftOrders/0/id").asText());
			assertThat(updated.get("medicationCodeableConcept")).as("the ordered product, with its text, stays")
					.isEqualTo(testCase.at("/draftOrders/0/medicationCodeableConcept"));
			if (testCase.has("updatedDose")) {
				// a product order: whole units of the product per dose, the daily total in maxDosePerPeriod
				for (JsonNode dosage : updated.get("dosageInstruction")) {
					assertThat(dosage.at("/doseAndRate/0/doseQuantity/value").decimalValue())
							.isEqualByComparingTo(testCase.at("/updatedDose/value").decimalValue());
					assertThat(dosage.at("/doseAndRate/0/doseQuantity/code").asText())
							.isEqualTo(testCase.at("/updatedDose/code").asText());
					assertThat(dosage.at("/maxDosePerPeriod/numerator/value").decimalValue())
							.isEqualByComparingTo(testCase.get("updatedDailyDoseMg").decimalValue());
					assertThat(dosage.at("/maxDosePerPeriod/numerator/code").asText()).isEqualTo("mg");
				}
			} else {
				assertThat(dailyDose(updated)).isEqualByComparingTo(testCase.get("updatedDailyDoseMg").decimalValue());
			}
		}
	}

	/** The server's own $validate: no error in the resource as the client would store it. */
	private void assertValid(JsonNode resource) throws IOException {
		HttpResponse<String> outcome = send("POST", "/fhir/" + resource.get("resourceType").asText() + "/$validate",
				JSON.writeValueAsString(resource), "Content-Type", "application/fhir+json");
		JsonNode issues = JSON.readTree(outcome.body()).path("issue");
		for (JsonNode issue : issues) {
			assertThat(issue.get("severity").asText()).as("%s in %s", issue, resource).isNotIn("error", "fatal");
		}
	}

	private static boolean matches(JsonNode card, JsonNode want) {
		if (!card.get("indicator").asText().equals(want.get("indicator").asText())
				|| !card.get("summary").asText().contains(want.get("summary").asText())) {
			return false;
		}
		List<String> wantedActions = new ArrayList<>();
		want.path("suggestions").forEach(s -> s.forEach(a -> wantedActions.add(a.asText())));
		List<String> actions = new ArrayList<>();
		card.path("suggestions").forEach(s -> s.get("actions").forEach(a -> actions.add(a.get("type").asText())));
		return actions.equals(wantedActions);
	}

	private static BigDecimal dailyDose(JsonNode medicationRequest) {
		BigDecimal total = BigDecimal.ZERO;
		for (JsonNode dosage : medicationRequest.get("dosageInstruction")) {
			BigDecimal dose = dosage.at("/doseAndRate/0/doseQuantity/value").decimalValue();
			total = total.add(dose.multiply(BigDecimal.valueOf(dosage.at("/timing/repeat/frequency").asInt(1))));
		}
		return total;
	}

	/** Each prefetch template run against adhdkb's /fhir as a client would, keeping only the first page of a search. */
	private ObjectNode firstPages(JsonNode templates, String patientId) throws IOException {
		ObjectNode values = JSON.createObjectNode();
		for (var fields = templates.fields(); fields.hasNext(); ) {
			var template = fields.next();
			String query = template.getValue().asText().replace("{{context.patientId}}", patientId).replace("|", "%7C");
			if (query.contains("?")) {
				query += "&_count=" + PAGE_SIZE;
			}
			HttpResponse<String> page = get("/fhir/" + query);
			assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
			values.set(template.getKey(), JSON.readTree(page.body()));
		}
		return values;
	}

	/** The case's resources of the template's type (the templates are derived from the rules: any key may come). */
	private static JsonNode prefetchValue(String template, JsonNode testCase) {
		String type = template.split("[/?]", 2)[0];
		if (type.equals("Patient")) {
			for (JsonNode resource : testCase.get("resources")) {
				if (resource.get("resourceType").asText().equals("Patient")) {
					return resource;
				}
			}
			return JSON.nullNode();
		}
		ObjectNode bundle = JSON.createObjectNode();
		bundle.put("resourceType", "Bundle");
		bundle.put("type", "searchset");
		ArrayNode entries = bundle.putArray("entry");
		for (JsonNode resource : testCase.get("resources")) {
			if (resource.get("resourceType").asText().equals(type)) {
				entries.addObject().set("resource", resource);
			}
		}
		bundle.put("total", entries.size());
		if (type.equals("MedicationRequest")) {
			// the Medications the orders reference, as a client that resolves them sends them (search mode include)
			for (JsonNode resource : testCase.get("resources")) {
				if (resource.get("resourceType").asText().equals("Medication")) {
					ObjectNode entry = entries.addObject();
					entry.set("resource", resource);
					entry.putObject("search").put("mode", "include");
				}
			}
		}
		return bundle;
	}

	private void store(JsonNode testCase) throws IOException {
		ObjectNode bundle = JSON.createObjectNode();
		bundle.put("resourceType", "Bundle");
		bundle.put("type", "transaction");
		ArrayNode entries = bundle.putArray("entry");
		for (JsonNode resource : testCase.get("resources")) {
			ObjectNode entry = entries.addObject();
			entry.set("resource", resource);
			entry.putObject("request").put("method", "PUT")
					.put("url", resource.get("resourceType").asText() + "/" + resource.get("id").asText());
		}
		HttpResponse<String> response = send("POST", "/fhir", JSON.writeValueAsString(bundle),
				"Content-Type", "application/fhir+json");
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
	}

	private static String patientId(JsonNode testCase) {
		for (JsonNode resource : testCase.get("resources")) {
			if (resource.get("resourceType").asText().equals("Patient")) {
				return resource.get("id").asText();
			}
		}
		throw new IllegalStateException("a case needs a Patient");
	}

	private static JsonNode load(Path file) throws IOException {
		return JSON.readTree(CdsHooksSupport.withDates(Files.readString(file)));
	}
}
