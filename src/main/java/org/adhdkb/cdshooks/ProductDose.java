package org.adhdkb.cdshooks;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

import org.adhdkb.medication.UnitStrength;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Dosage;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Ratio;

/**
 * A corrected dose in units of the ordered product, so that the client can apply it: the product of the order stays
 * (same medication, same text), the dose per administration becomes whole units (or tenths of a mL for a liquid),
 * rounded down so it is never above what was asked, and the daily total goes into {@code maxDosePerPeriod}.
 *
 * <p>The strength of one unit is the product's {@link UnitStrength}, the one reader of {@code Medication.ingredient
 * .strength} (which ingredients count, and in which unit).
 *
 * @param product  the ordered product's Medication
 * @param strength mg of the line's medicine in one unit of the product
 * @param step     the smallest amount of the unit a dose can be (1 for a tablet or capsule, 0.1 for mL), or null when
 *                 the form is not one a dose can be counted in (a patch worn for hours)
 */
record ProductDose(Medication product, UnitStrength strength, BigDecimal step) {

	private static final String UCUM = "http://unitsofmeasure.org";
	private static final BigDecimal TENTH = new BigDecimal("0.1");

	/** The ordered product's dose unit; null when the order names no product we can read a strength of. */
	static ProductDose of(Medication product, MedicationKnowledge line) {
		UnitStrength strength = UnitStrength.of(product, line);
		if (strength == null || strength.mg().signum() <= 0) {
			return null;
		}
		BigDecimal step = switch (strength.per()) {
			case TABLET, CAPSULE -> BigDecimal.ONE;
			case ML -> TENTH;
			case HOUR_OF_WEAR -> null;
		};
		return new ProductDose(product, strength, step);
	}

	BigDecimal mgPerUnit() {
		return strength.mg();
	}

	String unitName() {
		return strength.per().words();
	}

	/** Units per dose that give at most {@code perDoseMg}; zero when not even the smallest step fits. */
	BigDecimal unitsFor(BigDecimal perDoseMg) {
		if (step == null) {
			return BigDecimal.ZERO;
		}
		BigDecimal steps = perDoseMg.divide(mgPerUnit().multiply(step), 0, RoundingMode.FLOOR);
		return steps.multiply(step).stripTrailingZeros();
	}

	/**
	 * The draft with {@code units} of the product per administration (timing unchanged) and the daily total as its
	 * maximum per day.
	 */
	MedicationRequest apply(MedicationRequest draft, BigDecimal units, BigDecimal administrations) {
		MedicationRequest corrected = draft.copy();
		BigDecimal perDoseMg = units.multiply(mgPerUnit()).stripTrailingZeros();
		BigDecimal dailyMg = perDoseMg.multiply(administrations).stripTrailingZeros();
		for (Dosage dosage : corrected.getDosageInstruction()) {
			dosage.getDoseAndRateFirstRep().setDose(new Quantity().setValue(units).setUnit(unitName()).setSystem(UCUM)
					.setCode(strength.per().ucum()));
			dosage.getDoseAndRateFirstRep().setRate(null);
			dosage.setMaxDosePerPeriod(new Ratio()
					.setNumerator(new Quantity().setValue(dailyMg).setUnit("mg").setSystem(UCUM).setCode("mg"))
					.setDenominator(new Quantity().setValue(1).setUnit("day").setSystem(UCUM).setCode("d")));
			dosage.setText(amount(units) + " (" + plain(perDoseMg) + " mg) " + often(administrations));
		}
		return corrected;
	}

	/** "2 capsules", "1 tablet", "2.5 mL". */
	String amount(BigDecimal units) {
		boolean counted = strength.per() == UnitStrength.Per.TABLET || strength.per() == UnitStrength.Per.CAPSULE;
		return plain(units) + " " + (counted && units.compareTo(BigDecimal.ONE) != 0 ? unitName() + "s" : unitName());
	}

	/** The mg per unit of the line's other products in the same form and unit, at most {@code perDoseMg}. */
	List<String> smallerStrengths(List<Medication> lineProducts, MedicationKnowledge line, BigDecimal perDoseMg) {
		TreeSet<BigDecimal> strengths = new TreeSet<>();
		for (Medication other : lineProducts) {
			UnitStrength otherStrength = UnitStrength.of(other, line);
			if (otherStrength != null && otherStrength.per() == strength.per() && sameForm(other, product)
					&& otherStrength.mg().compareTo(perDoseMg) <= 0) {
				strengths.add(otherStrength.mg());
			}
		}
		return strengths.stream().map(s -> plain(s) + " mg").toList();
	}

	private static boolean sameForm(Medication a, Medication b) {
		for (Coding form : a.getForm().getCoding()) {
			if (b.getForm().getCoding().stream().anyMatch(o -> Objects.equals(form.getSystem(), o.getSystem())
					&& Objects.equals(form.getCode(), o.getCode()))) {
				return true;
			}
		}
		return false;
	}

	static String often(BigDecimal administrations) {
		if (administrations.stripTrailingZeros().scale() > 0) {
			return plain(administrations) + " times a day";
		}
		return switch (administrations.intValue()) {
			case 1 -> "once daily";
			case 2 -> "twice daily";
			case 3 -> "three times daily";
			default -> administrations.intValue() + " times daily";
		};
	}

	private static String plain(BigDecimal value) {
		return value.stripTrailingZeros().toPlainString();
	}
}
