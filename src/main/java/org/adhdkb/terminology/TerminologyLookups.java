package org.adhdkb.terminology;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.param.UriParam;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.ValueSet;

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

	/** The same lookups, answered by another validation support chain (one that includes tx-resources). */
	TerminologyLookups with(IValidationSupport chain) {
		return new TerminologyLookups(chain, daoRegistry);
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
			search.add("version", new TokenParam(version));
		}
		return !daoRegistry.getResourceDao("ConceptMap").search(search, new SystemRequestDetails()).isEmpty();
	}

	/** A ValueSet stored on this server, by id; 404 if there is none. */
	ValueSet readValueSet(IIdType id, RequestDetails requestDetails) {
		return (ValueSet) daoRegistry.getResourceDao("ValueSet").read(id, requestDetails);
	}
}
