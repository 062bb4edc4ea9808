package org.adhdkb.cdshooks;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.adhdkb.medication.UnitStrength;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Dosage;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Ratio;
import org.hl7.fhir.r4.model.Timing;

/**
 * The daily amount a (draft) MedicationRequest orders, in mg, read from its structured dosage instructions as EHRs
 * write them: a dose in mg, in units of the product (tablets, capsules, transdermal systems: UCUM annotations, HL7 v3
 * orderableDrugForm codes or plain unit text), in mL of a liquid, or as a rate; a dose range (its upper end); timing
 * by frequency and period, {@code when} events or a timing abbreviation; as needed with a maximum per period; several
 * instructions. Units are converted with the ordered product's {@link UnitStrength}, never guessed. When the amount
 * cannot be read, {@link #problem()} says what is missing in words a prescriber understands. The fast path of the
 * content's Library AdhdOrderDose ("Daily dose"): the order services read each draft order here and give the CQL the
 * result as the parameter "Draft order doses" ({@link OrderReview}), because reading an order in CQL costs about 4 ms
 * of CPU per call. DraftDoseFastPathTest proves the two equal on every draft order of the case files and a generated
 * sweep of order shapes, and DraftDoseTest checks this one against orders as EHRs write them; an engine that does not
 * pass the parameter (the reference engine) reads the orders in CQL.
 *
 * @param dailyMg         the ordered amount per day (the largest the instructions allow), or null
 * @param administrations doses per day, or null when unknown
 * @param problem         why the amount could not be read, or null
 */
record DraftDose(BigDecimal dailyMg, BigDecimal administrations, String problem) {

	private static final String UCUM = "http://unitsofmeasure.org";
	private static final String GTS = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation";
	private static final String ORDERABLE_DRUG_FORM = "http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm";
	private static final BigDecimal HOURS_PER_DAY = BigDecimal.valueOf(24);
	/** FHIR R4 timing abbreviations (HL7 v3 GTSAbbreviation) that fix the doses per day. */
	private static final Map<String, BigDecimal> DOSES_PER_DAY = Map.ofEntries(
			Map.entry("QD", BigDecimal.ONE), Map.entry("AM", BigDecimal.ONE), Map.entry("PM", BigDecimal.ONE),
			Map.entry("BED", BigDecimal.ONE), Map.entry("BID", BigDecimal.valueOf(2)), Map.entry("TID", BigDecimal.valueOf(3)),
			Map.entry("QID", BigDecimal.valueOf(4)), Map.entry("QOD", new BigDecimal("0.5")),
			Map.entry("Q1H", BigDecimal.valueOf(24)), Map.entry("Q2H", BigDecimal.valueOf(12)), Map.entry("Q3H", BigDecimal.valueOf(8)),
			Map.entry("Q4H", BigDecimal.valueOf(6)), Map.entry("Q6H", BigDecimal.valueOf(4)), Map.entry("Q8H", BigDecimal.valueOf(3)));

	/** What a dose unit is, whichever way the order writes it. */
	private enum Unit { MG, MICROGRAM, GRAM, ML, TABLET, CAPSULE, PATCH }

	/** An amount in mg, or why it cannot be had. */
	private record Amount(BigDecimal mg, String problem) {
		static Amount of(BigDecimal mg) {
			return new Amount(mg, null);
		}

		static Amount missing(String problem) {
			return new Amount(null, problem);
		}
	}

	/** Reads an order whose dose is in mg (or which names no product adhdkb knows). */
	static DraftDose of(MedicationRequest order) {
		return of(order, null, null);
	}

	/** Reads the order with the ordered product's strength ({@code null}: only amounts in mg can be read). */
	static DraftDose of(MedicationRequest order, UnitStrength strength, String productName) {
		if (!order.hasDosageInstruction()) {
			return unreadable("the order has no dosage instructions");
		}
		// Instructions with the same sequence number (or none) are taken together; different sequences follow one
		// another (FHIR Dosage.sequence), so the most the order gives a day is the largest of the sequences.
		Map<Integer, BigDecimal[]> sequences = new TreeMap<>();
		for (Dosage dosage : order.getDosageInstruction()) {
			BigDecimal perDay = dosesPerDay(dosage.getTiming());
			Amount daily = daily(dosage, perDay, strength, productName);
			if (daily.problem() != null) {
				return unreadable(daily.problem());
			}
			BigDecimal[] sum = sequences.computeIfAbsent(dosage.hasSequence() ? dosage.getSequence() : 0,
					s -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
			sum[0] = sum[0].add(daily.mg());
			sum[1] = sum[1].add(perDay != null ? perDay : BigDecimal.ONE);
		}
		BigDecimal[] most = sequences.values().stream().max((a, b) -> a[0].compareTo(b[0])).orElseThrow();
		return new DraftDose(most[0].setScale(1, RoundingMode.HALF_UP).stripTrailingZeros(), most[1], null);
	}

	boolean known() {
		return dailyMg != null;
	}

	private static DraftDose unreadable(String problem) {
		return new DraftDose(null, null, problem);
	}

	/** The most one instruction gives a day. */
	private static Amount daily(Dosage dosage, BigDecimal perDay, UnitStrength strength, String productName) {
		BigDecimal maxPerDay = null;
		if (dosage.hasMaxDosePerPeriod()) {
			Ratio limit = dosage.getMaxDosePerPeriod();
			Amount amount = amount(limit.getNumerator(), dosage, strength, productName);
			if (amount.problem() != null) {
				return amount;
			}
			BigDecimal days = days(limit.getDenominator());
			if (days == null) {
				return Amount.missing("the maximum per period has a period adhdkb cannot read");
			}
			maxPerDay = amount.mg().divide(days, 6, RoundingMode.HALF_UP);
		}
		Amount perAdministration = perAdministration(dosage, strength, productName);
		if (perAdministration.problem() != null && (maxPerDay == null || hasDose(dosage))) {
			return perAdministration;
		}
		if (perAdministration.mg() != null && perDay != null) {
			BigDecimal daily = perAdministration.mg().multiply(perDay);
			return Amount.of(maxPerDay != null ? daily.min(maxPerDay) : daily);
		}
		if (maxPerDay != null) {
			return Amount.of(maxPerDay);
		}
		return Amount.missing(isAsNeeded(dosage)
				? "the dose is taken as needed, and the order gives neither how often nor a maximum per period"
				: "the instructions do not say how often a dose is taken");
	}

	/** The amount of one administration: a dose (a range at its upper end: what the order allows at most) or a rate. */
	private static Amount perAdministration(Dosage dosage, UnitStrength strength, String productName) {
		// read without getDoseAndRateFirstRep(), which would add an empty element to the draft
		Dosage.DosageDoseAndRateComponent doseAndRate = dosage.hasDoseAndRate() ? dosage.getDoseAndRate().get(0)
				: new Dosage.DosageDoseAndRateComponent();
		Quantity dose = null;
		if (doseAndRate.hasDoseQuantity() && doseAndRate.getDoseQuantity().hasValue()) {
			dose = doseAndRate.getDoseQuantity();
		} else if (doseAndRate.hasDoseRange() && doseAndRate.getDoseRange().getHigh().hasValue()) {
			dose = doseAndRate.getDoseRange().getHigh();
		}
		if (dose != null) {
			return amount(dose, dosage, strength, productName);
		}
		Amount rate = rate(doseAndRate);
		if (rate != null) {
			if (rate.problem() != null) {
				return rate;
			}
			BigDecimal hours = wearHours(dosage.getTiming());
			return hours == null
					? Amount.missing("the order gives a rate but not for how long it is given (timing.repeat.duration)")
					: Amount.of(rate.mg().multiply(hours));
		}
		return Amount.missing(dosage.hasText()
				? "the dose is given only as text (\"" + dosage.getText() + "\")"
				: "a dosage instruction has no dose");
	}

	private static boolean hasDose(Dosage dosage) {
		return dosage.hasDoseAndRate() && (dosage.getDoseAndRate().get(0).hasDose() || dosage.getDoseAndRate().get(0).hasRate());
	}

	/** An amount in mg from a dose in mg, in units of the product, or in mL. */
	private static Amount amount(Quantity quantity, Dosage dosage, UnitStrength strength, String productName) {
		Unit unit = unit(quantity);
		if (unit == null) {
			return Amount.missing("the dose is given in " + (quantity.hasUnit() || quantity.hasCode()
					? "'" + (quantity.hasUnit() ? quantity.getUnit() : quantity.getCode()) + "'" : "no unit")
					+ ", which adhdkb cannot convert to mg");
		}
		BigDecimal value = quantity.getValue();
		switch (unit) {
			case MG:
				return Amount.of(value);
			case MICROGRAM:
				return Amount.of(value.movePointLeft(3));
			case GRAM:
				return Amount.of(value.movePointRight(3));
			default:
				break;
		}
		String given = unit == Unit.ML ? "mL" : unit == Unit.PATCH ? "patches" : unit.name().toLowerCase(Locale.ROOT) + "s";
		if (strength == null) {
			return Amount.missing("the dose is given in " + given
					+ ", and the order names no product whose strength adhdkb knows, so it cannot be converted to mg");
		}
		String product = productName == null ? "the ordered product" : productName;
		switch (strength.per()) {
			case ML:
				return unit == Unit.ML ? Amount.of(value.multiply(strength.mg()))
						: Amount.missing("the dose is given in " + given + ", but " + product + " is a liquid dosed in mL");
			case HOUR_OF_WEAR:
				if (unit != Unit.PATCH) {
					return Amount.missing("the dose is given in " + given + ", but " + product + " is a transdermal system");
				}
				BigDecimal hours = wearHours(dosage.getTiming());
				return hours == null
						? Amount.missing("the order does not say how long each transdermal system is worn (timing.repeat.duration)")
						: Amount.of(value.multiply(strength.mg()).multiply(hours));
			default:
				boolean matches = (unit == Unit.TABLET && strength.per() == UnitStrength.Per.TABLET)
						|| (unit == Unit.CAPSULE && strength.per() == UnitStrength.Per.CAPSULE);
				return matches ? Amount.of(value.multiply(strength.mg()))
						: Amount.missing("the dose is given in " + given + ", but " + product + " is dosed per "
								+ strength.per().words());
		}
	}

	/** A rate in mg per hour (mg/h, or mg per a time), null when the order gives none. */
	private static Amount rate(Dosage.DosageDoseAndRateComponent doseAndRate) {
		if (doseAndRate.hasRateQuantity()) {
			Quantity rate = doseAndRate.getRateQuantity();
			String unit = rate.hasCode() ? rate.getCode() : rate.getUnit();
			return "mg/h".equals(unit) ? Amount.of(rate.getValue())
					: Amount.missing("the rate is given in " + (unit == null ? "no unit" : "'" + unit + "'") + ", not in mg/h");
		}
		if (doseAndRate.hasRateRatio()) {
			Ratio rate = doseAndRate.getRateRatio();
			BigDecimal days = days(rate.getDenominator());
			if (unit(rate.getNumerator()) != Unit.MG || days == null) {
				return Amount.missing("the rate is not given in mg per a time adhdkb can read");
			}
			return Amount.of(rate.getNumerator().getValue().divide(days.multiply(HOURS_PER_DAY), 6, RoundingMode.HALF_UP));
		}
		return null;
	}

	/** The unit of a dose: UCUM code, HL7 v3 orderableDrugForm code, or the plain unit text an EHR writes. */
	private static Unit unit(Quantity quantity) {
		if (ORDERABLE_DRUG_FORM.equals(quantity.getSystem()) && quantity.hasCode()) {
			String form = quantity.getCode().toUpperCase(Locale.ROOT);
			return form.contains("PATCH") ? Unit.PATCH : form.contains("TAB") ? Unit.TABLET : form.contains("CAP") ? Unit.CAPSULE : null;
		}
		String written = UCUM.equals(quantity.getSystem()) && quantity.hasCode() ? quantity.getCode()
				: quantity.hasUnit() ? quantity.getUnit() : quantity.getCode();
		if (written == null) {
			return null;
		}
		String word = written.strip().toLowerCase(Locale.ROOT).replaceAll("^\\{|}$", "").replace("(s)", "").strip();
		return switch (word) {
			case "mg", "milligram", "milligrams" -> Unit.MG;
			case "ug", "mcg", "microgram", "micrograms" -> Unit.MICROGRAM;
			case "g", "gram", "grams" -> Unit.GRAM;
			case "ml", "milliliter", "milliliters", "millilitre", "millilitres" -> Unit.ML;
			case "tablet", "tablets", "tab", "tabs", "tbl" -> Unit.TABLET;
			case "capsule", "capsules", "cap", "caps" -> Unit.CAPSULE;
			case "patch", "patches", "system", "systems", "transdermal system", "transdermal systems" -> Unit.PATCH;
			default -> null;
		};
	}

	/** How long one administration lasts (a transdermal system's wear), in hours; its maximum when a range. */
	private static BigDecimal wearHours(Timing timing) {
		Timing.TimingRepeatComponent repeat = timing.getRepeat();
		if (!repeat.hasDuration() || !repeat.hasDurationUnit()) {
			return null;
		}
		BigDecimal duration = repeat.hasDurationMax() ? repeat.getDurationMax() : repeat.getDuration();
		BigDecimal days = days(repeat.getDurationUnit().toCode(), duration);
		return days == null ? null : days.multiply(HOURS_PER_DAY);
	}

	/**
	 * Doses per day: repeat frequency (its maximum) per period, the {@code when} and {@code timeOfDay} events of a day
	 * (the larger of the two when both are given), or a timing abbreviation; else null.
	 */
	private static BigDecimal dosesPerDay(Timing timing) {
		Timing.TimingRepeatComponent repeat = timing.getRepeat();
		int events = repeat.getWhen().size() + repeat.getTimeOfDay().size();
		if (repeat.hasPeriod() && repeat.hasPeriodUnit()) {
			int frequency = repeat.hasFrequencyMax() ? repeat.getFrequencyMax() : repeat.hasFrequency() ? repeat.getFrequency() : 1;
			BigDecimal periodDays = days(repeat.getPeriodUnit().toCode(), repeat.getPeriod());
			if (periodDays == null || periodDays.signum() <= 0) {
				return null;
			}
			BigDecimal perDay = BigDecimal.valueOf(frequency).divide(periodDays, 6, RoundingMode.HALF_UP).stripTrailingZeros();
			return events > 0 && periodDays.compareTo(BigDecimal.ONE) <= 0 ? perDay.max(BigDecimal.valueOf(events)) : perDay;
		}
		if (events > 0) {
			return BigDecimal.valueOf(events); // each event is a time of every day
		}
		if (timing.hasCode()) {
			for (Coding coding : timing.getCode().getCoding()) {
				BigDecimal perDay = !coding.hasSystem() || GTS.equals(coding.getSystem()) ? DOSES_PER_DAY.get(coding.getCode()) : null;
				if (perDay != null) {
					return perDay;
				}
			}
		}
		return null;
	}

	/** A UCUM time quantity in days, or null. */
	private static BigDecimal days(Quantity period) {
		if (period == null || !period.hasValue()) {
			return null;
		}
		return days(period.hasCode() ? period.getCode() : period.getUnit(), period.getValue());
	}

	private static BigDecimal days(String unit, BigDecimal value) {
		if (unit == null || value == null) {
			return null;
		}
		return switch (unit) {
			case "min" -> value.divide(BigDecimal.valueOf(24 * 60), 9, RoundingMode.HALF_UP);
			case "h" -> value.divide(HOURS_PER_DAY, 9, RoundingMode.HALF_UP);
			case "d" -> value;
			case "wk" -> value.multiply(BigDecimal.valueOf(7));
			default -> null;
		};
	}

	private static boolean isAsNeeded(Dosage dosage) {
		return dosage.hasAsNeededBooleanType() ? dosage.getAsNeededBooleanType().booleanValue() : dosage.hasAsNeededCodeableConcept();
	}
}
