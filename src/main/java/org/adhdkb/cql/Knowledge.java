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
 * definitions that read only them ({@link KnowledgeConstants}), computed on first use and kept here. Shared between
 * calls and threads: neither the resources nor the kept values may be modified.
 */
public final class Knowledge {

	private final List<Resource> resources;
	/** Per evaluator (one per version of the Libraries) and library: the values of its knowledge-only definitions. */
	private final Map<Object, Map<VersionedIdentifier, Map<String, ExpressionResult>>> constants =
			java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

	public Knowledge(List<Resource> resources) {
		this.resources = List.copyOf(resources);
	}

	public List<Resource> resources() {
		return resources;
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
