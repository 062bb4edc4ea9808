package org.adhdkb.cql;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import org.adhdkb.content.ContentChecker;
import org.adhdkb.content.ContentPackage;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.r4.model.ActivityDefinition;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Library;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.ObservationDefinition;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The monitoring rules' CQL (Library AdhdMonitoring) on the reference engine, with the content's measurement
 * ActivityDefinitions and ObservationDefinition retrievable beside the record, as the eca-rule contract serves knowledge.
 * The expectations are NICE NG87 1.8's: weight every 3 months in children of 10 years and under and every 6 months
 * from 11 years and in adults, height every 6 months in children and young people, blood pressure and heart rate every
 * 6 months; action on a resting heart rate of more than 120 per minute.
 */
class MonitoringRulesCqlTest {

	private static final FhirContext FHIR = FhirContext.forR4Cached();
	private static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
	private static final String METHYLPHENIDATE_5_MG_TABLET = "1091497";
	private static final ZonedDateTime NOW = ZonedDateTime.now(ZoneId.systemDefault());
	private static final List<Resource> KNOWLEDGE = new ArrayList<>();
	private static CqlEvaluator evaluator;

	@BeforeAll
	static void compileTheContent() {
		ContentChecker.Result content = new ContentChecker(FHIR).check(ContentPackage.read("fhir-resources"), (f, r) -> false);
		List<Library> libraries = new ArrayList<>();
		PrePopulatedValidationSupport ours = new PrePopulatedValidationSupport(FHIR);
		for (Resource resource : content.resources().values()) {
			if (resource instanceof Library library) {
				libraries.add(library);
			} else if (resource instanceof ActivityDefinition || resource instanceof ObservationDefinition) {
				KNOWLEDGE.add(resource);
			} else if (resource instanceof ValueSet || resource instanceof CodeSystem) {
				ours.addResource(resource);
			}
		}
		ValidationSupportChain terminology = new ValidationSupportChain(ours, new DefaultProfileValidationSupport(FHIR),
				new CommonCodeSystemsTerminologyService(FHIR), new InMemoryTerminologyServerValidationSupport(FHIR));
		evaluator = new CqlEvaluator(CompiledLibraries.of(libraries), new ValueSetTerminology(terminology));
	}

	@Test
	void aChildOfNineIsWeighedEveryThreeMonths() {
		Patient child = patient(9);
		assertThat(rules(child, onMethylphenidate(child, 100), bloodPressure(child, 2), heartRate(child, 2, 90),
				height(child, 2), weight(child, 120)).get("Measurements due")).isEqualTo(List.of("weight"));
		assertThat(rules(child, onMethylphenidate(child, 100), bloodPressure(child, 2), heartRate(child, 2, 90),
				height(child, 2), weight(child, 60)).get("Monitoring due")).isEqualTo(false);
	}

	@Test
	void fromElevenYearsWeightIsDueAfterSixMonthsAndHeightUpTo17() {
		Patient adolescent = patient(12);
		Map<String, Object> rules = rules(adolescent, onMethylphenidate(adolescent, 300), bloodPressure(adolescent, 2),
				heartRate(adolescent, 2, 90), weight(adolescent, 120), height(adolescent, 200));
		assertThat(rules.get("Measurements due")).isEqualTo(List.of("height"));
		assertThat(rules.get("Monitoring due summary")).isEqualTo("Due on ADHD medication: height");
	}

	@Test
	void anAdultNeedsNoHeightButBloodPressureHeartRateAndWeightEverySixMonths() {
		Patient adult = patient(30);
		assertThat(rules(adult, onMethylphenidate(adult, 400), weight(adult, 200)).get("Measurements due"))
				.isEqualTo(List.of("blood pressure", "heart rate", "weight"));
		assertThat(rules(adult, onMethylphenidate(adult, 400), bloodPressure(adult, 150), heartRate(adult, 150, 80),
				weight(adult, 150)).get("Monitoring due")).isEqualTo(false);
	}

	@Test
	void nothingIsDueWithoutAnAdhdMedicine() {
		assertThat(rules(patient(9)).get("Monitoring due")).isEqualTo(false);
	}

	@Test
	void aRestingHeartRateOfMoreThan120CallsForAction() {
		Patient child = patient(12);
		assertThat(rules(child, onMethylphenidate(child, 60), heartRate(child, 1, 128)).get("Heart rate above threshold")).isEqualTo(true);
		assertThat(rules(child, onMethylphenidate(child, 60), heartRate(child, 1, 121)).get("Heart rate above threshold")).isEqualTo(true);
		// "more than 120": 120 itself is not above
		assertThat(rules(child, onMethylphenidate(child, 60), heartRate(child, 1, 120)).get("Heart rate above threshold")).isEqualTo(false);
		// the latest reading decides
		assertThat(rules(child, onMethylphenidate(child, 60), heartRate(child, 10, 130), heartRate(child, 1, 95))
				.get("Heart rate above threshold")).isEqualTo(false);
		assertThat(rules(child, onMethylphenidate(child, 60), heartRate(child, 1, 128)).get("Heart rate above threshold summary"))
				.isEqualTo("Heart rate 128 per minute on ADHD medication: above 120 per minute");
	}

	@Test
	void aFirstStimulantWithoutACardiacHistoryIsFlaggedOnce() {
		Patient child = patient(8);
		MedicationRequest draft = request(child, "draft", 0);
		assertThat(rules(child, draft).get("First stimulant without cardiac history")).isEqualTo(true);
		Observation history = observation(child, "http://adhdkb.org/fhir/CodeSystem/monitoring-topic", "cardiac-history", 5);
		assertThat(rules(child, draft, history).get("First stimulant without cardiac history")).isEqualTo(false);
		assertThat(rules(child, draft, onMethylphenidate(child, 60)).get("First stimulant without cardiac history")).isEqualTo(false);
	}

	private static Map<String, Object> rules(Resource... record) {
		List<Resource> data = new ArrayList<>(List.of(record));
		data.addAll(KNOWLEDGE);
		return evaluator.evaluate("AdhdMonitoring", "0.1.0", Set.of(), data, NOW);
	}

	private static Patient patient(int years) {
		Patient patient = new Patient();
		patient.setId("p" + years);
		LocalDate born = LocalDate.now().minusYears(years).minusDays(30);
		patient.setBirthDate(Date.from(born.atStartOfDay(ZoneId.systemDefault()).toInstant()));
		return patient;
	}

	private static MedicationRequest onMethylphenidate(Patient patient, int authoredDaysAgo) {
		return request(patient, "active", authoredDaysAgo);
	}

	/** A methylphenidate order, active (drafts of an order hook are passed as active orders authored today). */
	private static MedicationRequest request(Patient patient, String id, int authoredDaysAgo) {
		MedicationRequest request = new MedicationRequest();
		request.setId(id + authoredDaysAgo);
		request.setStatus(MedicationRequest.MedicationRequestStatus.ACTIVE);
		request.setIntent(MedicationRequest.MedicationRequestIntent.ORDER);
		request.setSubject(new Reference("Patient/" + patient.getIdElement().getIdPart()));
		request.setMedication(new CodeableConcept(new Coding(RXNORM, METHYLPHENIDATE_5_MG_TABLET, null)));
		request.setAuthoredOn(Date.from(NOW.minusDays(authoredDaysAgo).toInstant()));
		return request;
	}

	private static Observation observation(Patient patient, String system, String code, int daysAgo) {
		Observation observation = new Observation();
		observation.setId(code + daysAgo + Math.abs(system.hashCode() % 1000));
		observation.setStatus(Observation.ObservationStatus.FINAL);
		observation.setCode(new CodeableConcept(new Coding(system, code, null)));
		observation.setSubject(new Reference("Patient/" + patient.getIdElement().getIdPart()));
		observation.setEffective(new DateTimeType(Date.from(NOW.minusDays(daysAgo).toInstant())));
		return observation;
	}

	private static Observation measured(Patient patient, String loinc, int daysAgo, String value, String unit) {
		Observation observation = observation(patient, "http://loinc.org", loinc, daysAgo);
		observation.setId(loinc + "-" + daysAgo + "-" + value);
		observation.setValue(new Quantity().setValue(new BigDecimal(value)).setSystem("http://unitsofmeasure.org")
				.setCode(unit).setUnit(unit));
		return observation;
	}

	private static Observation bloodPressure(Patient patient, int daysAgo) {
		return observation(patient, "http://loinc.org", "85354-9", daysAgo);
	}

	private static Observation heartRate(Patient patient, int daysAgo, int perMinute) {
		return measured(patient, "8867-4", daysAgo, String.valueOf(perMinute), "/min");
	}

	private static Observation weight(Patient patient, int daysAgo) {
		return measured(patient, "29463-7", daysAgo, "30", "kg");
	}

	private static Observation height(Patient patient, int daysAgo) {
		return measured(patient, "8302-2", daysAgo, "135", "cm");
	}
}
