package org.adhdkb.terminology;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.UriParam;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeSystem;

import java.util.HashMap;
import java.util.Map;

/**
 * Finds the terminology resources an operation names, through HAPI's validation support chain (stored resources, the
 * FHIR core definitions and HAPI's built-in code systems such as UCUM and BCP-47) or, for ConceptMaps, the DAO.
 */
class TerminologyLookups {

	private final IValidationSupport validationSupport;
	private final DaoRegistry daoRegistry;

	TerminologyLookups(IValidationSupport validationSupport, DaoRegistry daoRegistry) {
		this.validationSupport = validationSupport;
		this.daoRegistry = daoRegistry;
	}

	IValidationSupport validationSupport() {
		return validationSupport;
	}

	static String versioned(String url, String version) {
		return version == null || version.isBlank() ? url : url + "|" + version;
	}

	/** The CodeSystem resource with this url (and version, if given), or null. */
	CodeSystem codeSystem(String url, String version) {
		IBaseResource found = validationSupport.fetchCodeSystem(versioned(url, version));
		return found instanceof CodeSystem codeSystem ? codeSystem : null;
	}

	/** True if the server can answer for this code system, as a resource or built in. */
	boolean isKnownCodeSystem(String url, String version) {
		if (codeSystem(url, version) != null) {
			return true;
		}
		return (version == null || version.isBlank())
				&& validationSupport.isCodeSystemSupported(new ValidationSupportContext(validationSupport), url);
	}

	boolean isKnownValueSet(String url, String version) {
		return validationSupport.fetchValueSet(versioned(url, version)) != null;
	}

	boolean isKnownConceptMap(String url, String version) {
		SearchParameterMap search = SearchParameterMap.newSynchronous("url", new UriParam(url));
		if (version != null && !version.isBlank()) {
			search.add("version", new ca.uhn.fhir.rest.param.TokenParam(version));
		}
		return !daoRegistry.getResourceDao("ConceptMap").search(search, new SystemRequestDetails()).isEmpty();
	}

	/** Concepts of the code systems met while answering one request, so each is fetched and indexed once. */
	class ConceptCache {
		private final Map<String, CodeSystemConcepts> bySystem = new HashMap<>();

		/** The concepts of the code system with this url, or null if the server has no resource for it. */
		CodeSystemConcepts get(String system) {
			if (!bySystem.containsKey(system)) {
				CodeSystem codeSystem = codeSystem(system, null);
				bySystem.put(system, codeSystem == null ? null : new CodeSystemConcepts(codeSystem));
			}
			return bySystem.get(system);
		}
	}
}
