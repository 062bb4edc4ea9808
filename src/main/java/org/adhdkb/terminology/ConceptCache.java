package org.adhdkb.terminology;

import ca.uhn.fhir.context.support.IValidationSupport;
import org.hl7.fhir.r4.model.CodeSystem;

import java.util.HashMap;
import java.util.Map;

/** The concepts of the code systems met while answering one request, so that each is fetched and indexed once. */
final class ConceptCache {

	private final IValidationSupport validationSupport;
	private final Map<String, CodeSystemConcepts> bySystem = new HashMap<>();

	ConceptCache(IValidationSupport validationSupport) {
		this.validationSupport = validationSupport;
	}

	/** The concepts of the code system with this url (or url|version), or null if there is no resource for it. */
	CodeSystemConcepts get(String system) {
		if (!bySystem.containsKey(system)) {
			CodeSystemConcepts concepts = validationSupport.fetchCodeSystem(system) instanceof CodeSystem codeSystem
					? new CodeSystemConcepts(codeSystem)
					: null;
			bySystem.put(system, concepts);
		}
		return bySystem.get(system);
	}
}
