package org.adhdkb.cdshooks;

import static org.adhdkb.cdshooks.CdsHooksSupport.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.adhdkb.testing.ServerTestBase;
import org.junit.jupiter.api.Test;

/**
 * Orders shaped the way EHRs write them, over real HTTP, for a child of 10 years (or 13) and 30 kg who is new to the
 * medicine. The expected amounts are computed here by hand from the products' label strengths; the limits are the
 * labels': Concerta 18 mg start, 54 mg (6-12 years) and 72 mg or 2 mg/kg a day, whichever is lower (13-17 years);
 * Quillivant XR 20 mg start; Daytrana 10 mg start; Strattera 1.4 mg/kg (42 mg at 30 kg); Ritalin 60 mg; Vyvanse 70
 * mg; the methylphenidate line with the highest maximum, Jornay PM, 100 mg.
 */
class OrderShapesTest extends ServerTestBase {

	private static final String ODF = "http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm";
	private static final String GTS = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation";
	private static final String ONCE_A_DAY = "{\"repeat\":{\"frequency\":1,\"period\":1,\"periodUnit\":\"d\"}}";

	@Test
	void unitsAsUcumAnnotationsOrderableDrugFormsAndPlainText() throws IOException {
		// Concerta 18 mg tablets
		assertThat(summaries(10, order("1091157", dosage(ONCE_A_DAY, "{\"value\":2,\"unit\":\"tablet\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"{tablet}\"}"))))
				.anyMatch(s -> s.contains("36 mg/day is above the recommended start of 18 mg/day"));
		assertThat(summaries(10, order("1091157", dosage(ONCE_A_DAY, "{\"value\":2,\"unit\":\"tablet\",\"system\":\"" + ODF + "\",\"code\":\"TAB\"}"))))
				.anyMatch(s -> s.contains("36 mg/day is above the recommended start of 18 mg/day"));
		assertThat(summaries(10, order("1091157", dosage(ONCE_A_DAY, "{\"value\":4,\"unit\":\"tabs\"}"))))
				.anyMatch(s -> s.contains("72 mg/day is above the maximum of 54 mg/day"));
	}

	@Test
	void aWeightBoundMaximumAppliesBesideTheAbsoluteOne() throws IOException {
		// Relexxii 72 mg at 13 years and 30 kg: 2 mg/kg a day is 60 mg, lower than 72
		assertThat(summaries(13, order("2052826", dosage(ONCE_A_DAY, "{\"value\":1,\"unit\":\"tablet\"}"))))
				.anyMatch(s -> s.contains("72 mg/day is above the maximum of 60 mg/day"));
	}

	@Test
	void liquidsInMillilitres() throws IOException {
		// Quillivant XR 25 mg/5 mL: 8 mL is 40 mg
		assertThat(summaries(10, order("1312589", dosage(ONCE_A_DAY, "{\"value\":8,\"unit\":\"mL\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mL\"}"))))
				.anyMatch(s -> s.contains("40 mg/day is above the recommended start of 20 mg/day"));
	}

	@Test
	void patchesBySystemsWornForATimeOrByRate() throws IOException {
		String worn9h = "{\"repeat\":{\"frequency\":1,\"period\":1,\"periodUnit\":\"d\",\"duration\":9,\"durationUnit\":\"h\"}}";
		// Daytrana 30 mg/9 h (3.33 mg/h), two systems: 60 mg, above the 30 mg maximum
		assertThat(summaries(10, order("753441", dosage(worn9h, "{\"value\":2,\"unit\":\"patch\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"{patch}\"}"))))
				.anyMatch(s -> s.contains("59.9 mg/day is above the maximum of 30 mg/day"));
		// Daytrana 20 mg/9 h as a rate: 2.22 mg/h for 9 hours, 20 mg
		assertThat(summaries(10, order("753440", "{\"timing\":" + worn9h
				+ ",\"doseAndRate\":[{\"rateQuantity\":{\"value\":2.22,\"unit\":\"mg/h\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mg/h\"}}]}")))
				.anyMatch(s -> s.contains("20 mg/day is above the recommended start of 10 mg/day"));
		// without a wear time the amount is unknown: said, not guessed
		assertThat(details(10, order("753441", dosage(ONCE_A_DAY, "{\"value\":1,\"unit\":\"patch\"}"))))
				.anyMatch(d -> d.contains("how long each transdermal system is worn"));
	}

	@Test
	void aRangeCountsAtItsUpperEnd() throws IOException {
		assertThat(summaries(10, order("38400", "{\"timing\":" + ONCE_A_DAY + ",\"doseAndRate\":[{\"doseRange\":{"
				+ "\"low\":{\"value\":10,\"unit\":\"mg\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mg\"},"
				+ "\"high\":{\"value\":60,\"unit\":\"mg\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mg\"}}}]}")))
				.anyMatch(s -> s.contains("60 mg/day is above the maximum of 42 mg/day"));
	}

	@Test
	void asNeededCountsAtItsMaximumPerPeriod() throws IOException {
		// Ritalin 10 mg: 1 tablet as needed, at most 8 tablets a day: 80 mg
		assertThat(summaries(10, order("1091150", "{\"asNeededBoolean\":true,"
				+ "\"maxDosePerPeriod\":{\"numerator\":{\"value\":8,\"unit\":\"tablet\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"{tablet}\"},"
				+ "\"denominator\":{\"value\":1,\"unit\":\"d\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"d\"}},"
				+ "\"doseAndRate\":[{\"doseQuantity\":{\"value\":1,\"unit\":\"tablet\"}}]}")))
				.anyMatch(s -> s.contains("80 mg/day is above the maximum of 60 mg/day"));
		assertThat(details(10, order("1091150", "{\"asNeededBoolean\":true,\"doseAndRate\":[{\"doseQuantity\":{\"value\":1,\"unit\":\"tablet\"}}]}")))
				.anyMatch(d -> d.contains("as needed") && d.contains("maximum per period"));
	}

	@Test
	void severalInstructionsWhenEventsAndTimingAbbreviations() throws IOException {
		// Ritalin 10 mg: 3 tablets at breakfast and at lunch (60 mg) and 10 mg twice a day (20 mg): 80 mg
		assertThat(summaries(10, order("1091150",
				"{\"timing\":{\"repeat\":{\"when\":[\"CM\",\"CD\"]}},\"doseAndRate\":[{\"doseQuantity\":{\"value\":3,\"unit\":\"tablet\"}}]},"
						+ "{\"timing\":{\"code\":{\"coding\":[{\"system\":\"" + GTS + "\",\"code\":\"BID\"}]}},"
						+ "\"doseAndRate\":[{\"doseQuantity\":{\"value\":10,\"unit\":\"mg\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mg\"}}]}")))
				.anyMatch(s -> s.contains("80 mg/day is above the maximum of 60 mg/day"));
	}

	@Test
	void aContainedMedicationAndOneOnTheFhirServer() throws IOException {
		String vyvanse70 = "{\"resourceType\":\"Medication\",\"id\":\"%s\",\"code\":{\"coding\":[{\"system\":"
				+ "\"http://www.nlm.nih.gov/research/umls/rxnorm\",\"code\":\"854844\"}]}}";
		String twoCapsules = dosage(ONCE_A_DAY, "{\"value\":2,\"unit\":\"capsule\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"{capsule}\"}");
		ObjectNode contained = order(null, twoCapsules);
		contained.putArray("contained").add(JSON.readTree(vyvanse70.formatted("med")));
		contained.putObject("medicationReference").put("reference", "#med");
		assertThat(summaries(10, contained)).anyMatch(s -> s.contains("140 mg/day is above the maximum of 70 mg/day"));

		String id = "ehr-vyvanse-" + UUID.randomUUID().toString().substring(0, 8);
		HttpResponse<String> stored = send("PUT", "/fhir/Medication/" + id, vyvanse70.formatted(id), "Content-Type", "application/fhir+json");
		assertThat(stored.statusCode()).as(stored.body()).isIn(200, 201);
		ObjectNode referenced = order(null, twoCapsules);
		referenced.putObject("medicationReference").put("reference", "Medication/" + id);
		for (boolean prefetch : new boolean[] {true, false}) {
			assertThat(summaries(call(10, referenced, prefetch))).anyMatch(s -> s.contains("140 mg/day is above the maximum of 70 mg/day"));
		}
		ObjectNode missing = order(null, twoCapsules);
		missing.putObject("medicationReference").put("reference", "Medication/no-such-" + id);
		assertThat(rawCall(10, missing, true).statusCode()).isEqualTo(412);
	}

	@Test
	void anIngredientOnlyOrderIsCheckedAgainstEveryLineOfTheIngredient() throws IOException {
		String mg = "{\"value\":%d,\"unit\":\"mg\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mg\"}";
		String twiceADay = "{\"repeat\":{\"frequency\":2,\"period\":1,\"periodUnit\":\"d\"}}";
		assertThat(summaries(10, order("6901", dosage(twiceADay, mg.formatted(60)))))
				.anyMatch(s -> s.contains("120 mg/day is above the maximum of 100 mg/day"));
		assertThat(summaries(10, order("6901", dosage(twiceADay, mg.formatted(40))))).as("some methylphenidate line allows 80 mg")
				.noneMatch(s -> s.contains("above the maximum"));
	}

	@Test
	void whatCannotBeReadIsSaid() throws IOException {
		// a tablet product ordered in capsules
		assertThat(details(10, order("1091150", dosage(ONCE_A_DAY, "{\"value\":1,\"unit\":\"capsule\"}"))))
				.anyMatch(d -> d.contains("capsules") && d.contains("dosed per tablet"));
		assertThat(details(10, order("1091150", "{\"text\":\"one tablet as directed\"}"))).anyMatch(d -> d.contains("only as text"));
	}

	@Test
	void aProductWithAnAdhdIngredientButNoAdhdLabelIsNamed() throws IOException {
		assertThat(summaries(10, order("884173", dosage(ONCE_A_DAY, "{\"value\":1,\"unit\":\"tablet\"}"))))
				.containsExactly("Clonidine hydrochloride 0.1 MG Oral Tablet: dose not checked");
	}

	private List<String> summaries(int age, ObjectNode draft) throws IOException {
		List<String> both = summaries(call(age, draft, true));
		assertThat(summaries(call(age, draft, false))).as("the same with the record on the fhirServer").isEqualTo(both);
		return both;
	}

	private List<String> details(int age, ObjectNode draft) throws IOException {
		List<String> found = new ArrayList<>();
		call(age, draft, true).forEach(card -> found.add(card.path("detail").asText()));
		return found;
	}

	private static List<String> summaries(JsonNode cards) {
		List<String> found = new ArrayList<>();
		cards.forEach(card -> found.add(card.get("summary").asText()));
		return found;
	}

	private static String dosage(String timing, String dose) {
		return "{\"timing\":" + timing + ",\"doseAndRate\":[{\"doseQuantity\":" + dose + "}]}";
	}

	private static ObjectNode order(String rxnorm, String dosages) throws IOException {
		ObjectNode order = (ObjectNode) JSON.readTree("{\"resourceType\":\"MedicationRequest\",\"id\":\"shape\",\"status\":\"draft\","
				+ "\"intent\":\"order\",\"dosageInstruction\":[" + dosages + "]}");
		if (rxnorm != null) {
			order.putObject("medicationCodeableConcept").putArray("coding").addObject()
					.put("system", "http://www.nlm.nih.gov/research/umls/rxnorm").put("code", rxnorm);
		}
		return order;
	}

	private JsonNode call(int age, ObjectNode draft, boolean prefetch) throws IOException {
		HttpResponse<String> response = rawCall(age, draft, prefetch);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return CdsHooksSupport.checkedResponse(response.body()).get("cards");
	}

	/** With the record in the prefetch (and fhirServer for what is not), or stored on adhdkb's /fhir as fhirServer. */
	private HttpResponse<String> rawCall(int age, ObjectNode draft, boolean prefetch) throws IOException {
		String patientId = "shape-" + age + "-" + UUID.randomUUID().toString().substring(0, 8);
		ObjectNode patient = (ObjectNode) JSON.readTree("{\"resourceType\":\"Patient\",\"id\":\"" + patientId + "\",\"birthDate\":\""
				+ LocalDate.now().minusYears(age).minusDays(30) + "\"}");
		ObjectNode weight = (ObjectNode) JSON.readTree("{\"resourceType\":\"Observation\",\"id\":\"" + patientId + "-w\",\"status\":\"final\","
				+ "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}]},\"subject\":{\"reference\":\"Patient/"
				+ patientId + "\"},\"effectiveDateTime\":\"" + LocalDate.now().minusDays(2) + "\",\"valueQuantity\":{\"value\":30,"
				+ "\"unit\":\"kg\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"kg\"}}");
		ObjectNode request = JSON.createObjectNode();
		request.put("hook", "order-select").put("hookInstance", UUID.randomUUID().toString()).put("fhirServer", fhirBase());
		ObjectNode context = request.putObject("context");
		context.put("patientId", patientId).put("userId", "Practitioner/shapes");
		ObjectNode ordered = draft.deepCopy();
		ordered.putObject("subject").put("reference", "Patient/" + patientId);
		ObjectNode bundle = context.putObject("draftOrders");
		bundle.put("resourceType", "Bundle").put("type", "collection");
		bundle.putArray("entry").addObject().set("resource", ordered);
		context.putArray("selections").add("MedicationRequest/shape");
		if (prefetch) {
			ObjectNode values = request.putObject("prefetch");
			values.set("patient", patient);
			values.set("observations", JSON.readTree("{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{\"resource\":" + weight + "}]}"));
			values.set("medications", JSON.readTree("{\"resourceType\":\"Bundle\",\"type\":\"searchset\"}"));
		} else {
			String transaction = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
					+ "{\"resource\":" + patient + ",\"request\":{\"method\":\"PUT\",\"url\":\"Patient/" + patientId + "\"}},"
					+ "{\"resource\":" + weight + ",\"request\":{\"method\":\"PUT\",\"url\":\"Observation/" + patientId + "-w\"}}]}";
			HttpResponse<String> stored = send("POST", "/fhir", transaction, "Content-Type", "application/fhir+json");
			assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
		}
		return send("POST", "/cds-services/adhd-order-select", JSON.writeValueAsString(request), "Content-Type", "application/json");
	}
}
