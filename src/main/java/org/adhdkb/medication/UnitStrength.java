package org.adhdkb.medication;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.Ratio;

/**
 * The amount of a product in the unit its line is dosed in (mg), per one unit of the product: per tablet, capsule,
 * mL, or per hour of wear for a transdermal system. Read from the Medication's ingredient strengths (UCUM Ratios),
 * never from a name.
 *
 * <p>Which ingredients count is content: a line whose ingredient carries {@link #DOSE_BASIS} is dosed in mg of that
 * substance alone (Azstarys: serdexmethylphenidate, not the dexmethylphenidate beside it); any other line in the total
 * of the product's ingredients (mixed amphetamine salts: four salts, one tablet strength). See
 * fhir-resources/README.md ("Structured dosing").
 *
 * @param mg  the amount per unit
 * @param per what one unit is
 */
public record UnitStrength(BigDecimal mg, Per per) {

	private static final String UCUM = "http://unitsofmeasure.org";
	/** On a MedicationKnowledge.ingredient: the line's doses are in mg of this ingredient alone. */
	public static final String DOSE_BASIS = "http://adhdkb.org/fhir/StructureDefinition/dose-basis";

	/** What one unit of a product is. */
	public enum Per {
		TABLET("tablet", "{tablet}"), CAPSULE("capsule", "{capsule}"), ML("mL", "mL"), HOUR_OF_WEAR("hour of wear", "h");

		private final String words;
		private final String ucum;

		Per(String words, String ucum) {
			this.words = words;
			this.ucum = ucum;
		}

		public String words() {
			return words;
		}

		/** The UCUM code of the unit, as the Medication's strength denominator has it. */
		public String ucum() {
			return ucum;
		}
	}

	/** The strength, or null when the product's strengths are missing or not all per the same unit. */
	public static UnitStrength of(Medication product, MedicationKnowledge line) {
		if (product == null || !product.hasIngredient()) {
			return null;
		}
		List<Medication.MedicationIngredientComponent> counted = dosedIngredients(product, line);
		BigDecimal total = BigDecimal.ZERO;
		Per per = null;
		for (var ingredient : counted) {
			Ratio strength = ingredient.getStrength();
			Per unit = per(strength);
			if (unit == null || !"mg".equals(strength.getNumerator().getCode()) || !strength.getNumerator().hasValue()
					|| (per != null && per != unit)) {
				return null;
			}
			per = unit;
			total = total.add(strength.getNumerator().getValue()
					.divide(strength.getDenominator().getValue(), 6, RoundingMode.HALF_UP).stripTrailingZeros());
		}
		return per == null ? null : new UnitStrength(total, per);
	}

	/** The product's ingredients the line's doses count; empty when the line's dose basis is not in the product. */
	private static List<Medication.MedicationIngredientComponent> dosedIngredients(Medication product, MedicationKnowledge line) {
		List<MedicationKnowledge.MedicationKnowledgeIngredientComponent> basis = doseBasis(line);
		if (basis.isEmpty()) {
			return product.getIngredient();
		}
		List<Medication.MedicationIngredientComponent> counted = new ArrayList<>();
		for (var ingredient : product.getIngredient()) {
			if (basis.stream().anyMatch(b -> sameSubstance(ingredient, b))) {
				counted.add(ingredient);
			}
		}
		return counted;
	}

	/** The line's ingredients marked as its dose basis; empty for a line dosed in the total of its ingredients. */
	public static List<MedicationKnowledge.MedicationKnowledgeIngredientComponent> doseBasis(MedicationKnowledge line) {
		if (line == null) {
			return List.of();
		}
		return line.getIngredient().stream().filter(i -> i.getExtensionByUrl(DOSE_BASIS) != null
				&& i.getExtensionByUrl(DOSE_BASIS).getValue() instanceof BooleanType b && b.booleanValue()).toList();
	}

	/** The same substance (not a salt of it): the same code, or, where neither is coded, the same name. */
	private static boolean sameSubstance(Medication.MedicationIngredientComponent ingredient,
			MedicationKnowledge.MedicationKnowledgeIngredientComponent lineIngredient) {
		if (!ingredient.hasItemCodeableConcept() || !lineIngredient.hasItemCodeableConcept()) {
			return false;
		}
		var product = ingredient.getItemCodeableConcept();
		var line = lineIngredient.getItemCodeableConcept();
		if (product.hasCoding() || line.hasCoding()) {
			for (Coding coding : product.getCoding()) {
				if (line.getCoding().stream().anyMatch(c -> c.getSystem().equals(coding.getSystem()) && c.getCode().equals(coding.getCode()))) {
					return true;
				}
			}
			return false;
		}
		return substanceName(product.getText()).equals(substanceName(line.getText()));
	}

	/** A substance's name without a trailing remark in parentheses, such as "(no sourced code)". */
	private static String substanceName(String text) {
		String name = text == null ? "" : text;
		int remark = name.indexOf(" (");
		return (remark < 0 ? name : name.substring(0, remark)).strip().toLowerCase(Locale.ROOT);
	}

	private static Per per(Ratio strength) {
		if (strength == null || !strength.hasDenominator() || !UCUM.equals(strength.getDenominator().getSystem())
				|| !strength.getDenominator().hasValue() || strength.getDenominator().getValue().signum() <= 0) {
			return null;
		}
		String code = strength.getDenominator().getCode();
		for (Per per : Per.values()) {
			if (per.ucum().equals(code)) {
				return per;
			}
		}
		return null;
	}
}
