package org.adhdkb.cql;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import org.adhdkb.content.ContentChecker;
import org.adhdkb.content.ContentPackage;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Library;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reference CQL engine on the content's compiled AdhdPatientFacts, with the record in memory and value sets
 * expanded by HAPI's in-memory terminology service from the content's own ValueSets. Each fact is checked against
 * what its source says (the labels' thresholds, UCUM, the record's statuses).
 */
class CqlEvaluatorTest {

	private static final FhirContext FHIR = FhirContext.forR4Cached();
	private static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
	private static final String LOINC = "http://loinc.org";
	private static final ZonedDateTime NOW = ZonedDateTime.now(ZoneId.systemDefault());

	private static CqlEvaluator evaluator;
	private static CompiledLibraries compiled;
	private static final List<Resource> KNOWLEDGE = new ArrayList<>();

	@BeforeAll
	static void compileTheContent() {
		// The checker's parse of the package, with the CQL assembled into its Libraries as the build does it.
		ContentChecker.Result content = new ContentChecker(FHIR).check(ContentPackage.read("fhir-resources"), (f, r) -> false);
		List<Library> libraries = new ArrayList<>();
		PrePopulatedValidationSupport ours = new PrePopulatedValidationSupport(FHIR);
		for (Resource resource : content.resources().values()) {
			if (resource instanceof Library library) {
				libraries.add(library);
			} else if (resource instanceof org.hl7.fhir.r4.model.MedicationKnowledge) {
				KNOWLEDGE.add(resource);
			} else if (resource instanceof ValueSet || resource instanceof CodeSystem) {
				ours.addResource(resource);
				if (resource instanceof CodeSystem codeSystem && codeSystem.getUrl().endsWith("/patient-characteristic")) {
					KNOWLEDGE.add(codeSystem); // the dosing conditions' data bindings, which the facts read
				}
			}
		}
		ValidationSupportChain terminology = new ValidationSupportChain(ours, new DefaultProfileValidationSupport(FHIR),
				new CommonCodeSystemsTerminologyService(FHIR), new InMemoryTerminologyServerValidationSupport(FHIR));
		compiled = CompiledLibraries.of(libraries);
		assertThat(compiled.has("AdhdPatientFacts", "0.1.0")).isTrue();
		evaluator = new CqlEvaluator(compiled, new ValueSetTerminology(terminology));
	}

	/**
	 * What the order rules read of the knowledge alone is computed once per content version, not on every call: every
	 * line's bands (bounds parsed), every line's ingredient codes, the products of the lines, the weight intervals.
	 * A definition that reads the record, the time or the draft orders is not.
	 */
	@Test
	void theOrderRulesKnowledgeOnlyDefinitionsAreKeptPerContentVersion() {
		IndependentDefinitions knowledgeOnly = IndependentDefinitions.knowledgeOnly(compiled, FHIR);
		assertThat(knowledgeOnly.of(compiled.library("AdhdOrderChecks", "0.1.0")))
				.contains("Bands of lines", "Measure weight")
				.doesNotContain("Draft lines", "Orders of ADHD lines", "Weight");
		assertThat(knowledgeOnly.of(compiled.library("AdhdOrderDose", "0.1.0")))
				.contains("Ingredient codes", "Products of lines");
	}

	@Test
	void ageAndTheLatestUsableWeightInKilograms() {
		Patient patient = patient(LocalDate.now().minusYears(10).minusDays(3));
		List<Resource> record = List.of(patient,
				weight(patient, "30", "kg", 60, Observation.ObservationStatus.FINAL),
				weight(patient, "32", "kg", 10, Observation.ObservationStatus.FINAL),
				// newer, but entered in error: its value must not be used
				weight(patient, "50", "kg", 1, Observation.ObservationStatus.ENTEREDINERROR));

		Map<String, Object> facts = facts(record);

		assertThat(facts.get("Age in years")).isEqualTo(10);
		assertThat(kilograms(facts)).isEqualByComparingTo("32");
	}

	@Test
	void aWeightInPoundsIsConvertedByUcum() {
		Patient patient = patient(LocalDate.now().minusYears(40));
		List<Resource> record = List.of(patient, weight(patient, "100", "[lb_av]", 5, Observation.ObservationStatus.FINAL));

		// UCUM defines [lb_av] as 7000 [gr] and [gr] as 64.79891 mg: 1 [lb_av] = 0.45359237 kg
		assertThat(kilograms(facts(record))).isEqualByComparingTo("45.359237");
	}

	@Test
	void noWeightNoAgeMeansNull() {
		Patient patient = new Patient();
		patient.setId("no-facts");
		Map<String, Object> facts = facts(List.of(patient));
		assertThat(facts.get("Age in years")).isNull();
		assertThat(facts.get("Body weight in kg")).isNull();
		assertThat(facts.get("CYP2D6 poor metabolizer")).isEqualTo(false);
		assertThat(facts.get("On SSRI")).isEqualTo(false);
	}

	@Test
	void fluoxetineIsAnSsriAndAStrongCyp2d6Inhibitor() {
		// Strattera label 7.2: fluoxetine, paroxetine and quinidine are strong CYP2D6 inhibitors; fluoxetine is an SSRI.
		Patient patient = patient(LocalDate.now().minusYears(30));
		List<Resource> record = List.of(patient, request(patient, "4493", MedicationRequest.MedicationRequestStatus.ACTIVE));

		Map<String, Object> facts = facts(record);

		assertThat(facts.get("On SSRI")).isEqualTo(true);
		assertThat(facts.get("On strong CYP2D6 inhibitor")).isEqualTo(true);
	}

	@Test
	void sertralineTakenIsAnSsriButNotAStrongInhibitorAndAStoppedOrderCountsForNothing() {
		Patient patient = patient(LocalDate.now().minusYears(30));
		MedicationStatement sertraline = new MedicationStatement();
		sertraline.setId("sertraline");
		sertraline.setStatus(MedicationStatement.MedicationStatementStatus.ACTIVE);
		sertraline.setSubject(new Reference("Patient/" + patient.getIdElement().getIdPart()));
		sertraline.setMedication(new CodeableConcept(new org.hl7.fhir.r4.model.Coding(RXNORM, "36437", null)));
		List<Resource> record = List.of(patient, sertraline,
				request(patient, "32937", MedicationRequest.MedicationRequestStatus.STOPPED));

		Map<String, Object> facts = facts(record);

		assertThat(facts.get("On SSRI")).isEqualTo(true);
		assertThat(facts.get("On strong CYP2D6 inhibitor")).isEqualTo(false);
	}

	@Test
	void theLatestPhenotypeDecidesPoorMetabolism() {
		Patient patient = patient(LocalDate.now().minusYears(12));
		List<Resource> poorThenNormal = List.of(patient,
				phenotype(patient, "LA9657-3", 100), phenotype(patient, "LA25391-6", 5));
		List<Resource> poor = List.of(patient, phenotype(patient, "LA9657-3", 5));

		assertThat(facts(poorThenNormal).get("CYP2D6 poor metabolizer")).isEqualTo(false);
		assertThat(facts(poor).get("CYP2D6 poor metabolizer")).isEqualTo(true);
		assertThat(facts(poor).get("Dosing conditions")).isEqualTo(List.of("cyp2d6-poor-metabolizer"));
	}

	// --- Renal dosing conditions from eGFR results, with the thresholds of the labels: lisdexamfetamine (Vyvanse 2.6)
	// and Adderall XR: severe renal impairment is GFR 15 to < 30 mL/min/1.73 m2, end-stage renal disease < 15.

	@Test
	void anEgfrOf20IsSevereRenalImpairmentAnd10IsEndStage() {
		Patient patient = patient(LocalDate.now().minusYears(40));
		assertThat(facts(List.of(patient, egfr(patient, "98979-8", "20", null, 5))).get("Dosing conditions"))
				.isEqualTo(List.of("severe-renal-impairment"));
		assertThat(facts(List.of(patient, egfr(patient, "33914-3", "10", null, 5))).get("Dosing conditions"))
				.isEqualTo(List.of("end-stage-renal-disease"));
		assertThat(facts(List.of(patient, egfr(patient, "98979-8", "15", null, 5))).get("Dosing conditions"))
				.as("15 is the lower end of the severe band").isEqualTo(List.of("severe-renal-impairment"));
		assertThat(facts(List.of(patient, egfr(patient, "98979-8", "30", null, 5))).get("Dosing conditions"))
				.as("30 is not below 30").isEqualTo(List.of());
		assertThat(facts(List.of(patient, egfr(patient, "98979-8", "72", null, 5))).get("Dosing conditions")).isEqualTo(List.of());
	}

	@Test
	void anEgfrWrittenWithAComparatorCountsOnlyWhenItIsCertain() {
		// Laboratories report a normal eGFR as ">60" and a very low one as "<15" (FHIR Quantity.comparator).
		Patient patient = patient(LocalDate.now().minusYears(40));
		assertThat(facts(List.of(patient, egfr(patient, "98979-8", "60", ">", 5))).get("Dosing conditions")).isEqualTo(List.of());
		assertThat(facts(List.of(patient, egfr(patient, "98979-8", "15", "<", 5))).get("Dosing conditions"))
				.isEqualTo(List.of("end-stage-renal-disease"));
		// below 20 may be severe or end-stage: neither is certain, so neither is assumed
		assertThat(facts(List.of(patient, egfr(patient, "98979-8", "20", "<", 5))).get("Dosing conditions")).isEqualTo(List.of());
	}

	@Test
	void theLatestUsableEgfrDecidesAndOtherUnitsAreNotRead() {
		Patient patient = patient(LocalDate.now().minusYears(60));
		Observation old = egfr(patient, "98979-8", "12", null, 400);
		Observation recovered = egfr(patient, "98980-6", "45", null, 20);
		Observation inError = egfr(patient, "98979-8", "8", null, 1);
		inError.setStatus(Observation.ObservationStatus.ENTEREDINERROR);
		assertThat(facts(List.of(patient, old, recovered, inError)).get("Dosing conditions")).isEqualTo(List.of());
		Observation otherUnit = egfr(patient, "98979-8", "0.3", null, 5);
		otherUnit.getValueQuantity().setCode("mL/s/{1.73_m2}").setUnit("mL/s/1.73m2");
		assertThat(facts(List.of(patient, otherUnit)).get("Dosing conditions")).isEqualTo(List.of());
	}

	@Test
	void aStrongCyp2d6InhibitorAndARenalConditionHoldTogether() {
		Patient patient = patient(LocalDate.now().minusYears(50));
		assertThat((List<Object>) facts(List.of(patient, egfr(patient, "98979-8", "22", null, 3),
				request(patient, "4493", MedicationRequest.MedicationRequestStatus.ACTIVE))).get("Dosing conditions"))
				.containsExactlyInAnyOrder((Object) "severe-renal-impairment", "strong-cyp2d6-inhibitor");
	}

	// --- AdhdGuidanceLogic: atomoxetine doses from MedicationKnowledge/atomoxetine, checked against the Strattera label
	// (2.1: children and adolescents up to 70 kg start at about 0.5 mg/kg/d, target about 1.2 mg/kg/d, never more than
	// 1.4 mg/kg/d or 100 mg/d, whichever is less; over 70 kg and adults 40, 80, at most 100 mg/d, the last step after a
	// further 2 to 4 weeks; 2.5: with a strong CYP2D6 inhibitor or in poor metabolizers the same start, raised only
	// after 4 weeks).

	@Test
	void aChildOf30kgGetsWeightBasedDoses() {
		Patient child = patient(LocalDate.now().minusYears(8).minusDays(30));
		Map<String, Object> guidance = guidance(List.of(child, weight(child, "30", "kg", 2, Observation.ObservationStatus.FINAL)));

		assertThat(milligrams(guidance, "Starting daily dose")).isEqualByComparingTo("15");
		assertThat(milligrams(guidance, "Target daily dose")).isEqualByComparingTo("36");
		assertThat(milligrams(guidance, "Maximum daily dose")).isEqualByComparingTo("42");
		assertThat(guidance.get("Needs weight")).isEqualTo(false);
		assertThat(guidance.get("Usual titration")).isEqualTo(true);
		assertThat(guidance.get("May step to maximum")).isEqualTo(false);
		assertThat((String) guidance.get("Start atomoxetine instruction")).contains("about 15 mg/d").contains("Never more than 42 mg/d.");
	}

	@Test
	void over70kgAndAdultsGetFixedDosesAndMayStepToTheMaximum() {
		Patient adolescent = patient(LocalDate.now().minusYears(16).minusDays(30));
		Map<String, Object> heavy = guidance(List.of(adolescent, weight(adolescent, "80", "kg", 2, Observation.ObservationStatus.FINAL)));
		assertThat(milligrams(heavy, "Starting daily dose")).isEqualByComparingTo("40");
		assertThat(milligrams(heavy, "Target daily dose")).isEqualByComparingTo("80");
		assertThat(milligrams(heavy, "Maximum daily dose")).isEqualByComparingTo("100");
		assertThat(heavy.get("May step to maximum")).isEqualTo(true);

		// an adult's doses do not depend on the weight, so a missing weight does not hold them back
		Map<String, Object> adult = guidance(List.of(patient(LocalDate.now().minusYears(30))));
		assertThat(milligrams(adult, "Starting daily dose")).isEqualByComparingTo("40");
		assertThat(milligrams(adult, "Maximum daily dose")).isEqualByComparingTo("100");
		assertThat(adult.get("Needs weight")).isEqualTo(false);
	}

	@Test
	void aChildWithoutWeightGetsNoDose() {
		Map<String, Object> guidance = guidance(List.of(patient(LocalDate.now().minusYears(8))));
		assertThat(guidance.get("Needs weight")).isEqualTo(true);
		assertThat(guidance.get("Starting daily dose")).isNull();
		assertThat(guidance.get("Maximum daily dose")).isNull();
	}

	@Test
	void fluoxetineSlowsTheTitrationToFourWeeks() {
		Patient child = patient(LocalDate.now().minusYears(8).minusDays(30));
		Map<String, Object> guidance = guidance(List.of(child, weight(child, "30", "kg", 2, Observation.ObservationStatus.FINAL),
				request(child, "4493", MedicationRequest.MedicationRequestStatus.ACTIVE)));

		assertThat(guidance.get("Slow CYP2D6 titration")).isEqualTo(true);
		assertThat(guidance.get("On SSRI")).isEqualTo(true);
		assertThat(milligrams(guidance, "Starting daily dose")).isEqualByComparingTo("15");
		assertThat((String) guidance.get("Titrate atomoxetine instruction")).startsWith("Only if symptoms have not improved")
				.contains("Wait at least 28 days");
	}

	/**
	 * The order hooks' second session (the record with the draft orders counted as taken) takes from the first what
	 * reads no MedicationRequest. To see which values are taken, the second record here also has another weight, which
	 * the hooks never do: the weight read through a reference is the first session's, while what reads the orders
	 * (fluoxetine, a strong CYP2D6 inhibitor: Strattera label 7.2) is evaluated on the second record.
	 */
	@Test
	void aSessionTakesFromAnotherOnlyWhatReadsNoneOfTheTypesInWhichTheRecordsDiffer() {
		Patient patient = patient(LocalDate.now().minusYears(10));
		List<Resource> first = new ArrayList<>(List.of(patient, weight(patient, "32", "kg", 10, Observation.ObservationStatus.FINAL)));
		first.addAll(KNOWLEDGE);
		List<Resource> second = new ArrayList<>(List.of(patient, weight(patient, "50", "kg", 1, Observation.ObservationStatus.FINAL),
				request(patient, "4493", MedicationRequest.MedicationRequestStatus.ACTIVE)));
		second.addAll(KNOWLEDGE);
		Map<String, Object> parameters = Map.of();
		CqlEvaluator.Session before = evaluator.session(first, null, NOW, parameters);
		before.evaluate("AdhdPatientFacts", "0.1.0", Set.of("Body weight in kg", "Dosing conditions"));

		CqlEvaluator.Session after = evaluator.session(second, null, NOW, parameters);
		after.reuse(before, Set.of("MedicationRequest"));
		Map<String, Object> facts = after.evaluate("AdhdPatientFacts", "0.1.0", Set.of("Body weight in kg", "Dosing conditions"));

		assertThat(kilograms(facts)).as("'Latest body weight' reads no order: taken").isEqualByComparingTo("32");
		assertThat(facts.get("Dosing conditions")).as("'On strong CYP2D6 inhibitor' reads the orders: evaluated again")
				.isEqualTo(List.of("strong-cyp2d6-inhibitor"));

		CqlEvaluator.Session otherTime = evaluator.session(second, null, NOW.plusSeconds(1), parameters);
		otherTime.reuse(before, Set.of("MedicationRequest"));
		assertThat(kilograms(otherTime.evaluate("AdhdPatientFacts", "0.1.0", Set.of("Body weight in kg"))))
				.as("a session at another time takes nothing").isEqualByComparingTo("50");
	}

	private static Map<String, Object> guidance(List<Resource> record) {
		List<Resource> data = new ArrayList<>(record);
		data.addAll(KNOWLEDGE);
		return evaluator.evaluate("AdhdGuidanceLogic", "0.2.0", Set.of(), data, NOW);
	}

	private static BigDecimal milligrams(Map<String, Object> guidance, String definition) {
		assertThat(guidance.get(definition)).as(definition).isInstanceOf(Quantity.class);
		Quantity dose = (Quantity) guidance.get(definition);
		assertThat(dose.getCode()).isEqualTo("mg/d");
		return dose.getValue();
	}

	private static Map<String, Object> facts(List<Resource> record) {
		List<Resource> data = new ArrayList<>(record);
		data.addAll(KNOWLEDGE);
		return evaluator.evaluate("AdhdPatientFacts", "0.1.0", Set.of(), data, NOW);
	}

	/** An eGFR result as laboratories send it: mL/min/1.73 m2 in UCUM, with a comparator when given. */
	private static Observation egfr(Patient patient, String loinc, String value, String comparator, int daysAgo) {
		Observation observation = observation(patient, loinc, daysAgo, Observation.ObservationStatus.FINAL);
		Quantity quantity = new Quantity().setValue(new BigDecimal(value)).setSystem("http://unitsofmeasure.org")
				.setCode("mL/min/{1.73_m2}").setUnit("mL/min/1.73m2");
		if (comparator != null) {
			quantity.setComparator(Quantity.QuantityComparator.fromCode(comparator));
		}
		observation.setValue(quantity);
		return observation;
	}

	private static BigDecimal kilograms(Map<String, Object> facts) {
		Object value = facts.get("Body weight in kg");
		assertThat(value).isInstanceOf(org.opencds.cqf.cql.engine.runtime.Quantity.class);
		org.opencds.cqf.cql.engine.runtime.Quantity quantity = (org.opencds.cqf.cql.engine.runtime.Quantity) value;
		assertThat(quantity.getUnit()).isEqualTo("kg");
		return quantity.getValue();
	}

	private static Patient patient(LocalDate born) {
		Patient patient = new Patient();
		patient.setId("p" + born);
		patient.setBirthDate(Date.from(born.atStartOfDay(ZoneId.systemDefault()).toInstant()));
		return patient;
	}

	private static Observation weight(Patient patient, String value, String unit, int daysAgo,
			Observation.ObservationStatus status) {
		Observation observation = observation(patient, "29463-7", daysAgo, status);
		observation.setValue(new Quantity().setValue(new BigDecimal(value)).setSystem("http://unitsofmeasure.org")
				.setCode(unit).setUnit(unit));
		return observation;
	}

	private static Observation phenotype(Patient patient, String answer, int daysAgo) {
		Observation observation = observation(patient, "53040-2", daysAgo, Observation.ObservationStatus.FINAL);
		observation.setValue(new CodeableConcept(new org.hl7.fhir.r4.model.Coding(LOINC, answer, null)));
		return observation;
	}

	private static Observation observation(Patient patient, String code, int daysAgo, Observation.ObservationStatus status) {
		Observation observation = new Observation();
		observation.setId("o" + code + "-" + daysAgo);
		observation.setStatus(status);
		observation.setCode(new CodeableConcept(new org.hl7.fhir.r4.model.Coding(LOINC, code, null)));
		observation.setSubject(new Reference("Patient/" + patient.getIdElement().getIdPart()));
		observation.setEffective(new DateTimeType(Date.from(NOW.minusDays(daysAgo).toInstant())));
		return observation;
	}

	private static MedicationRequest request(Patient patient, String rxcui, MedicationRequest.MedicationRequestStatus status) {
		MedicationRequest request = new MedicationRequest();
		request.setId("r" + rxcui);
		request.setStatus(status);
		request.setIntent(MedicationRequest.MedicationRequestIntent.ORDER);
		request.setSubject(new Reference("Patient/" + patient.getIdElement().getIdPart()));
		request.setMedication(new CodeableConcept(new org.hl7.fhir.r4.model.Coding(RXNORM, rxcui, null)));
		return request;
	}
}
