package org.adhdkb.cdshooks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DataRequirement;

/**
 * A service's prefetch templates, derived from the data requirements of its rules' CQL Libraries (which the build
 * writes from the CQL), as {@code docs/eca-rules.md} section 5 says: one read of the Patient, one search per other type
 * of the Patient compartment, narrowed to the codes the CQL retrieves when every requirement of that type names codes.
 * Types outside the Patient compartment are knowledge: adhdkb serves them from its own content, never from a prefetch.
 */
final class PrefetchTemplates {

	static final String PATIENT_KEY = "patient";
	private static final String PATIENT_READ = "Patient/{{context.patientId}}";
	/** A value set larger than this is not spelled out in a URL: the search then takes every resource of the type. */
	static final int MAX_CODES = 30;

	private PrefetchTemplates() {}

	/**
	 * The templates by key: the Patient first, then the other types in alphabetical order.
	 *
	 * @param expand the codes of a value set (system and code), or null when it cannot be expanded
	 */
	static Map<String, String> of(List<DataRequirement> requirements, FhirContext fhir,
			Function<String, List<Coding>> expand) {
		// per type: the codes of its requirements, or null when one of them takes every resource of the type
		Map<String, Set<String>> codesByType = new TreeMap<>();
		Map<String, List<DataRequirement>> byType = new TreeMap<>();
		for (DataRequirement requirement : requirements) {
			if (requirement.hasType() && inPatientCompartment(requirement.getType(), fhir)) {
				byType.computeIfAbsent(requirement.getType(), t -> new ArrayList<>()).add(requirement);
			}
		}
		byType.forEach((type, ofType) -> codesByType.put(type, codes(ofType, expand)));

		Map<String, String> templates = new LinkedHashMap<>();
		if (byType.containsKey("Patient")) {
			templates.put(PATIENT_KEY, PATIENT_READ);
		}
		codesByType.forEach((type, codes) -> {
			if (type.equals("Patient")) {
				return;
			}
			String search = type + "?" + patientParameter(type, fhir) + "=Patient/{{context.patientId}}";
			templates.put(key(type), codes == null ? search : search + "&code=" + String.join(",", codes));
		});
		return templates;
	}

	/**
	 * The translator also reports, without a code filter, the types whose properties the CQL's functions read; a retrieve
	 * of a type with a code filter is what is fetched. A type with no filtered requirement at all is fetched whole, and so
	 * is a type whose value set cannot be spelled out (too large, or not expandable).
	 */
	private static Set<String> codes(List<DataRequirement> ofType, Function<String, List<Coding>> expand) {
		Set<String> codes = new LinkedHashSet<>();
		boolean filtered = false;
		for (DataRequirement requirement : ofType) {
			for (DataRequirement.DataRequirementCodeFilterComponent filter : requirement.getCodeFilter()) {
				if (!"code".equals(filter.getPath()) && !"medication".equals(filter.getPath())) {
					return null; // a filter on another element: the search cannot say it, take them all
				}
				filtered = true;
				for (Coding coding : filter.getCode()) {
					codes.add(coding.getSystem() + "|" + coding.getCode());
				}
				if (filter.hasValueSet()) {
					List<Coding> expansion = expand.apply(filter.getValueSet());
					if (expansion == null || expansion.size() > MAX_CODES) {
						return null;
					}
					expansion.forEach(c -> codes.add(c.getSystem() + "|" + c.getCode()));
				}
			}
		}
		return filtered && !codes.isEmpty() && codes.size() <= MAX_CODES ? codes : null;
	}

	/** The prefetch key of a type: the keys clients were configured with before they were derived, else lowerCamel + s. */
	static String key(String type) {
		return switch (type) {
			case "Patient" -> PATIENT_KEY;
			case "MedicationRequest" -> "medications";
			default -> Character.toLowerCase(type.charAt(0)) + type.substring(1) + "s";
		};
	}

	static boolean inPatientCompartment(String type, FhirContext fhir) {
		if (type.equals("Patient")) {
			return true;
		}
		try {
			RuntimeResourceDefinition definition = fhir.getResourceDefinition(type);
			return !definition.getSearchParamsForCompartmentName("Patient").isEmpty();
		} catch (RuntimeException unknownType) {
			return false;
		}
	}

	private static String patientParameter(String type, FhirContext fhir) {
		return fhir.getResourceDefinition(type).getSearchParam("subject") != null ? "subject" : "patient";
	}
}
