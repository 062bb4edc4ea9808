package org.adhdkb.guidance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Library;
import org.hl7.fhir.r4.model.ParameterDefinition;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.PrimitiveType;

/**
 * The {@code parameters} input of CPG's $apply and $evaluate: values for the CQL Libraries' {@code parameter}s, by
 * name (CDS Hooks' {@code draftOrders}, as cqf-fhir-cr passes them). A parameter the Libraries declare as a list (the
 * build writes each Library's parameters with their cardinality, {@code max} "*") gets every value of that name as a
 * list; a resource is given as it is, a boolean, integer, decimal or string as the CQL System value. A name no Library
 * declares, or a value of another type, is a 400: an evaluation that silently ignored an input would answer a
 * question the client did not ask. Written here rather than taken from cqf-fhir-cql's parameters converter: that
 * module is on the test classpath only (the reference engine); this needs nothing beyond the Libraries' metadata.
 */
final class CqlParameters {

	private CqlParameters() {
	}

	static Map<String, Object> of(Parameters parameters, List<Library> libraries) {
		if (parameters == null || !parameters.hasParameter()) {
			return Map.of();
		}
		Map<String, ParameterDefinition> declared = new LinkedHashMap<>();
		for (Library library : libraries) {
			for (ParameterDefinition definition : library.getParameter()) {
				if (definition.getUse() == ParameterDefinition.ParameterUse.IN) {
					declared.putIfAbsent(definition.getName(), definition);
				}
			}
		}
		Map<String, List<Object>> values = new LinkedHashMap<>();
		for (Parameters.ParametersParameterComponent part : parameters.getParameter()) {
			String name = part.getName();
			if (name == null || !declared.containsKey(name)) {
				throw new InvalidRequestException("The CQL parameter '" + name + "' is not a parameter of "
						+ (declared.isEmpty() ? "these Libraries (they declare none)" : "these Libraries; they declare: "
								+ String.join(", ", declared.keySet())));
			}
			values.computeIfAbsent(name, n -> new ArrayList<>()).add(valueOf(part));
		}
		Map<String, Object> result = new LinkedHashMap<>();
		values.forEach((name, given) -> {
			boolean list = "*".equals(declared.get(name).getMax());
			if (!list && given.size() > 1) {
				throw new InvalidRequestException("The CQL parameter '" + name + "' takes one value; " + given.size() + " were given");
			}
			result.put(name, list ? List.copyOf(given) : given.get(0));
		});
		return result;
	}

	private static Object valueOf(Parameters.ParametersParameterComponent part) {
		if (part.hasResource()) {
			return part.getResource();
		}
		if (part.getValue() instanceof BooleanType value) {
			return value.getValue();
		}
		if (part.getValue() instanceof IntegerType value) {
			return value.getValue();
		}
		if (part.getValue() instanceof DecimalType value) {
			return value.getValue();
		}
		if (part.getValue() instanceof PrimitiveType<?> value && value.getValue() instanceof String text) {
			return text;
		}
		throw new InvalidRequestException("The CQL parameter '" + part.getName() + "' has a value this server does not "
				+ "pass to CQL: give a resource, a boolean, an integer, a decimal or a string");
	}
}
