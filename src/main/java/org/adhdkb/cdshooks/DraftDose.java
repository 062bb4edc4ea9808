package org.adhdkb.cdshooks;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Dosage;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Timing;

/**
 * The daily amount a (draft) MedicationRequest orders, in mg, read from its structured dosage instructions. When it
 * cannot be read, {@link #problem()} says why in words a prescriber understands, and nothing is guessed.
 *
 * @param dailyMg          the ordered amount per day (the largest the instructions allow), or null
 * @param administrations  doses per day, or null when unknown
 * @param problem          why the amount could not be read, or null
 */
record DraftDose(BigDecimal dailyMg, BigDecimal administrations, String problem) {

	private static final String UCUM = "http://unitsofmeasure.org";
	private static final String GTS = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation";
	/** Common timing abbreviations (HL7 v3 GTSAbbreviation) that fix the doses per day. */
	private static final Map<String, Integer> DOSES_PER_DAY = Map.of("QD", 1, "AM", 1, "PM", 1, "BID", 2, "TID", 3, "QID", 4);
	private static final Pattern STRENGTH = Pattern.compile("(\\d+(?:\\.\\d+)?) MG\\b");

	static DraftDose of(MedicationRequest order) {
		if (!order.hasDosageInstruction()) {
			return unreadable("the order has no dosage instructions");
		}
		BigDecimal total = BigDecimal.ZERO;
		BigDecimal administrations = BigDecimal.ZERO;
		for (Dosage dosage : order.getDosageInstruction()) {
			Quantity dose = dose(dosage);
			if (dose == null) {
				return unreadable(dosage.hasText()
						? "the dose is given only as text (\"" + dosage.getText() + "\")"
						: "a dosage instruction has no dose");
			}
			if (!isMilligrams(dose)) {
				return unreadable("the dose is given in " + (dose.hasUnit() ? "'" + dose.getUnit() + "'" : "no unit")
						+ ", not in mg");
			}
			BigDecimal perDay = dosesPerDay(dosage.getTiming());
			if (perDay == null) {
				return unreadable("the instructions do not say how often a dose is taken");
			}
			total = total.add(dose.getValue().multiply(perDay));
			administrations = administrations.add(perDay);
		}
		return new DraftDose(total.setScale(1, RoundingMode.HALF_UP).stripTrailingZeros(), administrations, null);
	}

	boolean known() {
		return dailyMg != null;
	}

	/** The draft with its dose changed so that it orders {@code dailyMg} a day in the same number of doses. */
	MedicationRequest withDailyDose(MedicationRequest draft, BigDecimal newDailyMg) {
		MedicationRequest corrected = draft.copy();
		BigDecimal perDose = newDailyMg.divide(administrations, 1, RoundingMode.DOWN).stripTrailingZeros();
		for (Dosage dosage : corrected.getDosageInstruction()) {
			Dosage.DosageDoseAndRateComponent doseAndRate = dosage.getDoseAndRateFirstRep();
			doseAndRate.setDose(new Quantity().setValue(perDose).setUnit("mg").setSystem(UCUM).setCode("mg"));
			dosage.setText(null);
		}
		return corrected;
	}

	/**
	 * The strength in mg of one unit of the product a coding names, read from the product's RxNorm clinical drug
	 * (SCD) name as our MedicationKnowledge publishes it. RxNorm normalises SCD names to "ingredient strength MG form",
	 * with " / " between the ingredients of a combination, so the sum of the "n MG" parts is the strength of one unit.
	 */
	static BigDecimal unitStrengthMg(Coding ordered, MedicationKnowledge medicine) {
		for (Coding coding : medicine.getCode().getCoding()) {
			if (coding.hasCode() && coding.getCode().equals(ordered.getCode()) && coding.getSystem().equals(ordered.getSystem())
					&& coding.hasDisplay()) {
				Matcher m = STRENGTH.matcher(coding.getDisplay());
				BigDecimal sum = null;
				while (m.find()) {
					sum = (sum == null ? BigDecimal.ZERO : sum).add(new BigDecimal(m.group(1)));
				}
				return sum;
			}
		}
		return null;
	}

	/** The dose form part of an RxNorm clinical drug name: what follows the last "n MG". */
	static String doseForm(String scdName) {
		Matcher m = STRENGTH.matcher(scdName == null ? "" : scdName);
		int end = -1;
		while (m.find()) {
			end = m.end();
		}
		return end < 0 ? "" : scdName.substring(end).strip();
	}

	private static DraftDose unreadable(String problem) {
		return new DraftDose(null, null, problem);
	}

	/** The dose of one administration; for a range, its upper end (what the order allows at most). */
	private static Quantity dose(Dosage dosage) {
		if (!dosage.hasDoseAndRate()) {
			return null;
		}
		Dosage.DosageDoseAndRateComponent doseAndRate = dosage.getDoseAndRateFirstRep();
		if (doseAndRate.hasDoseQuantity() && doseAndRate.getDoseQuantity().hasValue()) {
			return doseAndRate.getDoseQuantity();
		}
		if (doseAndRate.hasDoseRange() && doseAndRate.getDoseRange().getHigh().hasValue()) {
			return doseAndRate.getDoseRange().getHigh();
		}
		return null;
	}

	private static boolean isMilligrams(Quantity quantity) {
		String unit = quantity.hasCode() ? quantity.getCode() : quantity.getUnit();
		return "mg".equals(unit) && (!quantity.hasSystem() || UCUM.equals(quantity.getSystem()) || !quantity.hasCode());
	}

	/** Doses per day from a timing: repeat frequency (its maximum) per period, or a GTS abbreviation; else null. */
	private static BigDecimal dosesPerDay(Timing timing) {
		if (timing.hasRepeat() && timing.getRepeat().hasPeriod() && timing.getRepeat().hasPeriodUnit()) {
			Timing.TimingRepeatComponent repeat = timing.getRepeat();
			int frequency = repeat.hasFrequencyMax() ? repeat.getFrequencyMax() : repeat.hasFrequency() ? repeat.getFrequency() : 1;
			BigDecimal periodDays = switch (repeat.getPeriodUnit()) {
				case H -> repeat.getPeriod().divide(BigDecimal.valueOf(24), 6, RoundingMode.HALF_UP);
				case D -> repeat.getPeriod();
				case WK -> repeat.getPeriod().multiply(BigDecimal.valueOf(7));
				default -> null;
			};
			if (periodDays == null || periodDays.signum() <= 0) {
				return null;
			}
			return BigDecimal.valueOf(frequency).divide(periodDays, 6, RoundingMode.HALF_UP).stripTrailingZeros();
		}
		if (timing.hasCode()) {
			for (Coding coding : timing.getCode().getCoding()) {
				Integer perDay = GTS.equals(coding.getSystem()) ? DOSES_PER_DAY.get(coding.getCode()) : null;
				if (perDay != null) {
					return BigDecimal.valueOf(perDay);
				}
			}
		}
		return null;
	}
}
