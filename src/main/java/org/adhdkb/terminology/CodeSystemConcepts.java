package org.adhdkb.terminology;

import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.CodeSystem.ConceptDefinitionComponent;
import org.hl7.fhir.r4.model.CodeSystem.ConceptPropertyComponent;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The concepts of one CodeSystem resource, indexed by code, with their is-a parents: from the nesting of
 * {@code concept} and from the standard {@code parent} and {@code child} concept properties.
 */
final class CodeSystemConcepts {

	private final CodeSystem codeSystem;
	private final Map<String, ConceptDefinitionComponent> byCode = new HashMap<>();
	private final Map<String, Set<String>> parentsByCode = new HashMap<>();

	CodeSystemConcepts(CodeSystem codeSystem) {
		this.codeSystem = codeSystem;
		index(codeSystem.getConcept(), null);
	}

	private void index(List<ConceptDefinitionComponent> concepts, String parentCode) {
		for (ConceptDefinitionComponent concept : concepts) {
			byCode.putIfAbsent(concept.getCode(), concept);
			Set<String> parents = parentsByCode.computeIfAbsent(concept.getCode(), code -> new LinkedHashSet<>());
			if (parentCode != null) {
				parents.add(parentCode);
			}
			for (ConceptPropertyComponent property : concept.getProperty()) {
				if ("parent".equals(property.getCode()) && property.hasValueCodeType()) {
					parents.add(property.getValueCodeType().getCode());
				} else if ("child".equals(property.getCode()) && property.hasValueCodeType()) {
					parentsByCode.computeIfAbsent(property.getValueCodeType().getCode(), code -> new LinkedHashSet<>())
							.add(concept.getCode());
				}
			}
			index(concept.getConcept(), concept.getCode());
		}
	}

	CodeSystem codeSystem() {
		return codeSystem;
	}

	ConceptDefinitionComponent find(String code) {
		ConceptDefinitionComponent concept = byCode.get(code);
		if (concept == null && !codeSystem.getCaseSensitive()) {
			concept = byCode.entrySet().stream()
					.filter(entry -> entry.getKey().equalsIgnoreCase(code))
					.map(Map.Entry::getValue)
					.findFirst()
					.orElse(null);
		}
		return concept;
	}

	/** True if {@code ancestor} is {@code code} itself or one of its transitive is-a parents. */
	boolean isSameOrDescendant(String code, String ancestor) {
		Set<String> seen = new HashSet<>();
		Deque<String> toVisit = new ArrayDeque<>(List.of(code));
		while (!toVisit.isEmpty()) {
			String current = toVisit.pop();
			if (current.equals(ancestor)) {
				return true;
			}
			if (seen.add(current)) {
				toVisit.addAll(parentsByCode.getOrDefault(current, Set.of()));
			}
		}
		return false;
	}

	/** The {@code notSelectable} property is true: the concept is abstract. */
	static boolean isNotSelectable(ConceptDefinitionComponent concept) {
		return concept.getProperty().stream().anyMatch(property -> "notSelectable".equals(property.getCode())
				&& property.hasValueBooleanType() && property.getValueBooleanType().booleanValue());
	}

	/**
	 * Inactive as FHIR defines it for a concept: the {@code inactive} property is true, or the {@code status} property
	 * is {@code inactive} or {@code retired}. (Deprecated concepts are still active.)
	 */
	static boolean isInactive(ConceptDefinitionComponent concept) {
		for (ConceptPropertyComponent property : concept.getProperty()) {
			if ("inactive".equals(property.getCode()) && property.hasValueBooleanType()
					&& property.getValueBooleanType().booleanValue()) {
				return true;
			}
			if ("status".equals(property.getCode()) && property.hasValue()) {
				String status = property.getValue().primitiveValue();
				if ("inactive".equals(status) || "retired".equals(status)) {
					return true;
				}
			}
		}
		return false;
	}
}
