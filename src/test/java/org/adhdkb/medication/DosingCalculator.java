package org.adhdkb.medication;

import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Dosage;
import org.hl7.fhir.r4.model.Duration;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.MedicationKnowledge.MedicationKnowledgeAdministrationGuidelinesComponent;
import org.hl7.fhir.r4.model.MedicationKnowledge.MedicationKnowledgeAdministrationGuidelinesPatientCharacteristicsComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.StringType;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a MedicationKnowledge's structured dosing (the shape fixed in fhir-resources/README.md, "Structured dosing")
 * and computes the doses for one patient. Every number comes from the MedicationKnowledge; this class only knows the
 * shape. A test oracle, written independently of the content's dosing logic (Library AdhdDosing, CQL), which the
 * server runs: DosingFastPathTest compares the two on a sweep of every product line, age, weight and dosing condition,
 * and DosingCalculatorTest and LabelDosingTest check this one against the labels' figures. (It was the order checks'
 * Java fast path until the dose checks moved into the content, PlanDefinition dose-limits.)
 *
 * <p>A band applies when all its characteristics hold. A band for a condition the patient has (CYP2D6, hepatic or
 * renal impairment) wins over a general band. When the weight is unknown and the bands it would decide between give
 * the same doses (adults), the doses are still given; otherwise no band is chosen and {@link DosingPlan#missingWeight}
 * says why.
 */
public final class DosingCalculator {

	public static final String DOSE_ROLE = "http://adhdkb.org/fhir/CodeSystem/dose-role";
	public static final String PATIENT_CHARACTERISTIC = "http://adhdkb.org/fhir/CodeSystem/patient-characteristic";
	public static final String BODY_WEIGHT = "29463-7";
	static final String TITRATION_INTERVAL = "http://adhdkb.org/fhir/StructureDefinition/titration-interval";
	static final String TITRATION_INTERVAL_RANGE = "http://adhdkb.org/fhir/StructureDefinition/titration-interval-range";
	static final String USUAL_LIMIT = "http://adhdkb.org/fhir/StructureDefinition/usual-limit";

	private static final Pattern BOUND = Pattern.compile("\\s*(<=|>=|<|>)\\s*([0-9.]+)\\s*(\\S+)\\s*");

	private DosingCalculator() {}

	/**
	 * A bound of a patient characteristic as the content writes it ({@code <=70 kg}, {@code >=6 a},
	 * {@code <30 mL/min/{1.73_m2}}): comparator, number and UCUM unit.
	 */
	public record Bound(String comparator, BigDecimal value, String unit) {

		/** The bound, or null when the text is not one. */
		public static Bound read(String text) {
			Matcher m = text == null ? null : BOUND.matcher(text);
			return m == null || !m.matches() ? null : new Bound(m.group(1), new BigDecimal(m.group(2)), m.group(3));
		}

		/** Whether the value meets the bound. */
		public boolean holds(BigDecimal number) {
			int comparison = number.compareTo(value);
			return switch (comparator) {
				case "<=" -> comparison <= 0;
				case "<" -> comparison < 0;
				case ">=" -> comparison >= 0;
				default -> comparison > 0;
			};
		}

		/** Whether the bound caps the value from above ({@code <} or {@code <=}). */
		public boolean isUpper() {
			return comparator.startsWith("<");
		}
	}

	/** Whether a patient-characteristic value is a bound this calculator can read, such as {@code <=70 kg}. */
	public static boolean isReadableBound(String value) {
		return Bound.read(value) != null;
	}

	public static DosingPlan plan(MedicationKnowledge medicine, PatientFacts patient) {
		List<Candidate> candidates = new ArrayList<>();
		boolean weightUndecided = false;
		for (var band : medicine.getAdministrationGuidelines()) {
			Match match = match(band, patient);
			if (match == Match.NO) {
				continue;
			}
			weightUndecided |= match == Match.NEEDS_WEIGHT;
			candidates.add(new Candidate(band, match, conditionCount(band), band.getPatientCharacteristics().size()));
		}
		Comparator<Candidate> specificity = Comparator.comparingInt(Candidate::conditions)
				.thenComparingInt(Candidate::characteristics);
		Optional<Candidate> best = candidates.stream().max(specificity);
		if (best.isEmpty()) {
			return DosingPlan.none(false);
		}
		if (best.get().match == Match.YES && candidates.stream()
				.noneMatch(c -> c.match == Match.NEEDS_WEIGHT && specificity.compare(c, best.get()) >= 0)) {
			return compute(best.get().band, patient.weightKg());
		}
		// The choice depends on the unknown weight: acceptable only if every band it could be gives the same doses.
		int topConditions = best.get().conditions;
		List<DosingPlan> possible = candidates.stream()
				.filter(c -> c.conditions == topConditions)
				.map(c -> compute(c.band, null))
				.distinct()
				.toList();
		List<DosingPlan> doses = possible.stream().map(p -> withoutBand(p)).distinct().toList();
		if (doses.size() == 1 && possible.get(0).startingDailyMg() != null) {
			return possible.get(0);
		}
		return DosingPlan.none(weightUndecided);
	}

	/**
	 * The highest daily maximum of any band this patient could be in, counting weight-based limits only when the
	 * weight is known: a dose above it is too high whatever the patient's missing facts turn out to be. Null when it
	 * cannot be known (a possible band without an absolute limit, or an age-banded medicine and no age).
	 */
	public static BigDecimal ceilingDailyMg(MedicationKnowledge medicine, PatientFacts patient) {
		BigDecimal ceiling = null;
		for (var band : medicine.getAdministrationGuidelines()) {
			boolean ageBanded = band.getPatientCharacteristics().stream()
					.anyMatch(c -> "age".equals(code(c.getCharacteristicCodeableConcept())));
			if (ageBanded && patient.ageYears() == null) {
				return null;
			}
			if (match(band, patient) == Match.NO) {
				continue;
			}
			BigDecimal maximum = compute(band, patient.weightKg()).maximumDailyMg();
			if (maximum == null) {
				return null;
			}
			ceiling = ceiling == null || maximum.compareTo(ceiling) > 0 ? maximum : ceiling;
		}
		return ceiling;
	}

	private enum Match { YES, NO, NEEDS_WEIGHT }

	private record Candidate(
			MedicationKnowledgeAdministrationGuidelinesComponent band, Match match, int conditions, int characteristics) {}

	private static Match match(MedicationKnowledgeAdministrationGuidelinesComponent band, PatientFacts patient) {
		Match result = Match.YES;
		for (var characteristic : band.getPatientCharacteristics()) {
			String code = code(characteristic.getCharacteristicCodeableConcept());
			if (BODY_WEIGHT.equals(code)) {
				if (patient.weightKg() == null) {
					result = Match.NEEDS_WEIGHT;
				} else if (!withinBounds(characteristic, patient.weightKg(), "kg")) {
					return Match.NO;
				}
			} else if ("age".equals(code)) {
				if (patient.ageYears() == null || !withinBounds(characteristic, patient.ageYears(), "a")) {
					return Match.NO;
				}
			} else if (!patient.conditions().contains(code)) {
				return Match.NO;
			}
		}
		return result;
	}

	private static int conditionCount(MedicationKnowledgeAdministrationGuidelinesComponent band) {
		return (int) band.getPatientCharacteristics().stream()
				.map(c -> code(c.getCharacteristicCodeableConcept()))
				.filter(code -> !BODY_WEIGHT.equals(code) && !"age".equals(code))
				.count();
	}

	private static boolean withinBounds(
			MedicationKnowledgeAdministrationGuidelinesPatientCharacteristicsComponent characteristic,
			BigDecimal value,
			String unit) {
		for (StringType text : characteristic.getValue()) {
			Bound bound = Bound.read(text.getValue());
			if (bound == null || !unit.equals(bound.unit())) {
				throw new IllegalStateException("unreadable dosing bound '" + text.getValue() + "'");
			}
			if (!bound.holds(value)) {
				return false;
			}
		}
		return true;
	}

	private static DosingPlan compute(MedicationKnowledgeAdministrationGuidelinesComponent band, BigDecimal weightKg) {
		BigDecimal maximum = null;
		BigDecimal absolute = null;
		for (Dosage dosage : dosages(band, "maximum-dose")) {
			if (dosage.hasMaxDosePerPeriod()) {
				BigDecimal limit = perDay(dosage.getMaxDosePerPeriod().getNumerator(), weightKg,
						dosage.getMaxDosePerPeriod().getDenominator());
				if (limit == null && isPerKilogram(dosage.getMaxDosePerPeriod().getNumerator())) {
					continue; // a weight-based limit cannot apply without a weight; the absolute limits still do
				}
				maximum = maximum == null || (limit != null && limit.compareTo(maximum) < 0) ? limit : maximum;
				if (!isUsualLimit(dosage)) {
					absolute = absolute == null || (limit != null && limit.compareTo(absolute) < 0) ? limit : absolute;
				}
			}
		}
		BigDecimal starting = capped(firstDailyDose(band, "starting-dose", weightKg), maximum);
		BigDecimal target = capped(firstDailyDose(band, "target-dose", weightKg), maximum);
		Integer minimumInterval = null;
		String usualInterval = null;
		for (Dosage dosage : dosages(band, "target-dose")) {
			minimumInterval = minimumInterval != null ? minimumInterval : days(dosage.getExtensionByUrl(TITRATION_INTERVAL));
			usualInterval = usualInterval != null ? usualInterval : range(dosage.getExtensionByUrl(TITRATION_INTERVAL_RANGE));
		}
		return new DosingPlan(band.getId(), starting, target, maximum, absolute, minimumInterval, usualInterval, false);
	}

	private static BigDecimal firstDailyDose(
			MedicationKnowledgeAdministrationGuidelinesComponent band, String role, BigDecimal weightKg) {
		for (Dosage dosage : dosages(band, role)) {
			if (dosage.getDoseAndRateFirstRep().hasDoseQuantity()) {
				return perDay(dosage.getDoseAndRateFirstRep().getDoseQuantity(), weightKg, null);
			}
		}
		return null;
	}

	/** A daily amount in mg: {@code mg/d}, {@code mg/kg/d} (needs the weight), or mg per a 1-day period. */
	private static BigDecimal perDay(Quantity amount, BigDecimal weightKg, Quantity period) {
		if (period != null && !(period.getValue().compareTo(BigDecimal.ONE) == 0 && "d".equals(period.getCode()))) {
			return null;
		}
		String unit = Objects.requireNonNullElse(amount.getCode(), "");
		BigDecimal value = amount.getValue();
		return switch (unit) {
			case "mg/d", "mg" -> value;
			case "mg/kg/d", "mg/kg" -> weightKg == null ? null : round(value.multiply(weightKg));
			default -> null;
		};
	}

	private static boolean isUsualLimit(Dosage dosage) {
		Extension usual = dosage.getExtensionByUrl(USUAL_LIMIT);
		return usual != null && usual.getValue() instanceof org.hl7.fhir.r4.model.BooleanType b && b.booleanValue();
	}

	private static boolean isPerKilogram(Quantity amount) {
		return amount.getCode() != null && amount.getCode().startsWith("mg/kg");
	}

	private static BigDecimal capped(BigDecimal dose, BigDecimal maximum) {
		return dose == null || maximum == null || dose.compareTo(maximum) <= 0 ? dose : maximum;
	}

	private static BigDecimal round(BigDecimal mg) {
		return mg.setScale(1, RoundingMode.HALF_UP).stripTrailingZeros();
	}

	/** The dosages of a band with this role (CodeSystem dose-role). */
	static List<Dosage> dosages(MedicationKnowledgeAdministrationGuidelinesComponent band, String role) {
		return band.getDosage().stream()
				.filter(d -> d.getType().getCoding().stream()
						.anyMatch(c -> DOSE_ROLE.equals(c.getSystem()) && role.equals(c.getCode())))
				.flatMap(d -> d.getDosage().stream())
				.toList();
	}

	private static Integer days(Extension extension) {
		if (extension == null || !(extension.getValue() instanceof Duration duration)) {
			return null;
		}
		int value = duration.getValue().intValue();
		return switch (Objects.requireNonNullElse(duration.getCode(), "")) {
			case "d" -> value;
			case "wk" -> value * 7;
			default -> null;
		};
	}

	private static String range(Extension extension) {
		if (extension == null || !(extension.getValue() instanceof Range range)) {
			return null;
		}
		return range.getLow().getValue().stripTrailingZeros().toPlainString() + "-"
				+ range.getHigh().getValue().stripTrailingZeros().toPlainString() + " " + range.getHigh().getCode();
	}

	private static DosingPlan withoutBand(DosingPlan plan) {
		return new DosingPlan(null, plan.startingDailyMg(), plan.targetDailyMg(), plan.maximumDailyMg(),
				plan.absoluteMaximumDailyMg(), plan.minimumTitrationIntervalDays(), plan.usualTitrationInterval(), false);
	}

	private static String code(CodeableConcept concept) {
		return concept.getCodingFirstRep().getCode();
	}
}
