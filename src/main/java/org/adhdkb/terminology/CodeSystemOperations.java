package org.adhdkb.terminology;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.provider.BaseJpaResourceProviderCodeSystem;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import jakarta.servlet.http.HttpServletRequest;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UriType;
import org.hl7.fhir.r4.model.codesystems.ConceptSubsumptionOutcome;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code CodeSystem/$lookup}, {@code CodeSystem/$validate-code} and {@code CodeSystem/$subsumes}, replacing HAPI's
 * bindings of them. All three take {@code tx-resource} (see {@link TxResources}), which HAPI lacks; otherwise:
 * <ul>
 * <li>{@code $lookup} is answered from the CodeSystem resource that defines the code (see
 * {@link #definedByResource}), and by HAPI for the code systems it has built in (UCUM, BCP-47, ...).</li>
 * <li>{@code $validate-code} is HAPI's, after a check HAPI lacks: a code system the server does not know is a 404 with
 * an OperationOutcome, not {@code result=false}; and the system of {@code coding} or {@code codeableConcept} serves as
 * {@code url} when that is absent, as FHIR allows.</li>
 * <li>{@code $subsumes} is ours: HAPI answers it only through a Hibernate Search query on the concept index
 * (TermReadSvcImpl.testForSubsumption), which fails with HSEARCH800001 when Hibernate Search is off, as it is here.
 * We answer from the concept hierarchy of the CodeSystem resource, which also covers fragments and the code systems of
 * the FHIR core definitions.</li>
 * </ul>
 */
public class CodeSystemOperations {

	private final BaseJpaResourceProviderCodeSystem<?> hapi;
	private final TerminologyLookups lookups;
	private final TxResources txResourceSupport;
	private final Hl7TerminologyEngine engine;
	private final DaoRegistry daoRegistry;

	CodeSystemOperations(BaseJpaResourceProviderCodeSystem<?> hapi, TerminologyLookups lookups,
			TxResources txResourceSupport, Hl7TerminologyEngine engine, DaoRegistry daoRegistry) {
		this.hapi = hapi;
		this.lookups = lookups;
		this.txResourceSupport = txResourceSupport;
		this.engine = engine;
		this.daoRegistry = daoRegistry;
	}

	@Operation(name = "$validate-code", idempotent = true, typeName = "CodeSystem", returnParameters = {
			@OperationParam(name = "result", typeName = "boolean", min = 1),
			@OperationParam(name = "message", typeName = "string"),
			@OperationParam(name = "display", typeName = "string")})
	public Parameters validateCode(
			HttpServletRequest servletRequest,
			@IdParam(optional = true) IdType id,
			@OperationParam(name = "url", min = 0, max = 1) UriType url,
			@OperationParam(name = "version", min = 0, max = 1) StringType version,
			@OperationParam(name = "code", min = 0, max = 1) CodeType code,
			@OperationParam(name = "display", min = 0, max = 1) StringType display,
			@OperationParam(name = "coding", min = 0, max = 1) Coding coding,
			@OperationParam(name = "codeableConcept", min = 0, max = 1) CodeableConcept codeableConcept,
			@OperationParam(name = "tx-resource", min = 0, max = OperationParam.MAX_UNLIMITED) List<IBaseResource> txResources,
			RequestDetails requestDetails) {
		String system = url != null ? url.getValue()
				: coding != null ? coding.getSystem()
				: codeableConcept != null && codeableConcept.hasCoding() ? codeableConcept.getCodingFirstRep().getSystem()
				: null;
		if (id == null && system == null) {
			throw new InvalidRequestException(
					"$validate-code needs a code system: an id, a url, or a system in coding or codeableConcept");
		}
		if (TxResources.present(txResources)) {
			try (Hl7TerminologyEngine.Session session = engine.open(txResources)) {
				return session.validate(null, Hl7TerminologyEngine.request(requestDetails), true,
						servletRequest.getHeader("Accept-Language"));
			}
		}
		if (id == null && !lookups.isKnownCodeSystem(system, valueOf(version))) {
			throw new ResourceNotFoundException(
					"Unknown code system " + TerminologyLookups.versioned(system, valueOf(version)));
		}
		// HAPI insists on url even when the coding names its system.
		UriType codeSystemUrl = id == null && url == null ? new UriType(system) : url;
		return (Parameters) hapi.validateCode(
				servletRequest, id, codeSystemUrl, version, code, display, coding, codeableConcept, requestDetails);
	}

	@Operation(name = "$lookup", idempotent = true, typeName = "CodeSystem", returnParameters = {
			@OperationParam(name = "name", typeName = "string", min = 1),
			@OperationParam(name = "version", typeName = "string", min = 0),
			@OperationParam(name = "display", typeName = "string", min = 1),
			@OperationParam(name = "abstract", typeName = "boolean", min = 1)})
	public Parameters lookup(
			HttpServletRequest servletRequest,
			@OperationParam(name = "code", min = 0, max = 1) CodeType code,
			@OperationParam(name = "system", min = 0, max = 1) UriType system,
			@OperationParam(name = "coding", min = 0, max = 1) Coding coding,
			@OperationParam(name = "version", min = 0, max = 1) StringType version,
			@OperationParam(name = "displayLanguage", min = 0, max = 1) CodeType displayLanguage,
			@OperationParam(name = "property", min = 0, max = OperationParam.MAX_UNLIMITED) List<CodeType> properties,
			@OperationParam(name = "tx-resource", min = 0, max = OperationParam.MAX_UNLIMITED) List<IBaseResource> txResources,
			RequestDetails requestDetails) {
		List<IPrimitiveType<String>> propertyNames = properties == null ? List.of() : new ArrayList<>(properties);
		String systemUrl = system != null ? system.getValue() : coding != null ? coding.getSystem() : null;
		String systemVersion = coding != null && coding.hasVersion() ? coding.getVersion() : valueOf(version);
		if (!TxResources.present(txResources) && !definedByResource(systemUrl, systemVersion)) {
			return (Parameters) hapi.lookup(
					servletRequest, code, system, coding, version, displayLanguage, propertyNames, requestDetails);
		}
		try (Hl7TerminologyEngine.Session session = engine.open(txResources)) {
			return session.lookup(Hl7TerminologyEngine.request(requestDetails));
		}
	}

	@Operation(name = "$subsumes", idempotent = true, typeName = "CodeSystem", returnParameters = {
			@OperationParam(name = "outcome", typeName = "code", min = 1)})
	public Parameters subsumes(
			@IdParam(optional = true) IdType id,
			@OperationParam(name = "codeA", min = 0, max = 1) CodeType codeA,
			@OperationParam(name = "codeB", min = 0, max = 1) CodeType codeB,
			@OperationParam(name = "system", min = 0, max = 1) UriType system,
			@OperationParam(name = "version", min = 0, max = 1) StringType version,
			@OperationParam(name = "codingA", min = 0, max = 1) Coding codingA,
			@OperationParam(name = "codingB", min = 0, max = 1) Coding codingB,
			@OperationParam(name = "tx-resource", min = 0, max = OperationParam.MAX_UNLIMITED) List<IBaseResource> txResources,
			RequestDetails requestDetails) {
		TerminologyLookups answering = lookupsFor(txResources);
		Coding a = codingA != null ? codingA : new Coding(valueOf(system), codeA == null ? null : codeA.getValue(), null);
		Coding b = codingB != null ? codingB : new Coding(valueOf(system), codeB == null ? null : codeB.getValue(), null);
		if (!a.hasCode() || !b.hasCode()) {
			throw new InvalidRequestException("$subsumes needs two codes: codeA and codeB, or codingA and codingB");
		}

		CodeSystem codeSystem;
		if (id != null) {
			codeSystem = (CodeSystem) daoRegistry.getResourceDao("CodeSystem").read(id, requestDetails);
		} else {
			String systemA = a.hasSystem() ? a.getSystem() : b.getSystem();
			String systemB = b.hasSystem() ? b.getSystem() : systemA;
			if (systemA == null) {
				throw new InvalidRequestException("$subsumes needs the code system: system, or a system in the codings");
			}
			if (!systemA.equals(systemB)) {
				throw new InvalidRequestException(
						"$subsumes compares codes of one code system, not " + systemA + " and " + systemB);
			}
			String codeSystemVersion = valueOf(version);
			codeSystem = answering.codeSystem(systemA, codeSystemVersion);
			if (codeSystem == null) {
				throw answering.isKnownCodeSystem(systemA, codeSystemVersion)
						? new InvalidRequestException("This server knows no concept hierarchy for " + systemA)
						: new ResourceNotFoundException(
								"Unknown code system " + TerminologyLookups.versioned(systemA, codeSystemVersion));
			}
		}

		CodeSystemConcepts concepts = new CodeSystemConcepts(codeSystem);
		String conceptA = knownCode(concepts, a.getCode());
		String conceptB = knownCode(concepts, b.getCode());
		ConceptSubsumptionOutcome outcome;
		if (conceptA.equals(conceptB)) {
			outcome = ConceptSubsumptionOutcome.EQUIVALENT;
		} else if (concepts.isSameOrDescendant(conceptB, conceptA)) {
			outcome = ConceptSubsumptionOutcome.SUBSUMES;
		} else if (concepts.isSameOrDescendant(conceptA, conceptB)) {
			outcome = ConceptSubsumptionOutcome.SUBSUMEDBY;
		} else {
			outcome = ConceptSubsumptionOutcome.NOTSUBSUMED;
		}
		Parameters result = new Parameters();
		result.addParameter().setName("outcome").setValue(new CodeType(outcome.toCode()));
		return result;
	}

	/**
	 * Whether a CodeSystem resource with concepts (complete, fragment or example) defines the system: then the concept
	 * is looked up in that resource, not in HAPI's concept tables. HAPI's lookup from its tables (TermReadSvcImpl) knows
	 * only string and Coding properties and fails with HAPI-0905 "Unknown type: BOOLEAN" on any other property type (the
	 * boolean {@code takes-value} of our patient-characteristic codes); the resource keeps every property as written.
	 */
	private boolean definedByResource(String system, String version) {
		if (system == null) {
			return false;
		}
		CodeSystem codeSystem = lookups.codeSystem(system, version);
		return codeSystem != null && codeSystem.hasConcept()
				&& codeSystem.getContent() != CodeSystem.CodeSystemContentMode.NOTPRESENT;
	}

	private TerminologyLookups lookupsFor(List<IBaseResource> txResources) {
		return TxResources.present(txResources)
				? lookups.with(txResourceSupport.chain(txResources))
				: lookups;
	}

	private static String knownCode(CodeSystemConcepts concepts, String code) {
		var concept = concepts.find(code);
		if (concept == null) {
			throw new InvalidRequestException(
					"Unknown code '" + code + "' in code system " + concepts.codeSystem().getUrl());
		}
		return concept.getCode();
	}

	private static String valueOf(UriType uri) {
		return uri == null ? null : uri.getValue();
	}

	private static String valueOf(StringType value) {
		return value == null ? null : value.getValue();
	}
}
