package org.adhdkb.guidance;

import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.Resource;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code %variables} of one $apply: the values the engine computed for the patient, and the named definitions of
 * the PlanDefinition's libraries, each evaluated at most once, on first use.
 */
public final class EvaluationScope {

	private final Map<String, List<Base>> values = new HashMap<>();
	private final Map<String, String> definitions;
	private final Set<String> evaluating = new HashSet<>();
	private final FhirPathEvaluator evaluator;
	private final Resource subject;

	EvaluationScope(Map<String, List<Base>> variables, Map<String, String> definitions, FhirPathEvaluator evaluator,
			Resource subject) {
		this.values.putAll(variables);
		this.definitions = definitions;
		this.evaluator = evaluator;
		this.subject = subject;
	}

	List<Base> resolve(String name) {
		List<Base> known = values.get(name);
		if (known != null) {
			return known;
		}
		String definition = definitions.get(name);
		if (definition == null) {
			throw new org.hl7.fhir.exceptions.FHIRException("Unknown variable %" + name);
		}
		if (!evaluating.add(name)) {
			throw new org.hl7.fhir.exceptions.FHIRException("Definition %" + name + " refers to itself");
		}
		List<Base> result = evaluator.evaluate(definition, subject, this);
		evaluating.remove(name);
		values.put(name, result);
		return result;
	}
}
