package org.adhdkb.terminology;

import ca.uhn.fhir.jpa.provider.BaseJpaResourceProviderConceptMap;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import jakarta.servlet.http.HttpServletRequest;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UriType;

import java.util.List;

/**
 * {@code ConceptMap/$translate}: HAPI's, including {@code reverse}, after a check HAPI lacks: a {@code url} naming no
 * ConceptMap on this server is a 404 with an OperationOutcome; HAPI answers it as "no match" ({@code result=false}),
 * which hides a misspelt map url from the client. With ConceptMaps sent in the request ({@code tx-resource}), which
 * HAPI does not take, {@link ConceptMapTranslation} answers from those.
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
			@OperationParam(name = "sourceSystem", min = 0, max = 1) UriType sourceSystem,
			@OperationParam(name = "targetCode", min = 0, max = 1) CodeType targetCode,
			@OperationParam(name = "tx-resource", min = 0, max = OperationParam.MAX_UNLIMITED) List<IBaseResource> txResources,
			RequestDetails requestDetails) {
		if (TxResources.present(txResources)) {
			// R4 and R5 names alike: system or sourceSystem, code or sourceCode, coding or sourceCoding; targetCode for
			// the reverse direction.
			boolean backwards = targetCode != null || (reverse != null && reverse.booleanValue());
			Coding given = coding != null ? coding : sourceCoding != null ? sourceCoding
					: new Coding(value(sourceSystem != null ? sourceSystem : system),
							targetCode != null ? targetCode.getValue() : code != null ? code.getValue()
									: sourceCode != null ? sourceCode.getValue() : null, null);
			UriType wantedTarget = targetSystem != null ? targetSystem : targetsystem;
			if (targetCode != null) {
				// In reverse, the code is in the target system and the answers in the source system.
				given.setSystem(value(wantedTarget));
				wantedTarget = sourceSystem != null ? sourceSystem : system;
			}
			return ConceptMapTranslation.translate(txResources, value(url), given, backwards, value(wantedTarget));
		}
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

	private static String value(UriType uri) {
		return uri == null ? null : uri.getValue();
	}
}
