package org.adhdkb.cql;

import org.hl7.elm.r1.VersionedIdentifier;
import org.hl7.fhir.r4.model.Resource;
import org.opencds.cqf.cql.engine.execution.ExpressionResult;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Knowledge resources the CQL may retrieve besides a patient's record (the content's MedicationKnowledge,
 * PlanDefinitions, ActivityDefinitions), held by the caller for as long as they do not change, with the values of the
 * definitions that read only them ({@link IndependentDefinitions#knowledgeOnly}), computed on first use and kept here. Shared between
 * calls and threads: neither the resources nor the kept values may be modified.
 */
public final class Knowledge {

	private final List<Resource> resources;
	/** Per evaluator (one per version of the Libraries) and library: the values of its knowledge-only definitions. */
	private final Map<Object, Map<VersionedIdentifier, Map<String, ExpressionResult>>> constants =
			java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

	private final Map<String, List<Resource>> byType = new ConcurrentHashMap<>();
	private final Map<String, Map<String, List<Resource>>> codeIndex = new ConcurrentHashMap<>();

	/** Types whose resources a retrieve gets only by code ({@code [Medication: code in ...]}), never all at once. */
	private final java.util.Set<String> byCodeOnly;

	public Knowledge(List<Resource> resources) {
		this(resources, java.util.Set.of());
	}

	/**
	 * @param byCodeOnly types of which a retrieve without codes gets none of these resources: the content's products
	 *                   (Medication) are found by the ordered code, while a retrieve of every Medication resolves an
	 *                   EHR's medicationReference, which our products must not answer (nor cost a walk over them)
	 */
	public Knowledge(List<Resource> resources, java.util.Set<String> byCodeOnly) {
		this.resources = List.copyOf(resources);
		this.byCodeOnly = java.util.Set.copyOf(byCodeOnly);
	}

	/** Whether a retrieve of this type gets these resources only by code. */
	boolean byCodeOnly(String type) {
		return byCodeOnly.contains(type);
	}

	public List<Resource> resources() {
		return resources;
	}

	/** The resources of one type. */
	List<Resource> ofType(String type) {
		return byType.computeIfAbsent(type, t -> resources.stream().filter(r -> r.fhirType().equals(t)).toList());
	}

	/**
	 * The resources of one type with a coding system|code at a code path, from an index built on first use: a knowledge
	 * retrieve with codes ({@code [MedicationKnowledge: code in ...]}) is a map lookup, not a walk over the content.
	 *
	 * @param codings the codings of a resource at the path
	 */
	List<Resource> withCode(String type, String codePath, String system, String code,
			java.util.function.Function<Resource, List<org.hl7.fhir.r4.model.Coding>> codings) {
		Map<String, List<Resource>> index = codeIndex.computeIfAbsent(type + "|" + codePath, key -> {
			Map<String, List<Resource>> built = new java.util.HashMap<>();
			for (Resource resource : ofType(type)) {
				for (org.hl7.fhir.r4.model.Coding coding : codings.apply(resource)) {
					List<Resource> same = built.computeIfAbsent(coding.getSystem() + "|" + coding.getCode(),
							c -> new java.util.ArrayList<>());
					if (!same.contains(resource)) {
						same.add(resource);
					}
				}
			}
			return built;
		});
		return index.getOrDefault(system + "|" + code, List.of());
	}

	/** The kept values of a library's knowledge-only definitions, computed by {@code compute} the first time. */
	Map<String, ExpressionResult> constants(Object evaluator, VersionedIdentifier library,
			java.util.function.Supplier<Map<String, ExpressionResult>> compute) {
		Map<VersionedIdentifier, Map<String, ExpressionResult>> ofEvaluator =
				constants.computeIfAbsent(evaluator, e -> new ConcurrentHashMap<>());
		Map<String, ExpressionResult> known = ofEvaluator.get(library);
		if (known == null) {
			known = Map.copyOf(compute.get()); // two first calls at once may both compute: the same values
			ofEvaluator.put(library, known);
		}
		return known;
	}
}
