package org.adhdkb.content;

import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ConceptMap;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ValueSet;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps the product model and the value sets true to each other: every Medication (one per orderable RxNorm product)
 * is in the value sets that name it, and every product a product value set lists has a Medication behind it, so that
 * a rule keyed on a value set sees every product and the server can read every product's strength.
 *
 * <p>The value-set ids below are the fixed names the content and its rules use (README "Products"); which product
 * belongs where is content: the Medication's ingredients come from the ConceptMap rxnorm-product-to-ingredient, and the
 * ingredient value set is the {@code *-products} set that lists that ingredient.
 */
final class ProductChecks {

	static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
	static final String ALL_ADHD = "adhd-medications";
	static final String NOT_ADHD_LABELLED = "adhd-ingredient-not-adhd-labelled";
	static final String INGREDIENTS = "adhd-ingredients";
	static final List<String> CLASSES = List.of("adhd-stimulants", "adhd-non-stimulants");
	static final String PRODUCT_TO_INGREDIENT = "rxnorm-product-to-ingredient";
	static final String RXNORM_FRAGMENT = "rxnorm-fragment";

	private ProductChecks() {}

	static void check(Map<String, Resource> resources, List<ContentProblem> problems) {
		Map<String, String> medicationFile = new LinkedHashMap<>(); // RxNorm code -> file
		Map<String, Set<String>> ingredientCodes = new HashMap<>(); // RxNorm code -> its ingredients' codes
		Map<String, Set<String>> valueSets = new LinkedHashMap<>(); // id -> RxNorm codes
		Map<String, String> valueSetFile = new HashMap<>();
		Map<String, Set<String>> productToIngredients = new HashMap<>();
		Set<String> fragmentCodes = null;
		for (Map.Entry<String, Resource> entry : resources.entrySet()) {
			Resource resource = entry.getValue();
			String id = resource.getIdElement().getIdPart();
			if (resource instanceof Medication medication) {
				String code = rxnormCode(medication);
				if (code == null) {
					problems.add(new ContentProblem(entry.getKey(), "Medication.code", "needs an RxNorm coding"));
					continue;
				}
				if (!id.equals("rxnorm-" + code)) {
					problems.add(new ContentProblem(entry.getKey(), "Medication.id", "must be rxnorm-" + code));
				}
				medicationFile.put(code, entry.getKey());
				Set<String> ingredients = new HashSet<>();
				for (var ingredient : medication.getIngredient()) {
					if (ingredient.hasItemCodeableConcept()) {
						for (Coding coding : ingredient.getItemCodeableConcept().getCoding()) {
							if (RXNORM.equals(coding.getSystem())) {
								ingredients.add(coding.getCode());
							}
						}
					}
				}
				ingredientCodes.put(code, ingredients);
			} else if (resource instanceof ValueSet valueSet) {
				Set<String> codes = new HashSet<>();
				for (var include : valueSet.getCompose().getInclude()) {
					if (RXNORM.equals(include.getSystem())) {
						include.getConcept().forEach(concept -> codes.add(concept.getCode()));
					}
				}
				valueSets.put(id, codes);
				valueSetFile.put(id, entry.getKey());
			} else if (resource instanceof ConceptMap map && PRODUCT_TO_INGREDIENT.equals(id)) {
				for (var group : map.getGroup()) {
					for (var element : group.getElement()) {
						var targets = productToIngredients.computeIfAbsent(element.getCode(), code -> new HashSet<>());
						element.getTarget().forEach(target -> targets.add(target.getCode()));
					}
				}
			} else if (resource instanceof CodeSystem codeSystem && RXNORM_FRAGMENT.equals(id)) {
				fragmentCodes = new HashSet<>();
				for (var concept : codeSystem.getConcept()) {
					fragmentCodes.add(concept.getCode());
				}
			}
		}
		if (medicationFile.isEmpty()) {
			return; // a package without products (a test package) has nothing to keep in step
		}
		checkIngredients(resources, problems);
		for (Map.Entry<String, String> medication : medicationFile.entrySet()) {
			String code = medication.getKey();
			String file = medication.getValue();
			boolean adhd = in(valueSets, ALL_ADHD, code);
			boolean notLabelled = in(valueSets, NOT_ADHD_LABELLED, code);
			if (adhd == notLabelled) {
				problems.add(new ContentProblem(file, "Medication.code", "RxNorm " + code + " must be in exactly one of "
						+ "ValueSet/" + ALL_ADHD + " and ValueSet/" + NOT_ADHD_LABELLED));
			}
			Set<String> ingredients = productToIngredients.get(code);
			if (ingredients == null || ingredients.isEmpty()) {
				problems.add(new ContentProblem(file, "Medication.code", "RxNorm " + code
						+ " is not mapped to its ingredient in ConceptMap/" + PRODUCT_TO_INGREDIENT));
			}
			if (fragmentCodes != null && !fragmentCodes.contains(code)) {
				problems.add(new ContentProblem(file, "Medication.code", "RxNorm " + code
						+ " is missing from CodeSystem/" + RXNORM_FRAGMENT + ", so $lookup would not know it"));
			}
			if (!adhd) {
				continue;
			}
			long classes = CLASSES.stream().filter(id -> in(valueSets, id, code)).count();
			if (classes != 1) {
				problems.add(new ContentProblem(file, "Medication.code", "RxNorm " + code
						+ " must be in exactly one class value set of " + CLASSES + ", is in " + classes));
			}
			for (String ingredient : ingredients == null ? Set.<String>of() : ingredients) {
				for (Map.Entry<String, Set<String>> valueSet : valueSets.entrySet()) {
					if (valueSet.getKey().endsWith("-products") && valueSet.getValue().contains(ingredient)
							&& !valueSet.getValue().contains(code)) {
						problems.add(new ContentProblem(file, "Medication.code", "RxNorm " + code
								+ " is missing from its ingredient value set ValueSet/" + valueSet.getKey()));
					}
				}
			}
		}
		// A value set that lists products with Medications is a product value set: all its products need one.
		Set<String> ingredientsBehind = new HashSet<>();
		ingredientCodes.values().forEach(ingredientsBehind::addAll);
		productToIngredients.forEach((product, targets) -> {
			if (medicationFile.containsKey(product)) {
				ingredientsBehind.addAll(targets);
			}
		});
		for (Map.Entry<String, Set<String>> valueSet : valueSets.entrySet()) {
			if (valueSet.getValue().stream().noneMatch(medicationFile::containsKey)) {
				continue;
			}
			List<String> orphans = new ArrayList<>();
			for (String code : valueSet.getValue()) {
				if (!medicationFile.containsKey(code) && !ingredientsBehind.contains(code)) {
					orphans.add(code);
				}
			}
			orphans.stream().sorted().forEach(code -> problems.add(new ContentProblem(valueSetFile.get(valueSet.getKey()),
					"ValueSet.compose.include.concept", "RxNorm " + code
					+ " has no Medication (Medication/rxnorm-" + code + ") nor a Medication ingredient behind it")));
		}
	}

	/**
	 * ValueSet adhd-ingredients holds every ingredient code (any system) of every product line and product, so that the
	 * order rules recognise an EHR's own product with an ADHD ingredient by it.
	 */
	private static void checkIngredients(Map<String, Resource> resources, List<ContentProblem> problems) {
		Set<String> listed = new HashSet<>();
		String listFile = null;
		for (Map.Entry<String, Resource> entry : resources.entrySet()) {
			if (entry.getValue() instanceof ValueSet valueSet && INGREDIENTS.equals(valueSet.getIdElement().getIdPart())) {
				listFile = entry.getKey();
				valueSet.getCompose().getInclude().forEach(include -> include.getConcept()
						.forEach(concept -> listed.add(include.getSystem() + "|" + concept.getCode())));
			}
		}
		for (Map.Entry<String, Resource> entry : resources.entrySet()) {
			List<org.hl7.fhir.r4.model.CodeableConcept> items = new ArrayList<>();
			if (entry.getValue() instanceof Medication medication) {
				medication.getIngredient().stream().filter(i -> i.hasItemCodeableConcept())
						.forEach(i -> items.add(i.getItemCodeableConcept()));
			} else if (entry.getValue() instanceof org.hl7.fhir.r4.model.MedicationKnowledge line) {
				line.getIngredient().stream().filter(i -> i.hasItemCodeableConcept())
						.forEach(i -> items.add(i.getItemCodeableConcept()));
			}
			for (var item : items) {
				for (Coding coding : item.getCoding()) {
					if (!listed.contains(coding.getSystem() + "|" + coding.getCode())) {
						problems.add(new ContentProblem(entry.getKey(), "ingredient", "ingredient " + coding.getSystem() + "|"
								+ coding.getCode() + " is missing from ValueSet/" + INGREDIENTS
								+ (listFile == null ? " (there is no such value set)" : "")));
					}
				}
			}
		}
	}

	private static boolean in(Map<String, Set<String>> valueSets, String id, String code) {
		return valueSets.getOrDefault(id, Set.of()).contains(code);
	}

	private static String rxnormCode(Medication medication) {
		for (Coding coding : medication.getCode().getCoding()) {
			if (RXNORM.equals(coding.getSystem()) && coding.hasCode()) {
				return coding.getCode();
			}
		}
		return null;
	}
}
