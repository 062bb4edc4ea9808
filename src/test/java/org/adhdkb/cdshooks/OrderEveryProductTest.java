package org.adhdkb.cdshooks;

import static org.adhdkb.cdshooks.CdsHooksSupport.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.adhdkb.testing.ServerTestBase;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every ADHD-labelled product (each SCD and SBD of ValueSet adhd-medications), ordered for a 30 kg child as EHRs
 * order it, over real HTTP with the record in the prefetch and with the record on the fhirServer: 10 units twice a
 * day (100 mL twice a day of a liquid; ten transdermal systems worn 9 hours once a day) is above the label maximum
 * whenever the label says so, and an order at the label's starting dose gets no dose warning.
 *
 * <p>The rows come from the content (which products there are, their lines, their strengths); the verdicts come
 * from {@link #LABELS}, the labels' starting doses and maxima written here by hand from the US prescribing
 * information, never from our MedicationKnowledge.
 */
class OrderEveryProductTest extends ServerTestBase {

	private static final Path CONTENT = Path.of("fhir-resources");
	private static final BigDecimal WEIGHT_KG = new BigDecimal("30");
	private static final BigDecimal WEAR_HOURS = new BigDecimal("9");
	private static final Pattern MAXIMUM = Pattern.compile("(?:maximum|usual ceiling) of ([0-9.]+) mg/day");

	/**
	 * Lines whose maximum at the age tested is a usual ceiling, not an absolute one: "Only in rare cases will it be
	 * necessary to exceed a total of 40 milligrams per day" (Adderall, Evekeo, Evekeo ODT, Zenzedi, Dexedrine Spansule
	 * and ProCentra labels). A dose above it gets a warning that says so, not a critical "above the maximum".
	 */
	private static final Set<String> USUAL_CEILING = Set.of("mixed-amphetamine-salts",
			"amphetamine-sulfate-tablet", "amphetamine-sulfate-odt", "dextroamphetamine", "dextroamphetamine-er-capsule",
			"dextroamphetamine-oral-solution");

	/**
	 * A line's label for the age tested (30 kg): starting dose and maximum in mg a day (null: the label gives none).
	 * Methylphenidate 8-hour tablets replace a titrated IR dose, so no start; Desoxyn states a usual dose, no maximum;
	 * the amphetamine IR 40 mg is the labels' "rarely exceeded"; atomoxetine is 0.5 mg/kg start and 1.4 mg/kg (or 100
	 * mg, the lower) at most, 15 and 42 mg at 30 kg; Intuniv 6-12 years at most 4 mg.
	 */
	private record Label(int age, String start, String maximum) {}

	private static final Map<String, Label> LABELS = Map.ofEntries(
			Map.entry("methylphenidate-ir", new Label(10, "10", "60")), // Ritalin: 5 mg twice daily; 60 mg
			Map.entry("methylphenidate-chewable-tablet", new Label(10, "10", "60")), // Methylin chewable
			Map.entry("methylphenidate-oral-solution", new Label(10, "10", "60")), // Methylin oral solution
			Map.entry("methylphenidate-er-8h-tablet", new Label(10, null, "60")),
			Map.entry("methylphenidate-er", new Label(10, "18", "54")), // Concerta 6-12 years
			Map.entry("methylphenidate-er-capsule-50-50", new Label(10, "20", "60")), // Ritalin LA
			Map.entry("methylphenidate-er-capsule-30-70", new Label(10, "20", "60")), // Metadate CD
			Map.entry("methylphenidate-er-capsule-40-60", new Label(10, "10", "60")), // Aptensio XR
			Map.entry("methylphenidate-er-evening-capsule", new Label(10, "20", "100")), // Jornay PM
			Map.entry("methylphenidate-er-oral-suspension", new Label(10, "20", "60")), // Quillivant XR
			Map.entry("methylphenidate-er-chewable-tablet", new Label(10, "20", "60")), // QuilliChew ER
			Map.entry("methylphenidate-er-odt", new Label(10, "17.3", "51.8")), // Cotempla XR-ODT
			Map.entry("methylphenidate-transdermal", new Label(10, "10", "30")), // Daytrana, per 9-hour wear
			Map.entry("dexmethylphenidate", new Label(10, "5", "20")), // Focalin: 2.5 mg twice daily
			Map.entry("dexmethylphenidate-er", new Label(10, "5", "30")), // Focalin XR, children
			Map.entry("serdexmethylphenidate-dexmethylphenidate", new Label(10, "39.2", "52.3")), // Azstarys
			Map.entry("mixed-amphetamine-salts", new Label(10, "5", "40")), // Adderall 6+
			Map.entry("mixed-amphetamine-salts-er", new Label(10, "10", "30")), // Adderall XR 6-12
			Map.entry("mixed-amphetamine-salts-er-triple-bead", new Label(13, "12.5", "25")), // Mydayis 13-17
			Map.entry("amphetamine-sulfate-tablet", new Label(10, "5", "40")), // Evekeo 6+
			Map.entry("amphetamine-sulfate-odt", new Label(10, "5", "40")), // Evekeo ODT 6-17
			Map.entry("amphetamine-er-odt", new Label(10, "6.3", "18.8")), // Adzenys XR-ODT 6-12
			Map.entry("amphetamine-er-oral-suspension-1-25", new Label(10, "6.3", "18.8")), // Adzenys ER 6-12
			Map.entry("amphetamine-er-oral-suspension-2-5", new Label(10, "2.5", "20")), // Dyanavel XR
			Map.entry("dextroamphetamine", new Label(10, "5", "40")), // Zenzedi 6+
			Map.entry("dextroamphetamine-er-capsule", new Label(10, "5", "40")), // Dexedrine Spansule
			Map.entry("dextroamphetamine-oral-solution", new Label(10, "5", "40")), // ProCentra
			Map.entry("lisdexamfetamine", new Label(10, "30", "70")), // Vyvanse
			Map.entry("lisdexamfetamine-chewable-tablet", new Label(10, "30", "70")),
			Map.entry("methamphetamine", new Label(10, "5", null)), // Desoxyn
			Map.entry("atomoxetine", new Label(10, "15", "42")), // Strattera, up to 70 kg
			Map.entry("viloxazine-er", new Label(10, "100", "400")), // Qelbree 6-11
			Map.entry("guanfacine-er", new Label(10, "1", "4")), // Intuniv 6-12
			Map.entry("clonidine-er", new Label(10, "0.1", "0.4")), // Kapvay
			Map.entry("clonidine-er-oral-suspension", new Label(10, "0.1", "0.4"))); // Onyda XR

	/** One orderable product: its code and name, its line (null: none), its strength per unit from its Medication. */
	private record Row(String code, String name, String line, BigDecimal perUnit, String per) {}

	private final Map<Integer, String> patients = new HashMap<>();

	@TestFactory
	Stream<DynamicTest> everyProductAboveTheMaximumAndAtTheStart() throws IOException {
		List<Row> rows = rows();
		assertThat(rows).as("every ADHD-labelled product in the content").hasSizeGreaterThan(250);
		assertThat(rows.stream().map(Row::line).filter(l -> l != null).distinct())
				.as("every line has a hand-written label row").allMatch(LABELS::containsKey);
		return rows.stream().map(row -> DynamicTest.dynamicTest(row.code() + " " + row.name(), () -> check(row)));
	}

	private void check(Row row) throws IOException {
		if (row.line() == null) {
			for (boolean fhirServer : new boolean[] {false, true}) {
				JsonNode cards = call(10, tenTwiceADay(row), fhirServer);
				assertThat(summaries(cards)).as("a product without a line is named, not passed in silence")
						.anyMatch(s -> s.contains("dose not checked"));
			}
			return;
		}
		Label label = LABELS.get(row.line());
		BigDecimal ordered = dailyOf(row, tenTwiceADay(row));
		boolean aboveLabel = label.maximum() != null && ordered.compareTo(new BigDecimal(label.maximum())) > 0;
		for (boolean fhirServer : new boolean[] {false, true}) {
			JsonNode cards = call(label.age(), tenTwiceADay(row), fhirServer);
			List<String> critical = summaries(cards, "critical");
			if (aboveLabel) {
				boolean usual = USUAL_CEILING.contains(row.line());
				List<String> flagged = usual ? summaries(cards, "warning") : critical;
				assertThat(flagged).as("%s mg/day is above the label maximum %s", ordered, label.maximum())
						.anyMatch(s -> s.contains(usual ? "above the usual ceiling" : "above the maximum"));
				for (String summary : flagged) {
					Matcher m = MAXIMUM.matcher(summary);
					if (m.find()) {
						assertThat(new BigDecimal(m.group(1))).as("no maximum above the label's").isLessThanOrEqualTo(new BigDecimal(label.maximum()));
					}
				}
			} else {
				assertThat(critical).as("%s mg/day is within the label maximum %s", ordered, label.maximum()).isEmpty();
			}
			assertThat(summaries(cards)).noneMatch(s -> s.contains("could not be checked"));

			ObjectNode start = startingOrder(row, label);
			BigDecimal startDaily = dailyOf(row, start);
			JsonNode startCards = call(label.age(), start, fhirServer);
			boolean aboveStart = label.start() != null && startDaily.compareTo(new BigDecimal(label.start())) > 0;
			assertThat(summaries(startCards)).as("the order of %s mg/day: no dose warning unless above the label start %s", startDaily, label.start())
					.noneMatch(s -> s.contains("above the maximum") || s.contains("could not be checked")
							|| (!aboveStart && s.contains("above the recommended start")));
		}
	}

	/** 10 units twice a day; 100 mL twice a day of a liquid; ten systems worn 9 hours, once a day. */
	private static ObjectNode tenTwiceADay(Row row) {
		return switch (row.per()) {
			case "mL" -> order(row, "100", "mL", "mL", 2, false);
			case "h" -> order(row, "10", "{patch}", "patch", 1, true);
			default -> order(row, "10", row.per(), row.per().replaceAll("[{}]", ""), 2, false);
		};
	}

	/** The label's starting dose once a day: in units (or mL) where the product gives it exactly, else in mg. */
	private static ObjectNode startingOrder(Row row, Label label) {
		if (row.per().equals("h")) {
			return order(row, "1", "{patch}", "patch", 1, true);
		}
		BigDecimal start = new BigDecimal(label.start() == null ? "10" : label.start());
		BigDecimal[] units = start.divideAndRemainder(row.perUnit());
		if (row.per().equals("mL")) {
			return order(row, start.divide(row.perUnit(), 4, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString(), "mL", "mL", 1, false);
		}
		if (units[1].signum() == 0) {
			return order(row, units[0].toPlainString(), row.per(), row.per().replaceAll("[{}]", ""), 1, false);
		}
		return order(row, start.toPlainString(), "mg", "mg", 1, false);
	}

	/** The daily amount an order of {@link #order} gives, computed here from the product's strength. */
	private static BigDecimal dailyOf(Row row, ObjectNode order) {
		JsonNode dosage = order.at("/dosageInstruction/0");
		BigDecimal amount = dosage.at("/doseAndRate/0/doseQuantity/value").decimalValue();
		BigDecimal perDay = BigDecimal.valueOf(dosage.at("/timing/repeat/frequency").asInt());
		if (!dosage.at("/doseAndRate/0/doseQuantity/code").asText().equals("mg")) {
			amount = amount.multiply(row.perUnit());
			if (row.per().equals("h")) {
				amount = amount.multiply(WEAR_HOURS);
			}
		}
		return amount.multiply(perDay).setScale(1, RoundingMode.HALF_UP);
	}

	private static ObjectNode order(Row row, String value, String ucum, String unit, int perDay, boolean worn) {
		ObjectNode order = JSON.createObjectNode();
		order.put("resourceType", "MedicationRequest");
		order.put("id", "every-product-" + row.code());
		order.put("status", "draft");
		order.put("intent", "order");
		order.putObject("medicationCodeableConcept").putArray("coding").addObject()
				.put("system", "http://www.nlm.nih.gov/research/umls/rxnorm").put("code", row.code()).put("display", row.name());
		ObjectNode dosage = order.putArray("dosageInstruction").addObject();
		ObjectNode repeat = dosage.putObject("timing").putObject("repeat");
		repeat.put("frequency", perDay).put("period", 1).put("periodUnit", "d");
		if (worn) {
			repeat.put("duration", WEAR_HOURS).put("durationUnit", "h");
		}
		dosage.putArray("doseAndRate").addObject().putObject("doseQuantity").put("value", new BigDecimal(value))
				.put("unit", unit).put("system", "http://unitsofmeasure.org").put("code", ucum);
		return order;
	}

	private JsonNode call(int age, ObjectNode draft, boolean fhirServer) throws IOException {
		String patientId = patient(age);
		ObjectNode request = JSON.createObjectNode();
		request.put("hook", "order-select");
		request.put("hookInstance", UUID.randomUUID().toString());
		ObjectNode context = request.putObject("context");
		context.put("patientId", patientId).put("userId", "Practitioner/every-product");
		ObjectNode bundle = context.putObject("draftOrders");
		bundle.put("resourceType", "Bundle").put("type", "collection");
		draft.putObject("subject").put("reference", "Patient/" + patientId);
		bundle.putArray("entry").addObject().set("resource", draft);
		context.putArray("selections").add("MedicationRequest/" + draft.get("id").asText());
		if (fhirServer) {
			request.put("fhirServer", fhirBase());
		} else {
			// the keys are the service's, as discovery gives them (derived from the rules' data requirements)
			ObjectNode prefetch = request.putObject("prefetch");
			prefetchTemplates().fields().forEachRemaining(template -> prefetch.set(template.getKey(),
					prefetchValue(template.getValue().asText(), patientId, age)));
		}
		HttpResponse<String> response = send("POST", "/cds-services/adhd-order-select", JSON.writeValueAsString(request),
				"Content-Type", "application/json");
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return CdsHooksSupport.checkedResponse(response.body()).get("cards");
	}

	private JsonNode orderSelectPrefetch;

	/** The order-select service's prefetch templates, from discovery. */
	private JsonNode prefetchTemplates() {
		if (orderSelectPrefetch == null) {
			orderSelectPrefetch = CdsHooksSupport.discoveredService(get("/cds-services").body(), "adhd-order-select")
					.path("prefetch");
		}
		return orderSelectPrefetch;
	}

	/**
	 * What a client holding this child's record puts under a template: the Patient, the weight under an Observation
	 * search that can match it (no code filter, or the weight's LOINC), and nothing else: the child has no other data.
	 */
	private static JsonNode prefetchValue(String template, String patientId, int age) {
		String type = template.split("[/?]", 2)[0];
		if (type.equals("Patient")) {
			return patientResource(patientId, age);
		}
		boolean weightMatches = type.equals("Observation") && (!template.contains("code=") || template.contains("29463-7"));
		return weightMatches ? searchset(weight(patientId)) : searchset();
	}

	/** A child of this age and 30 kg, stored once on adhdkb's /fhir for the calls that name it as fhirServer. */
	private String patient(int age) throws IOException {
		String id = patients.get(age);
		if (id != null) {
			return id;
		}
		id = "every-product-" + age + "-" + UUID.randomUUID().toString().substring(0, 8);
		ObjectNode transaction = JSON.createObjectNode();
		transaction.put("resourceType", "Bundle").put("type", "transaction");
		ArrayNode entries = transaction.putArray("entry");
		for (ObjectNode resource : List.of(patientResource(id, age), weight(id))) {
			ObjectNode entry = entries.addObject();
			entry.set("resource", resource);
			entry.putObject("request").put("method", "PUT").put("url", resource.get("resourceType").asText() + "/" + resource.get("id").asText());
		}
		HttpResponse<String> stored = send("POST", "/fhir", JSON.writeValueAsString(transaction), "Content-Type", "application/fhir+json");
		assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
		patients.put(age, id);
		return id;
	}

	private static ObjectNode patientResource(String id, int age) {
		ObjectNode patient = JSON.createObjectNode();
		patient.put("resourceType", "Patient").put("id", id).put("birthDate", LocalDate.now().minusYears(age).minusDays(30).toString());
		return patient;
	}

	private static ObjectNode weight(String patientId) {
		ObjectNode weight = JSON.createObjectNode();
		weight.put("resourceType", "Observation").put("id", patientId + "-weight").put("status", "final");
		weight.putObject("code").putArray("coding").addObject().put("system", "http://loinc.org").put("code", "29463-7");
		weight.putObject("subject").put("reference", "Patient/" + patientId);
		weight.put("effectiveDateTime", LocalDate.now().minusDays(2).toString());
		weight.putObject("valueQuantity").put("value", WEIGHT_KG).put("unit", "kg").put("system", "http://unitsofmeasure.org").put("code", "kg");
		return weight;
	}

	private static ObjectNode searchset(ObjectNode... resources) {
		ObjectNode bundle = JSON.createObjectNode();
		bundle.put("resourceType", "Bundle").put("type", "searchset");
		ArrayNode entries = bundle.putArray("entry");
		for (ObjectNode resource : resources) {
			entries.addObject().set("resource", resource);
		}
		return bundle;
	}

	private static List<String> summaries(JsonNode cards, String... indicators) {
		List<String> found = new ArrayList<>();
		cards.forEach(card -> {
			if (indicators.length == 0 || List.of(indicators).contains(card.get("indicator").asText())) {
				found.add(card.get("summary").asText());
			}
		});
		return found;
	}

	/** The products of ValueSet adhd-medications, each with its line and its strength, read from the content files. */
	private static List<Row> rows() throws IOException {
		Map<String, String> lineOf = new HashMap<>();
		try (Stream<Path> files = Files.list(CONTENT.resolve("MedicationKnowledge"))) {
			for (Path file : files.toList()) {
				JsonNode line = JSON.readTree(file.toFile());
				line.path("associatedMedication").forEach(m -> lineOf.put(m.get("reference").asText().replace("Medication/rxnorm-", ""), line.get("id").asText()));
			}
		}
		List<Row> rows = new ArrayList<>();
		JsonNode valueSet = JSON.readTree(CONTENT.resolve("ValueSet/adhd-medications.json").toFile());
		for (JsonNode include : valueSet.at("/compose/include")) {
			for (JsonNode concept : include.path("concept")) {
				Path file = CONTENT.resolve("Medication/rxnorm-" + concept.get("code").asText() + ".json");
				if (!Files.exists(file)) {
					continue; // an ingredient code
				}
				JsonNode medication = JSON.readTree(file.toFile());
				String line = lineOf.get(concept.get("code").asText());
				JsonNode ingredients = medication.get("ingredient");
				// the dosed amount of one unit, as the labels state it: Azstarys in mg of serdexmethylphenidate
				BigDecimal perUnit = BigDecimal.ZERO;
				for (JsonNode ingredient : ingredients) {
					boolean serdex = ingredient.at("/itemCodeableConcept/text").asText().equals("serdexmethylphenidate");
					if ("serdexmethylphenidate-dexmethylphenidate".equals(line) && !serdex) {
						continue;
					}
					perUnit = perUnit.add(ingredient.at("/strength/numerator/value").decimalValue());
				}
				rows.add(new Row(concept.get("code").asText(), medication.at("/code/text").asText(), line, perUnit,
						ingredients.get(0).at("/strength/denominator/code").asText()));
			}
		}
		return rows;
	}
}
