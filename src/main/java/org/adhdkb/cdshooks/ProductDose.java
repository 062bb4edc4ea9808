package org.adhdkb.cdshooks;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import org.adhdkb.guidance.KnowledgeArtifacts;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Dosage;
import org.hl7.fhir.r4.model.IdType;
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
 * <p>The strength of one unit is read from the product's Medication resource ({@code Medication/rxnorm-{code}},
 * {@code ingredient.strength}, the sum over the ingredients of a combination), not from display text.
 *
 * @param mgPerUnit  mg of the medicine in one unit of the product
 * @param unitCode   the UCUM code of the unit ({@code {capsule}}, {@code {tablet}}, {@code mL})
 * @param unitName   the unit in words ("capsule")
 * @param step       the smallest amount of the unit a dose can be (1 for a unit, 0.1 for mL), or null when the form
 *                   is not one a dose can be counted in (a patch worn for hours)
 * @param form       the product's dose form code, to find other strengths of the same form
 */
record ProductDose(BigDecimal mgPerUnit, String unitCode, String unitName, BigDecimal step, String form) {

	private static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
	private static final String UCUM = "http://unitsofmeasure.org";

	/** The ordered product's strength; null when the order names no product we describe (an ingredient order). */
	static ProductDose of(CodeableConcept ordered, KnowledgeArtifacts artifacts, RequestDetails request) {
		for (Coding coding : ordered.getCoding()) {
			if (RXNORM.equals(coding.getSystem()) && coding.hasCode()) {
				ProductDose dose = of(coding.getCode(), artifacts, request);
				if (dose != null) {
					return dose;
				}
			}
		}
		return null;
	}

	private static ProductDose of(String rxnorm, KnowledgeArtifacts artifacts, RequestDetails request) {
		Medication product;
		try {
			product = artifacts.byId(Medication.class, new IdType("Medication", "rxnorm-" + rxnorm), request);
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			return null;
		}
		BigDecimal mg = BigDecimal.ZERO;
		Quantity unit = null;
		for (Medication.MedicationIngredientComponent ingredient : product.getIngredient()) {
			Ratio strength = ingredient.getStrength();
			if (!"mg".equals(strength.getNumerator().getCode()) || !strength.getDenominator().hasValue()
					|| strength.getDenominator().getValue().signum() <= 0
					|| unit != null && !Objects.equals(unit.getCode(), strength.getDenominator().getCode())) {
				return null;
			}
			unit = strength.getDenominator();
			mg = mg.add(strength.getNumerator().getValue().divide(unit.getValue(), 6, RoundingMode.HALF_UP));
		}
		if (unit == null || mg.signum() <= 0) {
			return null;
		}
		String code = unit.getCode();
		BigDecimal step = code.startsWith("{") && !code.equals("{patch}") ? BigDecimal.ONE
				: code.equals("mL") ? new BigDecimal("0.1") : null;
		return new ProductDose(mg.stripTrailingZeros(), code, unit.hasUnit() ? unit.getUnit() : code, step,
				product.getForm().getCodingFirstRep().getCode());
	}

	/** Units per dose that give at most {@code perDoseMg}; zero when not even the smallest step fits. */
	BigDecimal unitsFor(BigDecimal perDoseMg) {
		if (step == null) {
			return BigDecimal.ZERO;
		}
		BigDecimal steps = perDoseMg.divide(mgPerUnit.multiply(step), 0, RoundingMode.FLOOR);
		return steps.multiply(step).stripTrailingZeros();
	}

	/**
	 * The draft with {@code units} of the product per administration (timing unchanged) and the daily total as its
	 * maximum per day.
	 */
	MedicationRequest apply(MedicationRequest draft, BigDecimal units, BigDecimal administrations) {
		MedicationRequest corrected = draft.copy();
		BigDecimal perDoseMg = units.multiply(mgPerUnit).stripTrailingZeros();
		BigDecimal dailyMg = perDoseMg.multiply(administrations).stripTrailingZeros();
		for (Dosage dosage : corrected.getDosageInstruction()) {
			dosage.getDoseAndRateFirstRep().setDose(new Quantity().setValue(units).setUnit(unitName).setSystem(UCUM)
					.setCode(unitCode));
			dosage.setMaxDosePerPeriod(new Ratio()
					.setNumerator(new Quantity().setValue(dailyMg).setUnit("mg").setSystem(UCUM).setCode("mg"))
					.setDenominator(new Quantity().setValue(1).setUnit("day").setSystem(UCUM).setCode("d")));
			dosage.setText(amount(units) + " (" + plain(perDoseMg) + " mg) " + often(administrations));
		}
		return corrected;
	}

	/** "2 capsules", "1 tablet", "2.5 mL". */
	String amount(BigDecimal units) {
		String unit = unitCode.startsWith("{") && units.compareTo(BigDecimal.ONE) != 0 ? unitName + "s" : unitName;
		return plain(units) + " " + unit;
	}

	/** The mg per unit of the other products of the medicine in the same form and unit, at most {@code perDoseMg}. */
	List<String> smallerStrengths(MedicationKnowledge medicine, BigDecimal perDoseMg, KnowledgeArtifacts artifacts,
			RequestDetails request) {
		TreeSet<BigDecimal> strengths = new TreeSet<>();
		for (Coding coding : medicine.getCode().getCoding()) {
			if (!RXNORM.equals(coding.getSystem())) {
				continue;
			}
			ProductDose other = of(coding.getCode(), artifacts, request);
			if (other != null && Objects.equals(other.form, form) && other.unitCode.equals(unitCode)
					&& other.mgPerUnit.compareTo(perDoseMg) <= 0) {
				strengths.add(other.mgPerUnit);
			}
		}
		return strengths.stream().map(s -> plain(s) + " mg").toList();
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
