package org.adhdkb.cql;

import org.adhdkb.testing.ReferenceEngine;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.RequestGroup;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proof of portability: the content package, loaded as it is into the reference CPG engine of HAPI's clinical reasoning
 * ({@link ReferenceEngine}), gives the same actions and the same doses as our $apply (guidance/ApplyTest), checked
 * against the same Strattera label numbers. The eca-rules are compared on every CDS case file by CdsHooksCasesTest.
 */
class ReferenceEngineApplyTest {

	private static final String PLAN = "atomoxetine-titration";

	@Test
	void aChildOf30kgGetsTheLabelsWeightBasedDoses() {
		// Strattera 2.1: about 0.5 mg/kg/d to start, about 1.2 mg/kg/d target, at most 1.4 mg/kg/d or 100 mg/d
		Applied applied = apply(patient(8, "30"));
		assertThat(applied.dose("start-atomoxetine")).isEqualByComparingTo("15");
		assertThat(applied.dose("titrate-atomoxetine-to-target")).isEqualByComparingTo("36");
		assertThat(applied.actionIds()).contains("raise-to-target", "baseline-blood-pressure")
				.doesNotContain("measure-weight-before-dosing", "consider-maximum-dose");
	}

	@Test
	void over70kgAndAdultsGetFixedDoses() {
		Applied adolescent = apply(patient(16, "80"));
		assertThat(adolescent.dose("start-atomoxetine")).isEqualByComparingTo("40");
		assertThat(adolescent.dose("titrate-atomoxetine-to-target")).isEqualByComparingTo("80");
		assertThat(adolescent.actionIds()).contains("consider-maximum-dose");
		Applied adult = apply(patient(30, null));
		assertThat(adult.dose("start-atomoxetine")).isEqualByComparingTo("40");
	}

	@Test
	void aChildWithoutWeightGetsAWeightMeasurementAndNoDose() {
		Applied applied = apply(patient(8, null));
		assertThat(applied.actionIds()).contains("measure-weight-before-dosing").doesNotContain("start-atomoxetine");
		assertThat(applied.carePlan().getContained()).noneMatch(r -> r instanceof MedicationRequest);
	}

	@Test
	void fluoxetineTriggersTheCyp2d6RuleAndSertralineOnlyTheSerotonergicWatch() {
		List<Resource> onFluoxetine = patient(8, "30");
		onFluoxetine.add(statement(onFluoxetine, "4493"));
		Applied fluoxetine = apply(onFluoxetine);
		assertThat(fluoxetine.actionIds()).contains("cyp2d6-hold-then-raise", "ssri-serotonergic-watch")
				.doesNotContain("raise-to-target");
		assertThat(fluoxetine.dose("start-atomoxetine")).isEqualByComparingTo("15");

		List<Resource> onSertraline = patient(10, "40");
		onSertraline.add(statement(onSertraline, "36437"));
		Applied sertraline = apply(onSertraline);
		assertThat(sertraline.actionIds()).contains("ssri-serotonergic-watch", "raise-to-target")
				.doesNotContain("cyp2d6-hold-then-raise");
		assertThat(sertraline.dose("start-atomoxetine")).isEqualByComparingTo("20");
		assertThat(sertraline.dose("titrate-atomoxetine-to-target")).isEqualByComparingTo("48");
	}

	// --- helpers

	private record Applied(CarePlan carePlan) {
		List<String> actionIds() {
			RequestGroup group = carePlan.getContained().stream().filter(RequestGroup.class::isInstance)
					.map(RequestGroup.class::cast).findFirst().orElseThrow();
			List<String> ids = new ArrayList<>();
			collect(group.getAction(), ids);
			return ids;
		}

		private static void collect(List<RequestGroup.RequestGroupActionComponent> actions, List<String> into) {
			for (var action : actions) {
				if (action == null) {
					continue;
				}
				into.add(action.getId());
				collect(action.getAction(), into);
			}
		}

		BigDecimal dose(String activityId) {
			MedicationRequest request = carePlan.getContained().stream()
					.filter(MedicationRequest.class::isInstance).map(MedicationRequest.class::cast)
					// the reference engine names the ActivityDefinition with its version (url|version); ours without
					.filter(r -> r.getInstantiatesCanonical().stream()
							.anyMatch(c -> c.getValue().replaceFirst("\\|.*$", "").endsWith("/" + activityId)))
					.findFirst().orElseThrow(() -> new AssertionError("no request from " + activityId));
			// one administration in mg once a day, the day's total as maxDosePerPeriod (review X1)
			Quantity dose = request.getDosageInstructionFirstRep().getDoseAndRateFirstRep().getDoseQuantity();
			assertThat(dose.getCode()).isEqualTo("mg");
			assertThat(request.getDosageInstructionFirstRep().getMaxDosePerPeriod().getNumerator().getValue())
					.isEqualByComparingTo(dose.getValue());
			return dose.getValue();
		}
	}

	private static Applied apply(List<Resource> record) {
		return new Applied(ReferenceEngine.apply(PLAN, record, record.get(0).getIdElement().getIdPart()));
	}

	private static List<Resource> patient(int age, String weightKg) {
		Patient patient = new Patient();
		patient.setId("p" + age + "-" + weightKg);
		patient.setBirthDateElement(new DateType(Date.from(LocalDate.now().minusYears(age).minusDays(30)
				.atStartOfDay(ZoneId.systemDefault()).toInstant())));
		List<Resource> record = new ArrayList<>(List.of(patient));
		if (weightKg != null) {
			Observation weight = new Observation();
			weight.setId("weight-" + patient.getIdPart());
			weight.setStatus(Observation.ObservationStatus.FINAL);
			weight.getCode().addCoding().setSystem("http://loinc.org").setCode("29463-7");
			weight.setSubject(new Reference("Patient/" + patient.getIdPart()));
			weight.setEffective(new DateTimeType(new Date()));
			weight.setValue(new Quantity().setValue(new BigDecimal(weightKg)).setUnit("kg")
					.setSystem("http://unitsofmeasure.org").setCode("kg"));
			record.add(weight);
		}
		return record;
	}

	private static MedicationStatement statement(List<Resource> record, String rxnorm) {
		MedicationStatement statement = new MedicationStatement();
		statement.setId("statement-" + rxnorm);
		statement.setStatus(MedicationStatement.MedicationStatementStatus.ACTIVE);
		statement.setMedication(new CodeableConcept(new Coding("http://www.nlm.nih.gov/research/umls/rxnorm", rxnorm, null)));
		statement.setSubject(new Reference("Patient/" + record.get(0).getIdElement().getIdPart()));
		return statement;
	}
}
