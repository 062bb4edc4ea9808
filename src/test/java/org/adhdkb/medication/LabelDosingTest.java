package org.adhdkb.medication;

import org.adhdkb.testing.ServerTestBase;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.Dosage;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.MedicationKnowledge.MedicationKnowledgeAdministrationGuidelinesComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each US product line's label starting dose and maximum, typed here from the label copies named in each row (the
 * copies the line's DocumentReference lists), compared with what {@code GET /fhir/MedicationKnowledge/{id}} serves.
 * A line the server publishes without a row here fails, so a new line cannot go unchecked.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LabelDosingTest extends ServerTestBase {

	private static final String DOSE_ROLE = "http://adhdkb.org/fhir/CodeSystem/dose-role";
	private static final String USUAL_LIMIT = "http://adhdkb.org/fhir/StructureDefinition/usual-limit";
	private static final String PRODUCT_LINE = "http://adhdkb.org/fhir/CodeSystem/product-line";
	private static final String SUPERSEDES_BAND = "http://adhdkb.org/fhir/StructureDefinition/supersedes-band";

	/**
	 * One label dosing statement. start: the label's (first) starting daily dose, "value unit", or null when the label
	 * gives none; maximum: the label's absolute daily limit in mg, or null when it states none; usual: the maximum is
	 * the label's "only in rare cases exceeded" ceiling; perKg: a weight-bound daily limit in mg/kg, or null.
	 */
	record Label(String line, String band, String start, String maximumMg, boolean usual, String perKg) {}

	private static final List<Label> LABELS = List.of(
			// Ritalin: 5 mg twice daily before breakfast and lunch; above 60 mg/day not recommended (label-ritalin, codes.md L-RIT)
			new Label("methylphenidate-ir", "age-6-to-17", "10 mg/d", "60", false, null),
			// Methylin chewable and oral solution: 5 mg twice daily, 60 mg/day (fda.report 09f13452 highlights; eMedTV Methylin)
			new Label("methylphenidate-chewable-tablet", "age-6-to-17", "10 mg/d", "60", false, null),
			new Label("methylphenidate-oral-solution", "age-6-to-17", "10 mg/d", "60", false, null),
			// methylphenidate ER tablets 10/20 mg: replace the titrated IR dose, no own start (DailyMed ed004cf0 highlights)
			new Label("methylphenidate-er-8h-tablet", "age-6-and-over", null, "60", false, null),
			// Concerta / Relexxii Table 1: 18 mg; 54 mg (6-12); 72 mg and 2 mg/kg/day (13-17); 18 or 36 mg, 72 mg (adults)
			// (MedLibrary copy of the Relexxii label; fda.report copy of its highlights)
			new Label("methylphenidate-er", "age-6-to-12", "18 mg/d", "54", false, null),
			new Label("methylphenidate-er", "age-13-to-17", "18 mg/d", "72", false, "2"),
			new Label("methylphenidate-er", "adults-18-to-65", "18 mg/d", "72", false, null),
			// Ritalin LA: 20 mg, weekly 10 mg, not above 60 mg/day; indicated 6 to 12 years (MedLibrary copy of the SPL, 1 and 2.2)
			new Label("methylphenidate-er-capsule-50-50", "age-6-to-12", "20 mg/d", "60", false, null),
			// Metadate CD: 20 mg once daily, weekly 10-20 mg, maximum 60 mg/day (MedLibrary copy of the label)
			new Label("methylphenidate-er-capsule-30-70", "age-6-to-15", "20 mg/d", "60", false, null),
			// Aptensio XR: 10 mg, weekly 10 mg, above 60 mg not recommended (Drugs.com copy of section 2)
			new Label("methylphenidate-er-capsule-40-60", "age-6-and-over", "10 mg/d", "60", false, null),
			// Jornay PM: 20 mg in the evening, weekly 20 mg, above 100 mg not recommended (highlights copy; MPR summary)
			new Label("methylphenidate-er-evening-capsule", "age-6-and-over", "20 mg/d", "100", false, null),
			// Quillivant XR: 20 mg, weekly 10-20 mg, above 60 mg not recommended (Drugs.com copy of the label)
			new Label("methylphenidate-er-oral-suspension", "age-6-and-over", "20 mg/d", "60", false, null),
			// QuilliChew ER: 20 mg, 10/15/20 mg steps, above 60 mg not recommended (RecallGuide copy of 2.2)
			new Label("methylphenidate-er-chewable-tablet", "age-6-and-over", "20 mg/d", "60", false, null),
			// Cotempla XR-ODT 6-17 y: 17.3 mg, 8.6-17.3 mg steps, above 51.8 mg not recommended (TheMediTary copy)
			new Label("methylphenidate-er-odt", "age-6-to-17", "17.3 mg/d", "51.8", false, null),
			// Daytrana Table 1: 10 mg/9 h in week 1 up to 30 mg/9 h (Drugs.com copy of 2.2)
			new Label("methylphenidate-transdermal", "age-6-to-17", "10 mg/d", "30", false, null),
			// Focalin: 2.5 mg twice daily, at most 20 mg/day (label-focalin)
			new Label("dexmethylphenidate", "age-6-and-over", "5 mg/d", "20", false, null),
			// Focalin XR: 5 mg (pediatric) and 10 mg (adults); above 30 / 40 mg not recommended (summaries of the label)
			new Label("dexmethylphenidate-er", "age-6-to-17", "5 mg/d", "30", false, null),
			new Label("dexmethylphenidate-er", "adults", "10 mg/d", "40", false, null),
			// Azstarys: 39.2/7.8 mg, maximum 52.3/10.4 mg, in mg of serdexmethylphenidate (Drugs.com copy of 2.2)
			new Label("serdexmethylphenidate-dexmethylphenidate", "age-6-to-12", "39.2 mg/d", "52.3", false, null),
			new Label("serdexmethylphenidate-dexmethylphenidate", "age-13-and-over", "39.2 mg/d", "52.3", false, null),
			// Adderall: 2.5 mg (3-5 y) and 5 mg (6 y and over); "only in rare cases ... exceed a total of 40 mg per day"
			// (label text reproduced by GlobalRPh; codes.md L-ADD)
			new Label("mixed-amphetamine-salts", "age-3-to-5", "2.5 mg/d", "40", true, null),
			new Label("mixed-amphetamine-salts", "age-6-and-over", "5 mg/d", "40", true, null),
			// Adderall XR: 6-12 y 10 mg, at most 30 mg; 13-17 y 10 mg, then 20 mg; adults 20 mg, the only doses the label gives
			// there (kept as usual ceilings); severe renal (GFR 15-<30) 5 mg (children, at most 20 mg at 6-12) and 15 mg
			// (adults); ESRD (GFR <15) not recommended (MPR Adderall XR page)
			new Label("mixed-amphetamine-salts-er", "age-6-to-12", "10 mg/d", "30", false, null),
			new Label("mixed-amphetamine-salts-er", "age-13-to-17", "10 mg/d", "20", true, null),
			new Label("mixed-amphetamine-salts-er", "adults", "20 mg/d", "20", true, null),
			new Label("mixed-amphetamine-salts-er", "end-stage-renal-disease", null, null, false, null),
			new Label("mixed-amphetamine-salts-er", "severe-renal-impairment-age-6-to-12", "5 mg/d", "20", false, null),
			new Label("mixed-amphetamine-salts-er", "severe-renal-impairment-age-13-to-17", "5 mg/d", null, false, null),
			new Label("mixed-amphetamine-salts-er", "severe-renal-impairment-adults", "15 mg/d", null, false, null),
			// Mydayis: 12.5 mg; at most 25 mg (13-17 y) and 50 mg (adults); severe renal at most 12.5 / 25 mg
			// (Drugs.com copy of section 2; MPR Mydayis page)
			new Label("mixed-amphetamine-salts-er-triple-bead", "age-13-to-17", "12.5 mg/d", "25", false, null),
			new Label("mixed-amphetamine-salts-er-triple-bead", "adults", "12.5 mg/d", "50", false, null),
			new Label("mixed-amphetamine-salts-er-triple-bead", "severe-renal-impairment-age-13-to-17", "12.5 mg/d", "12.5", false, null),
			new Label("mixed-amphetamine-salts-er-triple-bead", "severe-renal-impairment-adults", "12.5 mg/d", "25", false, null),
			new Label("mixed-amphetamine-salts-er-triple-bead", "end-stage-renal-disease", null, null, false, null),
			// Evekeo: 2.5 mg (3-5 y), 5 mg (pediatric patients 6 y and over), rarely above 40 mg/day (label-derived monograph;
			// MPR monograph)
			new Label("amphetamine-sulfate-tablet", "age-3-to-5", "2.5 mg/d", "40", true, null),
			new Label("amphetamine-sulfate-tablet", "age-6-to-17", "5 mg/d", "40", true, null),
			// Evekeo ODT: 5 mg (6-17 y; the current 10/2023 label has no 3-5 y dose), rarely above 40 mg/day (DailyMed 1e25f905
			// highlights; Drugs.com copy of section 2)
			new Label("amphetamine-sulfate-odt", "age-6-to-17", "5 mg/d", "40", true, null),
			// Adzenys XR-ODT and Adzenys ER: 6.3 mg; at most 18.8 mg (6-12 y), 12.5 mg (13-17 y); adults 12.5 mg
			// (Drugs.com copies of the dosage sections; DailyMed eb1cc8d0 highlights)
			new Label("amphetamine-er-odt", "age-6-to-12", "6.3 mg/d", "18.8", false, null),
			new Label("amphetamine-er-odt", "age-13-to-17", "6.3 mg/d", "12.5", false, null),
			new Label("amphetamine-er-odt", "adults", "12.5 mg/d", "12.5", true, null),
			new Label("amphetamine-er-oral-suspension-1-25", "age-6-to-12", "6.3 mg/d", "18.8", false, null),
			new Label("amphetamine-er-oral-suspension-1-25", "age-13-to-17", "6.3 mg/d", "12.5", false, null),
			new Label("amphetamine-er-oral-suspension-1-25", "adults", "12.5 mg/d", "12.5", true, null),
			// Dyanavel XR: 2.5 or 5 mg, every 4-7 days, at most 20 mg (Drugs.com copy of the dosage section)
			new Label("amphetamine-er-oral-suspension-2-5", "age-6-and-over", "2.5 mg/d", "20", false, null),
			// Zenzedi: 2.5 mg (3-5 y), 5 mg (6-16 y), rarely above 40 mg/day (label-zenzedi)
			new Label("dextroamphetamine", "age-3-to-5", "2.5 mg/d", "40", true, null),
			new Label("dextroamphetamine", "age-6-to-16", "5 mg/d", "40", true, null),
			// Dexedrine Spansule: 5 mg once or twice daily, rarely above 40 mg/day (label summary)
			new Label("dextroamphetamine-er-capsule", "age-6-to-16", "5 mg/d", "40", true, null),
			// ProCentra: as the tablets (Independence Pharmaceuticals copy of Dosage and Administration)
			new Label("dextroamphetamine-oral-solution", "age-3-to-5", "2.5 mg/d", "40", true, null),
			new Label("dextroamphetamine-oral-solution", "age-6-to-16", "5 mg/d", "40", true, null),
			// Xelstrym: 4.5 mg/9 h (6-17 y), 9 mg/9 h (adults), at most 18 mg/9 h; renal 13.5 and 9 mg/9 h (Drugs.com copy; medtigo)
			new Label("dextroamphetamine-transdermal", "age-6-to-17", "4.5 mg/d", "18", false, null),
			new Label("dextroamphetamine-transdermal", "adults", "9 mg/d", "18", false, null),
			new Label("dextroamphetamine-transdermal", "severe-renal-impairment", null, "13.5", false, null),
			new Label("dextroamphetamine-transdermal", "end-stage-renal-disease", null, "9", false, null),
			// Vyvanse capsules and chewable tablets: 30 mg, at most 70 mg; 50 mg (GFR 15-<30) and 30 mg (ESRD) (label-vyvanse)
			new Label("lisdexamfetamine", "age-6-and-over", "30 mg/d", "70", false, null),
			new Label("lisdexamfetamine", "severe-renal-impairment", "30 mg/d", "50", false, null),
			new Label("lisdexamfetamine", "end-stage-renal-disease", "30 mg/d", "30", false, null),
			new Label("lisdexamfetamine-chewable-tablet", "age-6-and-over", "30 mg/d", "70", false, null),
			new Label("lisdexamfetamine-chewable-tablet", "severe-renal-impairment", "30 mg/d", "50", false, null),
			new Label("lisdexamfetamine-chewable-tablet", "end-stage-renal-disease", "30 mg/d", "30", false, null),
			// Desoxyn: children over 6, 5 mg once or twice a day; usual effective dose 20-25 mg; no maximum stated (RxReasoner
			// copy of the 2019 SPL)
			new Label("methamphetamine", "age-6-to-17", "5 mg/d", null, false, null),
			// Strattera: 0.5 mg/kg, 1.4 mg/kg or 100 mg; 40 mg, 100 mg; hepatic 50 % / 25 % of the usual start (codes.md 6a)
			new Label("atomoxetine", "weight-up-to-70kg", "0.5 mg/kg/d", "100", false, "1.4"),
			new Label("atomoxetine", "weight-over-70kg-and-adults", "40 mg/d", "100", false, null),
			new Label("atomoxetine", "moderate-hepatic-impairment-over-70kg-and-adults", "20 mg/d", null, false, null),
			new Label("atomoxetine", "severe-hepatic-impairment-over-70kg-and-adults", "10 mg/d", null, false, null),
			new Label("atomoxetine", "moderate-hepatic-impairment-up-to-70kg", "0.25 mg/kg/d", null, false, null),
			new Label("atomoxetine", "severe-hepatic-impairment-up-to-70kg", "0.125 mg/kg/d", null, false, null),
			// Qelbree: 100 mg (6-11 y), 200 mg (12-17 y, adults); 400 / 600 mg; severe renal 100 mg, 200 mg (codes.md 6b)
			new Label("viloxazine-er", "age-6-to-11", "100 mg/d", "400", false, null),
			new Label("viloxazine-er", "age-12-to-17", "200 mg/d", "400", false, null),
			new Label("viloxazine-er", "adults", "200 mg/d", "600", false, null),
			new Label("viloxazine-er", "severe-renal-impairment", "100 mg/d", "200", false, null),
			// the label's severe renal impairment is eGFR below 30, so end-stage renal disease has the same doses
			new Label("viloxazine-er", "end-stage-renal-disease", "100 mg/d", "200", false, null),
			// Intuniv: 1 mg; 4 mg (6-12 y), 7 mg (13-17 y); Table 1 targets up to 0.12 mg/kg/day, kept as a usual ceiling
			// (a target range, not a stated maximum); CYP3A4 inhibitor half, inducer double (codes.md 6c; review L-INT)
			new Label("guanfacine-er", "age-6-to-12", "1 mg/d", "4", true, "0.12"),
			new Label("guanfacine-er", "age-13-to-17", "1 mg/d", "7", true, "0.12"),
			// with an inhibitor half the recommended level: half the age maxima and half the 0.12 mg/kg/day top of the targets
			// (0.06); half the 1 mg start is no tablet, so none is given; with an inducer up to double (0.24 mg/kg/day)
			new Label("guanfacine-er", "strong-cyp3a4-inhibitor-age-6-to-12", null, "2", true, "0.06"),
			new Label("guanfacine-er", "strong-cyp3a4-inhibitor-age-13-to-17", null, "3.5", true, "0.06"),
			new Label("guanfacine-er", "strong-cyp3a4-inducer-age-6-to-12", null, "8", true, "0.24"),
			new Label("guanfacine-er", "strong-cyp3a4-inducer-age-13-to-17", null, "14", true, "0.24"),
			// Kapvay: 0.1 mg at bedtime, at most 0.4 mg/day (codes.md L-KAP); Onyda XR: the same, for pediatric patients 6 years
			// and older (RxReasoner copy of 1 and 2.1)
			new Label("clonidine-er", "age-6-to-17", "0.1 mg/d", "0.4", false, null),
			new Label("clonidine-er-oral-suspension", "age-6-to-17", "0.1 mg/d", "0.4", false, null));

	/**
	 * The ages each label's ADHD indication covers (lowest and highest age in years; null = no upper bound, adults
	 * included), typed from the label copies each line's DocumentReference lists. A band may not give label doses
	 * outside them: Ritalin LA is for 6 to 12 years (MedLibrary SPL copy, section 1), Evekeo ODT for 6 to 17 since its
	 * 10/2023 label (DailyMed 1e25f905), Metadate CD 6 to 15, Concerta up to 65, Mydayis from 13; Desoxyn ("children over
	 * 6"), Evekeo tablets, Dexedrine Spansule, ProCentra, Zenzedi, Cotempla, Daytrana, Intuniv, Kapvay and Onyda XR are
	 * pediatric labels.
	 */
	private static final Map<String, Integer[]> INDICATED_AGES = Map.ofEntries(
			Map.entry("methylphenidate-ir", new Integer[] {6, null}),
			Map.entry("methylphenidate-chewable-tablet", new Integer[] {6, null}),
			Map.entry("methylphenidate-oral-solution", new Integer[] {6, null}),
			Map.entry("methylphenidate-er-8h-tablet", new Integer[] {6, null}),
			Map.entry("methylphenidate-er", new Integer[] {6, 65}),
			Map.entry("methylphenidate-er-capsule-50-50", new Integer[] {6, 12}),
			Map.entry("methylphenidate-er-capsule-30-70", new Integer[] {6, 15}),
			Map.entry("methylphenidate-er-capsule-40-60", new Integer[] {6, null}),
			Map.entry("methylphenidate-er-evening-capsule", new Integer[] {6, null}),
			Map.entry("methylphenidate-er-oral-suspension", new Integer[] {6, null}),
			Map.entry("methylphenidate-er-chewable-tablet", new Integer[] {6, null}),
			Map.entry("methylphenidate-er-odt", new Integer[] {6, 17}),
			Map.entry("methylphenidate-transdermal", new Integer[] {6, 17}),
			Map.entry("dexmethylphenidate", new Integer[] {6, null}),
			Map.entry("dexmethylphenidate-er", new Integer[] {6, null}),
			Map.entry("serdexmethylphenidate-dexmethylphenidate", new Integer[] {6, null}),
			Map.entry("mixed-amphetamine-salts", new Integer[] {3, null}),
			Map.entry("mixed-amphetamine-salts-er", new Integer[] {6, null}),
			Map.entry("mixed-amphetamine-salts-er-triple-bead", new Integer[] {13, null}),
			Map.entry("amphetamine-sulfate-tablet", new Integer[] {3, 17}),
			Map.entry("amphetamine-sulfate-odt", new Integer[] {6, 17}),
			Map.entry("amphetamine-er-odt", new Integer[] {6, null}),
			Map.entry("amphetamine-er-oral-suspension-1-25", new Integer[] {6, null}),
			Map.entry("amphetamine-er-oral-suspension-2-5", new Integer[] {6, null}),
			Map.entry("dextroamphetamine", new Integer[] {3, 16}),
			Map.entry("dextroamphetamine-er-capsule", new Integer[] {6, 16}),
			Map.entry("dextroamphetamine-oral-solution", new Integer[] {3, 16}),
			Map.entry("dextroamphetamine-transdermal", new Integer[] {6, null}),
			Map.entry("lisdexamfetamine", new Integer[] {6, null}),
			Map.entry("lisdexamfetamine-chewable-tablet", new Integer[] {6, null}),
			Map.entry("methamphetamine", new Integer[] {6, 17}),
			Map.entry("atomoxetine", new Integer[] {6, null}),
			Map.entry("viloxazine-er", new Integer[] {6, null}),
			Map.entry("guanfacine-er", new Integer[] {6, 17}),
			Map.entry("clonidine-er", new Integer[] {6, 17}),
			Map.entry("clonidine-er-oral-suspension", new Integer[] {6, 17}));

	/** The WHO ATC code of each line's active ingredient (codes.md section 3, S7): the Azstarys combination has its own
	 *  (N06BA15), racemic amphetamine is N06BA01, methamphetamine N06BA03; mixed amphetamine salts only the group N06BA. */
	private static final Map<String, String> ATC = Map.ofEntries(
			Map.entry("serdexmethylphenidate-dexmethylphenidate", "N06BA15"),
			Map.entry("amphetamine-sulfate-tablet", "N06BA01"), Map.entry("amphetamine-sulfate-odt", "N06BA01"),
			Map.entry("amphetamine-er-odt", "N06BA01"), Map.entry("amphetamine-er-oral-suspension-1-25", "N06BA01"),
			Map.entry("amphetamine-er-oral-suspension-2-5", "N06BA01"), Map.entry("methamphetamine", "N06BA03"),
			Map.entry("dexmethylphenidate", "N06BA11"), Map.entry("dexmethylphenidate-er", "N06BA11"),
			Map.entry("mixed-amphetamine-salts", "N06BA"), Map.entry("lisdexamfetamine", "N06BA12"),
			Map.entry("atomoxetine", "N06BA09"), Map.entry("viloxazine-er", "N06AX09"), Map.entry("guanfacine-er", "C02AC02"),
			Map.entry("clonidine-er", "C02AC01"), Map.entry("dextroamphetamine", "N06BA02"), Map.entry("methylphenidate-ir", "N06BA04"));

	private final Map<String, MedicationKnowledge> served = new HashMap<>();

	@BeforeAll
	void readEveryLineOverHttp() {
		Bundle bundle = client().search().byUrl("MedicationKnowledge?_count=200").returnBundle(Bundle.class).execute();
		for (var entry : bundle.getEntry()) {
			MedicationKnowledge medicine = (MedicationKnowledge) entry.getResource();
			served.put(medicine.getIdElement().getIdPart(), medicine);
		}
	}

	@Test
	void everyServedLineHasALabelRowAndEveryRowALine() {
		assertThat(served.keySet()).containsExactlyInAnyOrderElementsOf(
				LABELS.stream().map(Label::line).collect(Collectors.toSet()));
	}

	@Test
	void startingDosesAndMaximaAreTheLabels() {
		List<String> wrong = new ArrayList<>();
		for (Label label : LABELS) {
			MedicationKnowledge medicine = client().read().resource(MedicationKnowledge.class).withId(label.line()).execute();
			var band = medicine.getAdministrationGuidelines().stream().filter(b -> label.band().equals(b.getId())).findFirst();
			if (band.isEmpty()) {
				wrong.add(label.line() + " has no band " + label.band());
				continue;
			}
			List<String> starts = dosages(band.get(), "starting-dose").stream()
					.filter(d -> d.getDoseAndRateFirstRep().hasDoseQuantity())
					.map(d -> text(d.getDoseAndRateFirstRep().getDoseQuantity())).toList();
			if (label.start() == null ? !starts.isEmpty() : starts.isEmpty() || !starts.get(0).equals(label.start())) {
				wrong.add(label.line() + " " + label.band() + ": start " + starts + ", label " + label.start());
			}
			List<Dosage> maxima = dosages(band.get(), "maximum-dose");
			List<String> absolute = maxima.stream().filter(d -> "mg".equals(d.getMaxDosePerPeriod().getNumerator().getCode()))
					.map(d -> plain(d.getMaxDosePerPeriod().getNumerator().getValue())).toList();
			if (label.maximumMg() == null ? !absolute.isEmpty() : !absolute.equals(List.of(label.maximumMg()))) {
				wrong.add(label.line() + " " + label.band() + ": maximum " + absolute + " mg, label " + label.maximumMg());
			}
			List<String> perKg = maxima.stream().filter(d -> "mg/kg".equals(d.getMaxDosePerPeriod().getNumerator().getCode()))
					.map(d -> plain(d.getMaxDosePerPeriod().getNumerator().getValue())).toList();
			if (label.perKg() == null ? !perKg.isEmpty() : !perKg.equals(List.of(label.perKg()))) {
				wrong.add(label.line() + " " + label.band() + ": weight-bound maximum " + perKg + " mg/kg, label " + label.perKg());
			}
			boolean usual = maxima.stream().anyMatch(d -> d.hasExtension(USUAL_LIMIT));
			if (usual != label.usual()) {
				wrong.add(label.line() + " " + label.band() + ": usual ceiling " + usual + ", label " + label.usual());
			}
			for (Dosage d : maxima) {
				if (d.getMaxDosePerPeriod().getDenominator().getValue().compareTo(BigDecimal.ONE) != 0
						|| !"d".equals(d.getMaxDosePerPeriod().getDenominator().getCode())) {
					wrong.add(label.line() + " " + label.band() + ": a maximum that is not per day");
				}
			}
		}
		assertThat(wrong).isEmpty();
	}

	@Test
	void everyLineIsNamedByItsProductLineCodeAndCitesALabel() {
		for (MedicationKnowledge medicine : served.values()) {
			String id = medicine.getIdElement().getIdPart();
			assertThat(medicine.getCode().getCodingFirstRep().getSystem()).as(id).isEqualTo(PRODUCT_LINE);
			assertThat(medicine.getCode().getCodingFirstRep().getCode()).as(id).isEqualTo(id);
			assertThat(medicine.getMonograph()).as(id + " names its label")
					.anySatisfy(m -> assertThat(m.getSource().getReference()).startsWith("DocumentReference/label-"));
			assertThat(medicine.getText().getDivAsString()).as(id).contains("Dosing for ADHD");
		}
		assertThat(search("code=http://adhdkb.org/fhir/CodeSystem/product-line|methylphenidate-transdermal"))
				.containsExactly("methylphenidate-transdermal");
		assertThat(search("drug-name=daytrana")).containsExactly("methylphenidate-transdermal");
		assertThat(search("drug-name=relexxii")).containsExactly("methylphenidate-er");
	}

	/**
	 * Each orderable product belongs to one line, exists on the server, and contains the line's ingredient: the name of
	 * one of the product's ingredients (RxNorm IN or its salt, the PIN, e.g. "methylphenidate hydrochloride") starts with
	 * the name of one of the line's ingredients.
	 */
	@Test
	void everyAssociatedProductExistsBelongsToOneLineAndHasItsIngredient() {
		Map<String, String> lineOfProduct = new HashMap<>();
		for (MedicationKnowledge medicine : served.values()) {
			String id = medicine.getIdElement().getIdPart();
			List<String> ingredients = new ArrayList<>();
			for (var ingredient : medicine.getIngredient()) {
				ingredient.getItemCodeableConcept().getCoding().forEach(c -> ingredients.add(c.getDisplay().toLowerCase()));
				ingredients.add(ingredient.getItemCodeableConcept().getText().toLowerCase().split(" ")[0]);
			}
			for (var reference : medicine.getAssociatedMedication()) {
				String previous = lineOfProduct.put(reference.getReference(), id);
				assertThat(previous).as(reference.getReference() + " is in " + previous + " and " + id).isNull();
				var product = client().read().resource(org.hl7.fhir.r4.model.Medication.class)
						.withUrl(reference.getReference()).execute();
				List<String> names = product.getIngredient().stream()
						.map(i -> i.getItemCodeableConcept().hasText() ? i.getItemCodeableConcept().getText()
								: i.getItemCodeableConcept().getCodingFirstRep().getDisplay())
						.map(String::toLowerCase).toList();
				assertThat(names).as(reference.getReference() + " in " + id)
						.anySatisfy(name -> assertThat(ingredients).anySatisfy(line -> assertThat(name).startsWith(line)));
			}
		}
		assertThat(lineOfProduct).as("products associated with a line").hasSizeGreaterThan(200);
	}

	@Test
	void everyBandStaysWithinTheAgesItsLabelIsIndicatedFor() {
		assertThat(INDICATED_AGES.keySet()).containsExactlyInAnyOrderElementsOf(served.keySet());
		List<String> wrong = new ArrayList<>();
		for (MedicationKnowledge medicine : served.values()) {
			String id = medicine.getIdElement().getIdPart();
			Integer[] indicated = INDICATED_AGES.get(id);
			for (var band : medicine.getAdministrationGuidelines()) {
				for (var characteristic : band.getPatientCharacteristics()) {
					if (!"age".equals(characteristic.getCharacteristicCodeableConcept().getCodingFirstRep().getCode())) {
						continue;
					}
					Integer low = null;
					Integer high = null;
					for (var bound : characteristic.getValue()) {
						String value = bound.getValue();
						int years = Integer.parseInt(value.replaceAll("[^0-9]", ""));
						if (value.startsWith(">")) {
							low = value.startsWith(">=") ? years : years + 1;
						} else {
							high = value.startsWith("<=") ? years : years - 1;
						}
					}
					if (low == null || low < indicated[0]) {
						wrong.add(id + " " + band.getId() + " starts at " + low + " years, label " + indicated[0]);
					}
					if (indicated[1] != null && (high == null || high > indicated[1])) {
						wrong.add(id + " " + band.getId() + " ends at " + high + " years, label " + indicated[1]);
					}
				}
			}
		}
		assertThat(wrong).isEmpty();
	}

	/** Adderall XR and Mydayis: "ESRD (GFR <15 mL/min/1.73 m2): not recommended" (MPR pages of both labels). */
	@Test
	void endStageRenalDiseaseIsNotRecommendedForAdderallXrAndMydayis() {
		for (String id : List.of("mixed-amphetamine-salts-er", "mixed-amphetamine-salts-er-triple-bead")) {
			MedicationKnowledge medicine = served.get(id);
			var esrd = medicine.getAdministrationGuidelines().stream().filter(b -> "end-stage-renal-disease".equals(b.getId()))
					.findFirst().orElseThrow(() -> new AssertionError(id + " has no end-stage renal disease band"));
			assertThat(esrd.getPatientCharacteristics()).as(id).anySatisfy(c ->
					assertThat(c.getCharacteristicCodeableConcept().getCodingFirstRep().getCode()).isEqualTo("end-stage-renal-disease"));
			assertThat(esrd.getDosage()).as(id + " ESRD dose roles").extracting(d -> d.getType().getCodingFirstRep().getCode())
					.containsExactly("not-recommended");
			assertThat(dosages(esrd, "not-recommended")).allSatisfy(d -> {
				assertThat(d.hasDoseAndRate()).isFalse();
				assertThat(d.getText()).contains("Not recommended");
			});
			// a patient recorded with both renal conditions matches the stricter band first
			List<String> order = medicine.getAdministrationGuidelines().stream().map(b -> b.getId()).toList();
			assertThat(order.indexOf("end-stage-renal-disease")).as(id).isLessThan(
					order.stream().filter(b -> b.startsWith("severe-renal-impairment")).mapToInt(order::indexOf).min().orElseThrow());
		}
	}

	/**
	 * The renal conditions are shown by an eGFR result with the labels' thresholds (Vyvanse, Adderall XR, Mydayis,
	 * Xelstrym: severe = GFR 15 to below 30, ESRD = below 15 mL/min/1.73 m2), so that they can apply to a real patient
	 * and never overlap.
	 */
	@Test
	void renalConditionsAreBoundToEgfrWithTheLabelThresholds() {
		CodeSystem characteristics = client().read().resource(CodeSystem.class).withId("patient-characteristic").execute();
		Map<String, List<String>> bounds = new HashMap<>();
		Map<String, List<String>> codes = new HashMap<>();
		for (var concept : characteristics.getConcept()) {
			for (var property : concept.getProperty()) {
				if ("observation-bound".equals(property.getCode())) {
					bounds.computeIfAbsent(concept.getCode(), k -> new ArrayList<>()).add(property.getValueStringType().getValue());
				}
				if ("observation-code".equals(property.getCode())) {
					codes.computeIfAbsent(concept.getCode(), k -> new ArrayList<>()).add(property.getValueCoding().getCode());
				}
			}
		}
		assertThat(bounds.get("severe-renal-impairment")).containsExactlyInAnyOrder(">=15 mL/min/{1.73_m2}", "<30 mL/min/{1.73_m2}");
		assertThat(bounds.get("end-stage-renal-disease")).containsExactly("<15 mL/min/{1.73_m2}");
		// eGFR by the CKD-EPI 2021 creatinine equation (LOINC 98979-8) and by MDRD (33914-3)
		assertThat(codes.get("severe-renal-impairment")).contains("98979-8", "33914-3");
		assertThat(codes.get("end-stage-renal-disease")).containsExactlyInAnyOrderElementsOf(codes.get("severe-renal-impairment"));
	}

	/** Intuniv with a strong or moderate CYP3A4 inducer: "up to double the recommended level", so the plain age band's
	 *  4 or 7 mg maximum must not cap it; with an inhibitor half the target (0.06 mg/kg/day, 1.8 mg for 30 kg). */
	@Test
	void guanfacineInducerBandsReplaceTheAgeBandAndInhibitorBandsHalveTheWeightTarget() {
		MedicationKnowledge guanfacine = served.get("guanfacine-er");
		for (String age : List.of("age-6-to-12", "age-13-to-17")) {
			var inducer = band(guanfacine, "strong-cyp3a4-inducer-" + age);
			assertThat(inducer.getExtensionsByUrl(SUPERSEDES_BAND)).extracting(e -> e.getValue().primitiveValue())
					.containsExactly(age);
			var inhibitor = band(guanfacine, "strong-cyp3a4-inhibitor-" + age);
			assertThat(inhibitor.getExtensionsByUrl(SUPERSEDES_BAND)).isEmpty();
		}
		var child = new PatientFacts(BigDecimal.valueOf(9), BigDecimal.valueOf(30), java.util.Set.of("strong-cyp3a4-inhibitor"));
		assertThat(DosingCalculator.plan(guanfacine, child).maximumDailyMg()).isEqualByComparingTo("1.8");
	}

	@Test
	void eachLineCarriesTheAtcCodeOfItsIngredient() {
		ATC.forEach((id, code) -> assertThat(served.get(id).getMedicineClassification().stream()
				.filter(c -> "ATC".equals(c.getType().getText()))
				.flatMap(c -> c.getClassification().stream()).map(c -> c.getCodingFirstRep().getCode()).toList())
				.as(id).containsExactly(code));
	}

	/** Adderall IR covers the 5 to 30 mg tablets: its RxNorm name is the dose-form group (SCDF 376410 "amphetamine /
	 *  dextroamphetamine Oral Tablet", S6), not the 20 mg tablet 577961 (review C1). */
	@Test
	void adderallIsNamedByItsDoseFormGroupNotOneStrength() {
		assertThat(served.get("mixed-amphetamine-salts").getCode().getCoding().stream()
				.filter(c -> "http://www.nlm.nih.gov/research/umls/rxnorm".equals(c.getSystem())).map(c -> c.getCode()))
				.containsExactly("376410");
	}

	/** Desoxyn and Dexedrine Spansule: the labels (non-PLR) still list the older amphetamine contraindications. */
	@Test
	void desoxynAndDexedrineListTheirLabelsContraindications() {
		for (String id : List.of("methamphetamine", "dextroamphetamine-er-capsule")) {
			assertThat(served.get(id).getContraindication()).extracting(c -> c.getDisplay()).as(id)
					.anySatisfy(d -> assertThat(d).containsIgnoringCase("glaucoma"))
					.anySatisfy(d -> assertThat(d).containsIgnoringCase("hyperthyroidism"))
					.anySatisfy(d -> assertThat(d).containsIgnoringCase("arteriosclerosis"))
					.anySatisfy(d -> assertThat(d).containsIgnoringCase("drug abuse"))
					.anySatisfy(d -> assertThat(d).contains("14 days"));
		}
	}

	private static MedicationKnowledgeAdministrationGuidelinesComponent band(MedicationKnowledge medicine, String id) {
		return medicine.getAdministrationGuidelines().stream().filter(b -> id.equals(b.getId())).findFirst()
				.orElseThrow(() -> new AssertionError(medicine.getIdElement().getIdPart() + " has no band " + id));
	}

	private List<String> search(String query) {
		return client().search().byUrl("MedicationKnowledge?" + query).returnBundle(Bundle.class).execute().getEntry().stream()
				.map(e -> e.getResource().getIdElement().getIdPart()).sorted().toList();
	}

	private static List<Dosage> dosages(MedicationKnowledgeAdministrationGuidelinesComponent band, String role) {
		return band.getDosage().stream()
				.filter(d -> d.getType().getCoding().stream().anyMatch(c -> DOSE_ROLE.equals(c.getSystem()) && role.equals(c.getCode())))
				.flatMap(d -> d.getDosage().stream())
				.toList();
	}

	private static String text(Quantity quantity) {
		return plain(quantity.getValue()) + " " + quantity.getCode();
	}

	private static String plain(BigDecimal value) {
		return value.stripTrailingZeros().toPlainString();
	}
}
