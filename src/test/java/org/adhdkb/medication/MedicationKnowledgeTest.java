package org.adhdkb.medication;

import org.adhdkb.testing.ServerTestBase;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Dosage;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.MedicationKnowledge.MedicationKnowledgeAdministrationGuidelinesComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The medicines as clients read them over REST. Expected figures are the US FDA label dosing as recorded, with its
 * sources, in shared/reference/codes.md section 6 and in seed 000 - not copied from our own content.
 */
class MedicationKnowledgeTest extends ServerTestBase {

	private static final String STATEMENT_SOURCE = "http://adhdkb.org/fhir/StructureDefinition/statement-source";
	private static final String UCUM = "http://unitsofmeasure.org";

	/** The non-stimulant lines (Strattera, Qelbree, Intuniv, Kapvay, Onyda XR labels). */
	private static final List<String> NON_STIMULANTS = List.of(
			"atomoxetine", "viloxazine-er", "guanfacine-er", "clonidine-er", "clonidine-er-oral-suspension");

	/** The stimulant product lines of issue 19 (every US label line of methylphenidate, dexmethylphenidate, amphetamine,
	 *  dextroamphetamine, lisdexamfetamine and methamphetamine; fhir-resources/README.md lists their labels). */
	private static final List<String> STIMULANTS = List.of(
			"methylphenidate-ir", "methylphenidate-chewable-tablet", "methylphenidate-oral-solution", "methylphenidate-er-8h-tablet",
			"methylphenidate-er", "methylphenidate-er-capsule-50-50", "methylphenidate-er-capsule-30-70",
			"methylphenidate-er-capsule-40-60", "methylphenidate-er-evening-capsule", "methylphenidate-er-oral-suspension",
			"methylphenidate-er-chewable-tablet", "methylphenidate-er-odt", "methylphenidate-transdermal",
			"dexmethylphenidate", "dexmethylphenidate-er", "serdexmethylphenidate-dexmethylphenidate",
			"mixed-amphetamine-salts", "mixed-amphetamine-salts-er", "mixed-amphetamine-salts-er-triple-bead",
			"amphetamine-sulfate-tablet", "amphetamine-sulfate-odt", "amphetamine-er-odt", "amphetamine-er-oral-suspension-1-25",
			"amphetamine-er-oral-suspension-2-5", "dextroamphetamine", "dextroamphetamine-er-capsule",
			"dextroamphetamine-oral-solution", "dextroamphetamine-transdermal", "lisdexamfetamine",
			"lisdexamfetamine-chewable-tablet", "methamphetamine");

	private static final List<String> ALL_MEDICINES =
			java.util.stream.Stream.concat(STIMULANTS.stream(), NON_STIMULANTS.stream()).toList();

	@Test
	void everyMedicineIsServedWithCodesNarrativeAndSources() {
		for (String id : ALL_MEDICINES) {
			MedicationKnowledge medicine = read(id);
			assertThat(medicine.getCode().getCodingFirstRep().getSystem())
					.as(id + " is named by its product line").isEqualTo("http://adhdkb.org/fhir/CodeSystem/product-line");
			assertThat(medicine.getIngredient())
					.as(id + " has an ingredient").isNotEmpty();
			assertThat(medicine.getText().getDivAsString()).as(id + " narrative").isNotBlank();
			assertThat(medicine.getExtensionsByUrl("http://adhdkb.org/fhir/StructureDefinition/related-artifact"))
					.as(id + " cites its sources").isNotEmpty();
			assertThat(medicine.getAdministrationGuidelines()).as(id + " has structured dosing").isNotEmpty();
			for (var guideline : medicine.getAdministrationGuidelines()) {
				for (var dosage : guideline.getDosage()) {
					for (Dosage d : dosage.getDosage()) {
						assertThat(d.getExtensionsByUrl(STATEMENT_SOURCE))
								.as("%s %s %s states its source", id, guideline.getId(), dosage.getType().getCodingFirstRep().getCode())
								.isNotEmpty();
					}
				}
			}
		}
	}

	@Test
	void atomoxetineDosingUpTo70kgFollowsTheLabel() {
		var band = band(read("atomoxetine"), "weight-up-to-70kg");
		assertThat(characteristic(band, "29463-7")).containsExactly("<=70 kg");
		assertThat(doses(band, "starting-dose")).containsExactly(q("0.5", "mg/kg/d"));
		assertThat(doses(band, "target-dose")).contains(q("1.2", "mg/kg/d"));
		// "1.4 mg/kg/day or 100 mg, whichever is less": both limits present
		assertThat(maxima(band)).containsExactlyInAnyOrder(q("1.4", "mg/kg"), q("100", "mg"));
		// label: raise after a minimum of 3 days; seed 000: adjustments typically every 7-14 days
		List<Dosage> target = dosages(band, "target-dose");
		assertThat(target).anySatisfy(d -> assertThat(durationDays(d, "titration-interval")).isEqualTo(3));
		assertThat(target).anySatisfy(d -> {
			Extension extension = d.getExtensionByUrl("http://adhdkb.org/fhir/StructureDefinition/titration-interval-range");
			assertThat(extension).isNotNull();
			var range = (org.hl7.fhir.r4.model.Range) extension.getValue();
			assertThat(range.getLow().getValue()).isEqualByComparingTo("7");
			assertThat(range.getHigh().getValue()).isEqualByComparingTo("14");
			assertThat(range.getHigh().getCode()).isEqualTo("d");
		});
		assertThat(target).extracting(d -> sources(d))
				.as("label and seed are both cited").anySatisfy(s -> assertThat(s).contains("label-strattera"))
				.anySatisfy(s -> assertThat(s).contains("seed-norepinephrine-in-adhd"));
	}

	@Test
	void atomoxetineDosingOver70kgAndAdultsFollowsTheLabel() {
		var band = band(read("atomoxetine"), "weight-over-70kg-and-adults");
		assertThat(characteristic(band, "29463-7")).containsExactly(">70 kg");
		assertThat(doses(band, "starting-dose")).containsExactly(q("40", "mg/d"));
		assertThat(doses(band, "target-dose")).contains(q("80", "mg/d"));
		assertThat(maxima(band)).containsExactly(q("100", "mg"));
		var adults = band(read("atomoxetine"), "adults-up-to-70kg");
		assertThat(doses(adults, "starting-dose")).containsExactly(q("40", "mg/d"));
		assertThat(maxima(adults)).containsExactly(q("100", "mg"));
	}

	@Test
	void atomoxetineWithAStrongCyp2d6InhibitorOrPoorMetabolismWaitsFourWeeks() {
		MedicationKnowledge atomoxetine = read("atomoxetine");
		for (String id : List.of("strong-cyp2d6-inhibitor-up-to-70kg", "cyp2d6-pm-up-to-70kg")) {
			var band = band(atomoxetine, id);
			assertThat(doses(band, "starting-dose")).containsExactly(q("0.5", "mg/kg/d"));
			assertThat(doses(band, "target-dose")).containsExactly(q("1.2", "mg/kg/d"));
			assertThat(durationDays(dosages(band, "target-dose").get(0), "titration-interval")).isEqualTo(28);
		}
		for (String id : List.of("strong-cyp2d6-inhibitor-over-70kg-and-adults", "cyp2d6-pm-over-70kg-and-adults")) {
			var band = band(atomoxetine, id);
			assertThat(doses(band, "starting-dose")).containsExactly(q("40", "mg/d"));
			assertThat(doses(band, "target-dose")).containsExactly(q("80", "mg/d"));
			assertThat(durationDays(dosages(band, "target-dose").get(0), "titration-interval")).isEqualTo(28);
		}
		assertThat(band(atomoxetine, "strong-cyp2d6-inhibitor-up-to-70kg").getPatientCharacteristics())
				.anySatisfy(c -> assertThat(c.getCharacteristicCodeableConcept().getCodingFirstRep().getCode())
						.isEqualTo("strong-cyp2d6-inhibitor"));
	}

	@Test
	void viloxazineDosingByAgeFollowsTheLabel() {
		MedicationKnowledge viloxazine = read("viloxazine-er");
		var children = band(viloxazine, "age-6-to-11");
		assertThat(characteristic(children, "age")).containsExactlyInAnyOrder(">=6 a", "<=11 a");
		assertThat(doses(children, "starting-dose")).containsExactly(q("100", "mg/d"));
		assertThat(doses(children, "titration-step")).containsExactly(q("100", "mg/d"));
		assertThat(durationDays(dosages(children, "titration-step").get(0), "titration-interval")).isEqualTo(7);
		assertThat(maxima(children)).containsExactly(q("400", "mg"));

		var adolescents = band(viloxazine, "age-12-to-17");
		assertThat(doses(adolescents, "starting-dose")).containsExactly(q("200", "mg/d"));
		assertThat(maxima(adolescents)).containsExactly(q("400", "mg"));

		var adults = band(viloxazine, "adults");
		assertThat(doses(adults, "starting-dose")).containsExactly(q("200", "mg/d"));
		assertThat(doses(adults, "titration-step")).containsExactly(q("200", "mg/d"));
		assertThat(maxima(adults)).containsExactly(q("600", "mg"));

		var renal = band(viloxazine, "severe-renal-impairment");
		assertThat(doses(renal, "starting-dose")).containsExactly(q("100", "mg/d"));
		assertThat(maxima(renal)).containsExactly(q("200", "mg"));
	}

	@Test
	void guanfacineErDosingFollowsTheLabel() {
		MedicationKnowledge guanfacine = read("guanfacine-er");
		for (String id : List.of("age-6-to-12", "age-13-to-17")) {
			var band = band(guanfacine, id);
			assertThat(doses(band, "starting-dose")).containsExactly(q("1", "mg/d"));
			assertThat(doses(band, "titration-step")).containsExactly(q("1", "mg/d"));
			assertThat(durationDays(dosages(band, "titration-step").get(0), "titration-interval")).isEqualTo(7);
			// taper by no more than 1 mg every 3-7 days
			assertThat(doses(band, "taper-step")).containsExactly(q("1", "mg/d"));
			assertThat(durationDays(dosages(band, "taper-step").get(0), "titration-interval")).isEqualTo(3);
		}
		// 4 / 7 mg by age, and the weight-based target table's top, 0.12 mg/kg/day (Intuniv Table 1, review D18)
		assertThat(maxima(band(guanfacine, "age-6-to-12"))).containsExactly(q("4", "mg"), q("0.12", "mg/kg"));
		assertThat(maxima(band(guanfacine, "age-13-to-17"))).containsExactly(q("7", "mg"), q("0.12", "mg/kg"));
		// 6-12 years: nothing above 4 mg/day was evaluated, so the target range stops there (review D17)
		assertThat(dosages(band(guanfacine, "age-6-to-12"), "target-dose")).anySatisfy(d ->
				assertThat(d.getDoseAndRateFirstRep().getDoseRange().getHigh().getValue()).isEqualByComparingTo("4"));
		var target = dosages(band(guanfacine, "age-6-to-12"), "target-dose");
		assertThat(target).anySatisfy(d -> {
			var range = d.getDoseAndRateFirstRep().getDoseRange();
			assertThat(range.getLow().getValue()).isEqualByComparingTo("0.05");
			assertThat(range.getHigh().getValue()).isEqualByComparingTo("0.12");
			assertThat(range.getHigh().getCode()).isEqualTo("mg/kg/d");
		});
	}

	@Test
	void stimulantsAreScheduleIiAndClassifiedWithTheSeedsEffectSize() {
		for (String id : STIMULANTS) {
			MedicationKnowledge stimulant = read(id);
			assertThat(stimulant.getRegulatoryFirstRep().getSchedule()).as(id)
					.anySatisfy(s -> assertThat(s.getSchedule().getCodingFirstRep().getCode()).isEqualTo("us-schedule-ii"));
			assertThat(stimulant.getMedicineClassification()).as(id)
					.anySatisfy(c -> assertThat(c.getClassification())
							.anySatisfy(code -> assertThat(code.getCodingFirstRep().getCode()).isEqualTo("stimulant")));
		}
		// seed 000's class figure stays on the six original stimulant entries only (review L2: not a per-product number)
		for (String id : List.of("methylphenidate-ir", "methylphenidate-er", "dexmethylphenidate",
				"mixed-amphetamine-salts", "dextroamphetamine", "lisdexamfetamine")) {
			assertThat(characteristicText(read(id), "effect-size")).as(id).contains("1.0");
		}
		assertThat(characteristicText(read("atomoxetine"), "effect-size")).contains("0.7");
		for (String id : NON_STIMULANTS) {
			assertThat(read(id).getRegulatory()).as(id + " is not a controlled substance")
					.allSatisfy(r -> assertThat(r.getSchedule()).isEmpty());
		}
	}

	@Test
	void formularySearchesWork() {
		assertThat(search("_id=atomoxetine,viloxazine-er")).containsExactly("atomoxetine", "viloxazine-er");
		assertThat(search("_lastUpdated=gt2000-01-01")).containsAll(ALL_MEDICINES);
		assertThat(search("_lastUpdated=gt2999-01-01")).isEmpty();
		assertThat(search("status=active")).containsExactlyInAnyOrderElementsOf(ALL_MEDICINES);
		assertThat(search("code=http://www.nlm.nih.gov/research/umls/rxnorm|38400")).containsExactly("atomoxetine");
		assertThat(search("code=6901")).containsExactlyInAnyOrder("methylphenidate-ir", "methylphenidate-er");
		assertThat(search("code:text=methylphenidate")).contains("methylphenidate-ir", "methylphenidate-er");
		assertThat(search("doseform:text=oral%20capsule")).contains("atomoxetine").doesNotContain("guanfacine-er");
		assertThat(search("classification=http://adhdkb.org/fhir/CodeSystem/medication-class|stimulant"))
				.containsExactlyInAnyOrderElementsOf(STIMULANTS);
		assertThat(search("classification=http://www.whocc.no/atc|N06BA09")).containsExactly("atomoxetine");
		assertThat(search("ingredient-code=http://snomed.info/sct|407037005")).containsExactly("atomoxetine");
		assertThat(search("monitoring-program-type=http://adhdkb.org/fhir/CodeSystem/monitoring-topic|blood-pressure"))
				.containsExactlyInAnyOrderElementsOf(ALL_MEDICINES);
		assertThat(search("monitoring-program-type=http://adhdkb.org/fhir/CodeSystem/monitoring-topic|suicidality"))
				.contains("atomoxetine", "viloxazine-er").doesNotContain("methylphenidate-ir");
		assertThat(search("drug-name=strattera")).containsExactly("atomoxetine");
		assertThat(search("drug-name=concerta")).containsExactly("methylphenidate-er");
		assertThat(search("drug-name=onyda")).containsExactly("clonidine-er-oral-suspension");
		assertThat(search("drug-name=atomox")).containsExactly("atomoxetine");
		assertThat(search("drug-name=no-such-drug")).isEmpty();
	}

	@Test
	void drugNameIsARegisteredSearchParameter() {
		var capabilities = client().capabilities().ofType(org.hl7.fhir.r4.model.CapabilityStatement.class).execute();
		var medicationKnowledge = capabilities.getRestFirstRep().getResource().stream()
				.filter(r -> r.getType().equals("MedicationKnowledge")).findFirst().orElseThrow();
		assertThat(medicationKnowledge.getSearchParam()).extracting(p -> p.getName())
				.contains("drug-name", "code", "doseform", "classification", "ingredient-code", "monitoring-program-type");
	}

	private MedicationKnowledge read(String id) {
		return client().read().resource(MedicationKnowledge.class).withId(id).execute();
	}

	private List<String> search(String query) {
		Bundle bundle = client().search().byUrl("MedicationKnowledge?" + query + "&_count=100")
				.returnBundle(Bundle.class).execute();
		return bundle.getEntry().stream().map(e -> e.getResource().getIdElement().getIdPart()).sorted().toList();
	}

	private static MedicationKnowledgeAdministrationGuidelinesComponent band(MedicationKnowledge medicine, String id) {
		return medicine.getAdministrationGuidelines().stream()
				.filter(g -> id.equals(g.getId()))
				.findFirst()
				.orElseThrow(() -> new AssertionError(medicine.getIdPart() + " has no dosing band " + id));
	}

	private static List<String> characteristic(MedicationKnowledgeAdministrationGuidelinesComponent band, String code) {
		return band.getPatientCharacteristics().stream()
				.filter(c -> code.equals(c.getCharacteristicCodeableConcept().getCodingFirstRep().getCode()))
				.flatMap(c -> c.getValue().stream().map(v -> v.getValue()))
				.toList();
	}

	private static List<Dosage> dosages(MedicationKnowledgeAdministrationGuidelinesComponent band, String role) {
		return DosingCalculator.dosages(band, role);
	}

	/** The distinct daily doses of a role, as "value unit" strings (the content may repeat one per source). */
	private static List<String> doses(MedicationKnowledgeAdministrationGuidelinesComponent band, String role) {
		return dosages(band, role).stream()
				.filter(d -> d.getDoseAndRateFirstRep().hasDoseQuantity())
				.map(d -> text(d.getDoseAndRateFirstRep().getDoseQuantity()))
				.distinct()
				.toList();
	}

	/** The maximum-dose limits per day, as "value unit" strings. */
	private static List<String> maxima(MedicationKnowledgeAdministrationGuidelinesComponent band) {
		return dosages(band, "maximum-dose").stream()
				.map(d -> {
					assertThat(d.getMaxDosePerPeriod().getDenominator().getValue()).isEqualByComparingTo(BigDecimal.ONE);
					assertThat(d.getMaxDosePerPeriod().getDenominator().getCode()).isEqualTo("d");
					return text(d.getMaxDosePerPeriod().getNumerator());
				})
				.toList();
	}

	private static long durationDays(Dosage dosage, String extension) {
		Extension found = dosage.getExtensionByUrl("http://adhdkb.org/fhir/StructureDefinition/" + extension);
		assertThat(found).as("extension " + extension).isNotNull();
		var duration = (org.hl7.fhir.r4.model.Duration) found.getValue();
		assertThat(duration.getSystem()).isEqualTo(UCUM);
		return switch (duration.getCode()) {
			case "d" -> duration.getValue().longValueExact();
			case "wk" -> duration.getValue().longValueExact() * 7;
			default -> throw new AssertionError("unexpected unit " + duration.getCode());
		};
	}

	private static String sources(Dosage dosage) {
		return dosage.getExtensionsByUrl(STATEMENT_SOURCE).stream()
				.map(e -> e.getValue().primitiveValue())
				.collect(Collectors.joining(","));
	}

	private static String characteristicText(MedicationKnowledge medicine, String type) {
		return medicine.getDrugCharacteristic().stream()
				.filter(c -> type.equals(c.getType().getCodingFirstRep().getCode()))
				.map(c -> c.hasValueQuantity() ? c.getValueQuantity().getValue().toPlainString() : c.getValue().primitiveValue())
				.collect(Collectors.joining(" "));
	}

	private static String text(Quantity quantity) {
		assertThat(quantity.getSystem()).isEqualTo(UCUM);
		return quantity.getValue().stripTrailingZeros().toPlainString() + " " + quantity.getCode();
	}

	private static String q(String value, String unit) {
		return new BigDecimal(value).stripTrailingZeros().toPlainString() + " " + unit;
	}
}
