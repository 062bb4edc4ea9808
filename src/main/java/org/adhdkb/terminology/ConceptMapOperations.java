package org.adhdkb.terminology;

import ca.uhn.fhir.jpa.provider.BaseJpaResourceProviderConceptMap;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import jakarta.servlet.http.HttpServletRequest;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UriType;

/**
 * {@code ConceptMap/$translate}: HAPI's, including {@code reverse}, after a check HAPI lacks: a {@code url} naming no
 * ConceptMap on this server is a 404 with an OperationOutcome; HAPI answers it as "no match" ({@code result=false}),
 * which hides a misspelt map url from the client.
 */
public class ConceptMapOperations {

	private final BaseJpaResourceProviderConceptMap<?> hapi;
	private final TerminologyLookups lookups;

	ConceptMapOperations(BaseJpaResourceProviderConceptMap<?> hapi, TerminologyLookups lookups) {
		this.hapi = hapi;
		this.lookups = lookups;
	}

	@Operation(name = "$translate", idempotent = true, typeName = "ConceptMap", returnParameters = {
			@OperationParam(name = "result", typeName = "boolean", min = 1, max = 1),
			@OperationParam(name = "message", typeName = "string", min = 0, max = 1)})
	public Parameters translate(
			HttpServletRequest servletRequest,
			@IdParam(optional = true) IdType id,
			@OperationParam(name = "url", min = 0, max = 1) UriType url,
			@OperationParam(name = "conceptMapVersion", min = 0, max = 1) StringType conceptMapVersion,
			@OperationParam(name = "system", min = 0, max = 1) UriType system,
			@OperationParam(name = "version", min = 0, max = 1) StringType version,
			@OperationParam(name = "source", min = 0, max = 1) UriType source,
			@OperationParam(name = "sourceScope", min = 0, max = 1) UriType sourceScope,
			@OperationParam(name = "code", min = 0, max = 1) CodeType code,
			@OperationParam(name = "coding", min = 0, max = 1) Coding coding,
			@OperationParam(name = "codeableConcept", min = 0, max = 1) CodeableConcept codeableConcept,
			@OperationParam(name = "sourceCode", min = 0, max = 1) CodeType sourceCode,
			@OperationParam(name = "sourceCoding", min = 0, max = 1) Coding sourceCoding,
			@OperationParam(name = "sourceCodeableConcept", min = 0, max = 1) CodeableConcept sourceCodeableConcept,
			@OperationParam(name = "target", min = 0, max = 1) UriType target,
			@OperationParam(name = "targetScope", min = 0, max = 1) UriType targetScope,
			@OperationParam(name = "targetsystem", min = 0, max = 1) UriType targetsystem,
			@OperationParam(name = "targetSystem", min = 0, max = 1) UriType targetSystem,
			@OperationParam(name = "reverse", min = 0, max = 1) BooleanType reverse,
			RequestDetails requestDetails) {
		if (id == null && url != null && url.hasValue()) {
			String mapVersion = conceptMapVersion == null ? null : conceptMapVersion.getValue();
			if (!lookups.isKnownConceptMap(url.getValue(), mapVersion)) {
				throw new ResourceNotFoundException(
						"Unknown concept map " + TerminologyLookups.versioned(url.getValue(), mapVersion));
			}
		}
		return (Parameters) hapi.translate(servletRequest, id, url, conceptMapVersion, system, version, source,
				sourceScope, code, coding, codeableConcept, sourceCode, sourceCoding, sourceCodeableConcept, target,
				targetScope, targetsystem, targetSystem, reverse, requestDetails);
	}
}
