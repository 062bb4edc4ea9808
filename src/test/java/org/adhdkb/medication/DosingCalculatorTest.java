package org.adhdkb.medication;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Doses computed from the shipped MedicationKnowledge for the patients of the guidance issue. The expected figures
 * are the label's (codes.md section 6) applied by hand: 30 kg x 0.5 mg/kg/d = 15 mg/d, 30 kg x 1.2 = 36 mg/d.
 */
class DosingCalculatorTest {

	private static final MedicationKnowledge ATOMOXETINE = medicine("atomoxetine");

	@Test
	void childOf30kg() {
		DosingPlan plan = DosingCalculator.plan(ATOMOXETINE, facts(8, "30"));
		assertThat(plan.band()).isEqualTo("weight-up-to-70kg");
		assertThat(plan.startingDailyMg()).isEqualByComparingTo("15");
		assertThat(plan.targetDailyMg()).isEqualByComparingTo("36");
		assertThat(plan.maximumDailyMg()).as("1.4 mg/kg x 30 kg, below 100 mg").isEqualByComparingTo("42");
		assertThat(plan.minimumTitrationIntervalDays()).isEqualTo(3);
		assertThat(plan.usualTitrationInterval()).isEqualTo("7-14 d");
	}

	@Test
	void heavyChildIsCappedAt100mg() {
		// 1.4 mg/kg x 70 kg = 98 mg; at exactly 70 kg the weight-based limit is still the lower one
		assertThat(DosingCalculator.plan(ATOMOXETINE, facts(15, "70")).maximumDailyMg()).isEqualByComparingTo("98");
		DosingPlan over = DosingCalculator.plan(ATOMOXETINE, facts(15, "71"));
		assertThat(over.band()).isEqualTo("weight-over-70kg-and-adults");
		assertThat(over.startingDailyMg()).isEqualByComparingTo("40");
		assertThat(over.maximumDailyMg()).isEqualByComparingTo("100");
	}

	@Test
	void adultWithOrWithoutWeight() {
		DosingPlan weighed = DosingCalculator.plan(ATOMOXETINE, facts(34, "60"));
		assertThat(weighed.band()).isEqualTo("adults-up-to-70kg");
		assertThat(weighed.startingDailyMg()).isEqualByComparingTo("40");
		assertThat(weighed.targetDailyMg()).isEqualByComparingTo("80");
		DosingPlan unweighed = DosingCalculator.plan(ATOMOXETINE, facts(34, null));
		assertThat(unweighed.chosen()).as("every adult band gives the same doses").isTrue();
		assertThat(unweighed.startingDailyMg()).isEqualByComparingTo("40");
		assertThat(unweighed.maximumDailyMg()).isEqualByComparingTo("100");
	}

	@Test
	void childWithoutWeightGetsNoDose() {
		DosingPlan plan = DosingCalculator.plan(ATOMOXETINE, facts(9, null));
		assertThat(plan.chosen()).isFalse();
		assertThat(plan.missingWeight()).isTrue();
		assertThat(plan.startingDailyMg()).isNull();
	}

	@Test
	void strongCyp2d6InhibitorOrPoorMetabolizerHoldsTheStartFourWeeks() {
		for (String condition : Set.of("strong-cyp2d6-inhibitor", "cyp2d6-poor-metabolizer")) {
			DosingPlan plan = DosingCalculator.plan(ATOMOXETINE,
					new PatientFacts(BigDecimal.valueOf(10), new BigDecimal("30"), Set.of(condition)));
			assertThat(plan.band()).contains(condition.equals("strong-cyp2d6-inhibitor") ? "strong-cyp2d6-inhibitor" : "cyp2d6-pm");
			assertThat(plan.startingDailyMg()).isEqualByComparingTo("15");
			assertThat(plan.minimumTitrationIntervalDays()).isEqualTo(28);
		}
	}

	@Test
	void hepaticImpairmentHalvesOrQuartersTheStart() {
		// Strattera: Child-Pugh B initial and target doses 50 %, Child-Pugh C 25 % of the usual (codes.md 6a)
		DosingPlan moderate = DosingCalculator.plan(ATOMOXETINE,
				new PatientFacts(BigDecimal.valueOf(40), new BigDecimal("80"), Set.of("moderate-hepatic-impairment")));
		assertThat(moderate.band()).startsWith("moderate-hepatic-impairment");
		assertThat(moderate.startingDailyMg()).isEqualByComparingTo("20");
		assertThat(moderate.targetDailyMg()).isEqualByComparingTo("40");
		DosingPlan severeChild = DosingCalculator.plan(ATOMOXETINE,
				new PatientFacts(BigDecimal.valueOf(10), new BigDecimal("40"), Set.of("severe-hepatic-impairment")));
		assertThat(severeChild.startingDailyMg()).as("0.5 mg/kg x 25 %% x 40 kg").isEqualByComparingTo("5");
	}

	@Test
	void viloxazineByAge() {
		MedicationKnowledge viloxazine = medicine("viloxazine-er");
		assertThat(DosingCalculator.plan(viloxazine, facts(8, null)).startingDailyMg()).isEqualByComparingTo("100");
		assertThat(DosingCalculator.plan(viloxazine, facts(8, null)).maximumDailyMg()).isEqualByComparingTo("400");
		assertThat(DosingCalculator.plan(viloxazine, facts(14, null)).startingDailyMg()).isEqualByComparingTo("200");
		assertThat(DosingCalculator.plan(viloxazine, facts(30, null)).maximumDailyMg()).isEqualByComparingTo("600");
	}

	@Test
	void numbersComeFromTheContent() {
		MedicationKnowledge changed = ATOMOXETINE.copy();
		changed.getAdministrationGuidelines().stream().filter(g -> g.getId().equals("weight-up-to-70kg"))
				.flatMap(g -> g.getDosage().stream())
				.filter(d -> d.getType().getCodingFirstRep().getCode().equals("maximum-dose"))
				.flatMap(d -> d.getDosage().stream())
				.filter(d -> "mg/kg".equals(d.getMaxDosePerPeriod().getNumerator().getCode()))
				.forEach(d -> d.getMaxDosePerPeriod().getNumerator().setValue(new BigDecimal("1.0")));
		assertThat(DosingCalculator.plan(changed, facts(8, "30")).maximumDailyMg()).isEqualByComparingTo("30");
		assertThat(DosingCalculator.plan(changed, facts(8, "30")).targetDailyMg()).as("target capped by the new maximum")
				.isEqualByComparingTo("30");
	}

	@Test
	void ceilingIsWhatNoPossibleBandAllows() {
		assertThat(DosingCalculator.ceilingDailyMg(ATOMOXETINE, facts(9, null)))
				.as("a child without weight: the absolute 100 mg/day of every weight band").isEqualByComparingTo("100");
		assertThat(DosingCalculator.ceilingDailyMg(ATOMOXETINE, facts(9, "20")))
				.as("with the weight it is the patient's own maximum, 1.4 x 20").isEqualByComparingTo("28");
		MedicationKnowledge guanfacine = medicine("guanfacine-er");
		assertThat(DosingCalculator.ceilingDailyMg(guanfacine, facts(10, null))).isEqualByComparingTo("4");
		assertThat(DosingCalculator.ceilingDailyMg(guanfacine,
				new PatientFacts(null, new BigDecimal("30"), Set.of()))).as("age-banded, age unknown").isNull();
	}

	private static PatientFacts facts(int age, String weightKg) {
		return new PatientFacts(BigDecimal.valueOf(age), weightKg == null ? null : new BigDecimal(weightKg), Set.of());
	}

	static MedicationKnowledge medicine(String id) {
		try {
			return FhirContext.forR4Cached().newJsonParser().parseResource(MedicationKnowledge.class,
					Files.readString(Path.of("fhir-resources/MedicationKnowledge/" + id + ".json")));
		} catch (IOException e) {
			throw new java.io.UncheckedIOException(e);
		}
	}
}
