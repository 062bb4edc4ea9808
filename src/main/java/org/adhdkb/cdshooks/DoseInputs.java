package org.adhdkb.cdshooks;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.Period;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.adhdkb.guidance.PatientRecord;
import org.adhdkb.medication.DosingCalculator;
import org.adhdkb.medication.DosingPlan;
import org.adhdkb.medication.PatientFacts;
import org.hl7.fhir.r4.model.ActivityDefinition;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.MedicationKnowledge.MedicationKnowledgeAdministrationGuidelinesComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.RelatedArtifact;
import org.hl7.fhir.r4.model.StringType;

/**
 * What a dose check was computed from, in words a prescriber can verify: the weight and when it was measured, the
 * age, the dosing band as the MedicationKnowledge describes it, and the source of the maximum. And whether the weight
 * is too old to rely on for a growing child: the intervals are the measure-weight ActivityDefinition's
 * {@code measurement-interval} extensions (content, with their source), not ours.
 *
 * @param weightKg       the weight dosing used, or null
 * @param weighedOn      the day it was measured, or null
 * @param ageYears       age in whole years, or null
 * @param band           the band in words, or null when none was chosen
 * @param weightMatters  whether the band or its doses depend on weight
 * @param currentFor     how long a weight stays current at this age, or null when the content sets no limit
 */
record DoseInputs(BigDecimal weightKg, LocalDate weighedOn, BigDecimal ageYears, String band, boolean weightMatters,
		Period currentFor, List<String> maximumSources) {

	static final String MEASUREMENT_INTERVAL = "http://adhdkb.org/fhir/StructureDefinition/measurement-interval";
	private static final String STATEMENT_SOURCE = "http://adhdkb.org/fhir/StructureDefinition/statement-source";
	private static final String RELATED_ARTIFACT = "http://adhdkb.org/fhir/StructureDefinition/related-artifact";

	static DoseInputs of(LocalDate weighedOn, PatientFacts facts, MedicationKnowledge medicine, DosingPlan plan,
			ActivityDefinition measureWeight) {
		MedicationKnowledgeAdministrationGuidelinesComponent band = band(medicine, plan);
		return new DoseInputs(facts.weightKg(), weighedOn, facts.ageYears(),
				band == null ? null : words(band), band == null || dependsOnWeight(band),
				currentFor(measureWeight, facts.ageYears()), band == null ? List.of() : maximumSources(medicine, band));
	}

	/** The weight is older than the content allows at this age, and the dose depends on it. */
	boolean weightStale(LocalDate today) {
		return weightMatters && weightKg != null && weighedOn != null && currentFor != null
				&& weighedOn.plus(currentFor).isBefore(today);
	}

	/** A paragraph for the card's detail (markdown). */
	String describe(LocalDate today) {
		List<String> parts = new ArrayList<>();
		if (weightKg != null) {
			parts.add("weight **%s kg**%s".formatted(plain(weightKg),
					weighedOn == null ? "" : " measured on " + weighedOn + (weightStale(today) ? " (out of date)" : "")));
		} else {
			parts.add("no recorded weight");
		}
		parts.add(ageYears == null ? "no recorded age" : "age **%s years**".formatted(plain(ageYears)));
		String text = "Checked with " + String.join(", ", parts) + ".";
		if (band != null) {
			text += " Dosing band: " + band + ".";
		}
		if (!maximumSources.isEmpty()) {
			text += " Maximum from: " + String.join("; ", maximumSources) + ".";
		}
		return text;
	}

	private static MedicationKnowledgeAdministrationGuidelinesComponent band(MedicationKnowledge medicine, DosingPlan plan) {
		return medicine.getAdministrationGuidelines().stream()
				.filter(b -> Objects.equals(b.getId(), plan.band())).findFirst().orElse(null);
	}

	/** The band's patient characteristics in words: "body weight up to 70 kg, age 6 to 17 years". */
	private static String words(MedicationKnowledgeAdministrationGuidelinesComponent band) {
		List<String> parts = new ArrayList<>();
		for (var characteristic : band.getPatientCharacteristics()) {
			var concept = characteristic.getCharacteristicCodeableConcept();
			String name = concept.hasText() ? concept.getText()
					: concept.getCodingFirstRep().hasDisplay() ? concept.getCodingFirstRep().getDisplay()
					: concept.getCodingFirstRep().getCode();
			name = name.length() > 1 && Character.isLowerCase(name.charAt(1))
					? Character.toLowerCase(name.charAt(0)) + name.substring(1) : name;
			String bounds = bounds(characteristic.getValue());
			parts.add(bounds.isEmpty() ? name : name + " " + bounds);
		}
		return parts.isEmpty() ? "all patients" : String.join(", ", parts);
	}

	private static String bounds(List<StringType> values) {
		String low = null;
		String high = null;
		List<String> words = new ArrayList<>();
		for (StringType value : values) {
			DosingCalculator.Bound bound = DosingCalculator.Bound.read(value.getValue());
			if (bound == null) {
				words.add(value.getValue());
				continue;
			}
			String amount = bound.value().toPlainString() + " " + ("a".equals(bound.unit()) ? "years" : bound.unit());
			switch (bound.comparator()) {
				case ">=" -> low = amount;
				case "<=" -> high = amount;
				case "<" -> words.add("under " + amount);
				default -> words.add("over " + amount);
			}
		}
		if (low != null && high != null) {
			words.add(0, low.substring(0, low.indexOf(' ')) + " to " + high);
		} else if (low != null) {
			words.add(0, low + " or more");
		} else if (high != null) {
			words.add(0, "up to " + high);
		}
		return String.join(" and ", words);
	}

	private static boolean dependsOnWeight(MedicationKnowledgeAdministrationGuidelinesComponent band) {
		boolean weightBand = band.getPatientCharacteristics().stream().anyMatch(c -> PatientRecord.hasCode(
				c.getCharacteristicCodeableConcept(), PatientRecord.LOINC, PatientRecord.BODY_WEIGHT));
		boolean perKilogram = band.getDosage().stream().flatMap(d -> d.getDosage().stream()).anyMatch(d ->
				d.getDoseAndRate().stream().anyMatch(r -> r.hasDoseQuantity() && perKg(r.getDoseQuantity()))
						|| d.hasMaxDosePerPeriod() && perKg(d.getMaxDosePerPeriod().getNumerator()));
		return weightBand || perKilogram;
	}

	private static boolean perKg(Quantity quantity) {
		String unit = quantity.hasCode() ? quantity.getCode() : quantity.getUnit();
		return unit != null && unit.contains("/kg");
	}

	/** The interval of the measure-weight ActivityDefinition for this age; null when none applies. */
	private static Period currentFor(ActivityDefinition measureWeight, BigDecimal ageYears) {
		if (measureWeight == null || ageYears == null) {
			return null;
		}
		for (Extension extension : measureWeight.getExtensionsByUrl(MEASUREMENT_INTERVAL)) {
			Range age = (Range) extension.getExtensionByUrl("age").getValue();
			Quantity interval = (Quantity) extension.getExtensionByUrl("interval").getValue();
			boolean fits = (!age.hasLow() || ageYears.compareTo(age.getLow().getValue()) >= 0)
					&& (!age.hasHigh() || ageYears.compareTo(age.getHigh().getValue()) <= 0);
			if (fits) {
				int n = interval.getValue().intValue();
				return switch (interval.getCode()) {
					case "mo" -> Period.ofMonths(n);
					case "wk" -> Period.ofWeeks(n);
					case "d" -> Period.ofDays(n);
					case "a" -> Period.ofYears(n);
					default -> throw new IllegalStateException("measurement-interval in unknown unit " + interval.getCode());
				};
			}
		}
		return null;
	}

	/** The sources of the band's maximum, as the MedicationKnowledge names them (its related-artifact extensions). */
	private static List<String> maximumSources(MedicationKnowledge medicine,
			MedicationKnowledgeAdministrationGuidelinesComponent band) {
		Set<String> ids = new LinkedHashSet<>();
		band.getDosage().stream()
				.filter(d -> d.getType().getCoding().stream().anyMatch(c -> "maximum-dose".equals(c.getCode())))
				.flatMap(d -> d.getDosage().stream())
				.flatMap(d -> d.getExtensionsByUrl(STATEMENT_SOURCE).stream())
				.forEach(e -> ids.add(e.getValue().primitiveValue()));
		List<String> named = new ArrayList<>();
		for (String id : ids) {
			String display = id;
			for (Extension related : medicine.getExtensionsByUrl(RELATED_ARTIFACT)) {
				if (related.getValue() instanceof RelatedArtifact artifact && id.equals(artifact.getLabel())) {
					display = artifact.hasDisplay() ? artifact.getDisplay() : id;
				}
			}
			named.add(display);
		}
		return named;
	}

	private static String plain(BigDecimal value) {
		return value.stripTrailingZeros().toPlainString();
	}
}
