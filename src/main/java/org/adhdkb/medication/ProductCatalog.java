package org.adhdkb.medication;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ValueSet;

/**
 * Which product line (MedicationKnowledge) an ordered code belongs to, built from the content alone: every line's
 * {@code associatedMedication} (its SCDs and SBDs, {@code Medication/rxnorm-{code}}), its own {@code code}, and its
 * ingredients; plus the products that contain an ADHD ingredient but are not labelled for ADHD
 * ({@code ValueSet/adhd-ingredient-not-adhd-labelled}).
 */
public final class ProductCatalog {

	public static final String NOT_ADHD_LABELLED = "http://adhdkb.org/fhir/ValueSet/adhd-ingredient-not-adhd-labelled";

	/**
	 * What an order names.
	 *
	 * @param lines          the product lines it can be: one for a product, all lines of the ingredient for an
	 *                       ingredient-only code, none when adhdkb holds no ADHD dosing for it
	 * @param product        the Medication whose strength the dose is read with (adhdkb's own for a known code, else
	 *                       the order's own), or null
	 * @param ingredientOnly the order names an ingredient, not a product
	 * @param withoutDosing  it contains an ADHD medicine but has no line here (not labelled for ADHD, a product no line
	 *                       doses, or a product adhdkb does not know): the order rules say why (PlanDefinition
	 *                       product-not-dosed)
	 * @param name           what to call it on a card
	 */
	public record Ordered(List<MedicationKnowledge> lines, Medication product, boolean ingredientOnly, boolean withoutDosing,
			String name) {

		public boolean checkable() {
			return !lines.isEmpty();
		}
	}

	private final Map<String, MedicationKnowledge> lineByProduct = new HashMap<>();
	private final Map<String, Medication> productByCode = new HashMap<>();
	private final Map<String, List<MedicationKnowledge>> linesByIngredient = new LinkedHashMap<>();
	private final Set<String> adhdIngredients = new HashSet<>();
	private final Set<String> notAdhdLabelled = new HashSet<>();
	private final Map<String, List<Medication>> productsOfLine = new HashMap<>();
	/** Lines that name an ingredient in their own code (the original ten do, for now), where only one line does. */
	private final Map<String, List<MedicationKnowledge>> linesNamingIngredient = new HashMap<>();

	public ProductCatalog(List<MedicationKnowledge> lines, List<Medication> products, ValueSet notLabelled) {
		Map<String, Medication> byId = new HashMap<>();
		products.forEach(p -> byId.put(p.getIdElement().getIdPart(), p));
		for (Medication product : products) {
			for (Coding coding : product.getCode().getCoding()) {
				productByCode.put(key(coding), product);
			}
			for (var ingredient : product.getIngredient()) {
				if (ingredient.hasItemCodeableConcept()) {
					ingredient.getItemCodeableConcept().getCoding().forEach(c -> adhdIngredients.add(key(c)));
				}
			}
		}
		for (MedicationKnowledge line : lines) {
			// an ingredient-only order is of the lines dosed in it: the content's dose basis where a line has one
			// (Azstarys is dosed in serdexmethylphenidate, so a dexmethylphenidate order is not measured against it),
			// else any of its ingredients
			List<MedicationKnowledge.MedicationKnowledgeIngredientComponent> basis = UnitStrength.doseBasis(line);
			for (var ingredient : line.getIngredient()) {
				for (Coding coding : ingredient.getItemCodeableConcept().getCoding()) {
					adhdIngredients.add(key(coding));
					if (basis.isEmpty() || basis.contains(ingredient)) {
						linesByIngredient.computeIfAbsent(key(coding), k -> new ArrayList<>()).add(line);
					}
				}
			}
		}
		for (MedicationKnowledge line : lines) {
			List<Medication> own = new ArrayList<>();
			for (Reference associated : line.getAssociatedMedication()) {
				String id = associated.getReferenceElement().getIdPart();
				Medication product = byId.get(id);
				if (product == null) {
					continue; // not active (the content check sees that every reference resolves)
				}
				own.add(product);
				product.getCode().getCoding().forEach(c -> addLine(key(c), line));
			}
			productsOfLine.put(line.getIdElement().getIdPart(), own);
			for (Coding coding : line.getCode().getCoding()) {
				if (!linesByIngredient.containsKey(key(coding))) {
					addLine(key(coding), line); // the product-line code, and clinical-drug codes kept on the line's code
				} else {
					linesNamingIngredient.computeIfAbsent(key(coding), k -> new ArrayList<>()).add(line);
				}
			}
		}
		if (notLabelled != null) {
			notLabelled.getCompose().getInclude().forEach(include -> include.getConcept()
					.forEach(c -> notAdhdLabelled.add(include.getSystem() + "|" + c.getCode())));
		}
	}

	/** What an order's code (and the order's own Medication, if it has one) names. */
	public Ordered find(CodeableConcept code, Medication ordersOwn) {
		List<Coding> codings = new ArrayList<>(code.getCoding());
		if (ordersOwn != null && ordersOwn.getCode() != code) {
			codings.addAll(ordersOwn.getCode().getCoding());
		}
		Medication own = ordersOwn != null && ordersOwn.hasIngredient() ? ordersOwn : null;
		for (Coding coding : codings) {
			MedicationKnowledge line = lineByProduct.get(key(coding));
			if (line != null) {
				Medication product = productByCode.get(key(coding));
				return new Ordered(List.of(line), product != null ? product : own, false, false,
						product != null ? product.getCode().getText() : name(coding, code, line));
			}
		}
		for (Coding coding : codings) {
			List<MedicationKnowledge> lines = linesByIngredient.get(key(coding));
			if (lines != null) {
				return new Ordered(List.copyOf(lines), own, true, false, name(coding, code, lines.get(0)));
			}
		}
		for (Coding coding : codings) {
			if (notAdhdLabelled.contains(key(coding))) {
				return withoutDosing(code, coding);
			}
			if (productByCode.containsKey(key(coding))) {
				return withoutDosing(code, coding);
			}
		}
		if (own != null) {
			for (var ingredient : own.getIngredient()) {
				if (ingredient.hasItemCodeableConcept() && ingredient.getItemCodeableConcept().getCoding().stream()
						.anyMatch(c -> adhdIngredients.contains(key(c)))) {
					return withoutDosing(code, codings.isEmpty() ? new Coding() : codings.get(0));
				}
			}
		}
		return new Ordered(List.of(), null, false, false, null);
	}

	/**
	 * The one line whose own code names this ingredient (e.g. clonidine ER for RxNorm 2599, although the clonidine ER
	 * suspension is clonidine too): how guidance written for one line names it. Null when none or several do.
	 */
	public MedicationKnowledge lineNaming(CodeableConcept code) {
		for (Coding coding : code.getCoding()) {
			List<MedicationKnowledge> lines = linesNamingIngredient.get(key(coding));
			if (lines != null && lines.size() == 1) {
				return lines.get(0);
			}
		}
		return null;
	}

	/** Every product of the content, with a line or without one (each once). */
	public List<Medication> products() {
		return productByCode.values().stream().distinct().toList();
	}

	/** Every product of every line (each line's {@code associatedMedication}), line by line. */
	public List<Medication> productsOfLines() {
		List<Medication> all = new ArrayList<>();
		productsOfLine.values().forEach(all::addAll);
		return all;
	}

	/** The products of a line, in the order its {@code associatedMedication} lists them. */
	public List<Medication> productsOf(MedicationKnowledge line) {
		return productsOfLine.getOrDefault(line.getIdElement().getIdPart(), List.of());
	}

	private void addLine(String key, MedicationKnowledge line) {
		MedicationKnowledge before = lineByProduct.putIfAbsent(key, line);
		if (before != null && !before.getIdElement().getIdPart().equals(line.getIdElement().getIdPart())) {
			throw new IllegalStateException(key + " is a product of two lines: " + before.getId() + " and " + line.getId());
		}
	}

	private Ordered withoutDosing(CodeableConcept code, Coding coding) {
		Medication product = productByCode.get(key(coding));
		String name = product != null ? product.getCode().getText()
				: coding.hasDisplay() ? coding.getDisplay() : code.hasText() ? code.getText() : coding.getCode();
		return new Ordered(List.of(), product, false, true, name);
	}

	private static String name(Coding coding, CodeableConcept code, MedicationKnowledge line) {
		if (coding.hasDisplay()) {
			return coding.getDisplay();
		}
		return code.hasText() ? code.getText() : line.getCode().getText();
	}

	private static String key(Coding coding) {
		return coding.getSystem() + "|" + coding.getCode();
	}
}
