package org.adhdkb.terminology;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.provider.ValueSetOperationProvider;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import jakarta.servlet.http.HttpServletRequest;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeSystem.ConceptDefinitionComponent;
import org.hl7.fhir.r4.model.CodeSystem.ConceptDefinitionDesignationComponent;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;
import org.hl7.fhir.r4.model.UriType;
import org.hl7.fhir.r4.model.ValueSet;
import org.hl7.fhir.r4.model.ValueSet.ValueSetExpansionComponent;
import org.hl7.fhir.r4.model.ValueSet.ValueSetExpansionContainsComponent;

import java.util.ArrayList;
import java.util.Date;
import java.util.UUID;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code ValueSet/$expand}, {@code ValueSet/$validate-code} and {@code ValueSet/$batch-validate-code}. Requests for the
 * stored value sets go to HAPI's {@link ValueSetOperationProvider}, with what HAPI lacks added here:
 * <ul>
 * <li>{@code $expand}: {@code activeOnly}, {@code includeDesignations}, {@code excludeNested}, {@code displayLanguage};
 * {@code filter}, {@code count} and {@code offset} applied here, because without Hibernate Search HAPI ignores
 * {@code filter} for any value set not yet pre-expanded by its scheduler (so right after start-up or an update), and
 * paging must come after the filters HAPI does not apply; expansions larger than the configured maximum refused as too
 * costly; the code systems used listed as {@code used-codesystem}.</li>
 * <li>{@code $validate-code}: an unknown value set is a 404 with an OperationOutcome, not {@code result=false}.</li>
 * </ul>
 * Requests that bring their own resources ({@code tx-resource}, an inline {@code valueSet}), or carry a parameter
 * HAPI does not honour ({@link Hl7TerminologyEngine#ENGINE_ONLY_PARAMETERS}), and every batch go to the HL7 core
 * terminology engine ({@link Hl7TerminologyEngine}).
 */
public class ValueSetOperations {

	/** Expansion parameters this server honours; TerminologyCapabilities lists the same. */
	static final List<String> EXPANSION_PARAMETERS = List.of(
			"url", "valueSet", "valueSetVersion", "filter", "count", "offset", "activeOnly", "includeDesignations",
			"displayLanguage", "includeHierarchy", "excludeNested", "tx-resource", "system-version",
			"force-system-version", "check-system-version", "default-valueset-version", "property", "includeDefinition",
			"designation", "useSupplement");

	private static final Set<String> ECHOED_PARAMETERS = Set.of(
			"filter", "count", "offset", "activeOnly", "includeDesignations", "displayLanguage", "excludeNested",
			"used-codesystem");

	private final ValueSetOperationProvider hapi;
	private final TerminologyLookups lookups;
	private final TxResources txResourceSupport;
	private final Hl7TerminologyEngine engine;
	private final int maxExpansionSize;

	ValueSetOperations(ValueSetOperationProvider hapi, TerminologyLookups lookups, TxResources txResourceSupport,
			Hl7TerminologyEngine engine, int maxExpansionSize) {
		this.hapi = hapi;
		this.lookups = lookups;
		this.txResourceSupport = txResourceSupport;
		this.engine = engine;
		this.maxExpansionSize = maxExpansionSize;
	}

	@Operation(name = "$expand", idempotent = true, typeName = "ValueSet")
	public ValueSet expand(
			HttpServletRequest servletRequest,
			@IdParam(optional = true) IdType id,
			@OperationParam(name = "valueSet", min = 0, max = 1) ValueSet valueSet,
			@OperationParam(name = "url", min = 0, max = 1) UriType url,
			@OperationParam(name = "valueSetVersion", min = 0, max = 1) StringType valueSetVersion,
			@OperationParam(name = "filter", min = 0, max = 1) StringType filter,
			@OperationParam(name = "context", min = 0, max = 1) UriType context,
			@OperationParam(name = "contextDirection", min = 0, max = 1) CodeType contextDirection,
			@OperationParam(name = "offset", min = 0, max = 1) IntegerType offset,
			@OperationParam(name = "count", min = 0, max = 1) IntegerType count,
			@OperationParam(name = "displayLanguage", min = 0, max = 1) CodeType displayLanguage,
			@OperationParam(name = "includeHierarchy", min = 0, max = 1) BooleanType includeHierarchy,
			@OperationParam(name = "activeOnly", min = 0, max = 1) BooleanType activeOnly,
			@OperationParam(name = "includeDesignations", min = 0, max = 1) BooleanType includeDesignations,
			@OperationParam(name = "excludeNested", min = 0, max = 1) BooleanType excludeNested,
			@OperationParam(name = "tx-resource", min = 0, max = OperationParam.MAX_UNLIMITED) List<IBaseResource> txResources,
			RequestDetails requestDetails) {
		int first = nonNegative("offset", offset, 0);
		int pageSize = nonNegative("count", count, Integer.MAX_VALUE);
		if (id == null && url == null && valueSet == null) {
			throw new InvalidRequestException("$expand needs a value set: an id, a url or a valueSet parameter");
		}

		if (TxResources.present(txResources) || valueSet != null || Hl7TerminologyEngine.needsEngine(requestDetails)) {
			try (Hl7TerminologyEngine.Session session = engine.open(txResources)) {
				ValueSet source = engineTarget(session, txResources, id, url, valueSet, valueSetVersion, requestDetails);
				return session.expand(source, Hl7TerminologyEngine.request(requestDetails),
						servletRequest.getHeader("Accept-Language"), maxExpansionSize);
			}
		}
		ValueSet expanded;
		IValidationSupport support;
		{
			support = lookups.validationSupport();
			ValueSetGuard.check(storedValueSet(id, url, valueSetVersion, requestDetails), support);
			// The whole expansion, unfiltered and unpaged; HAPI refuses one above the maximum as too costly. HAPI may
			// hand out a cached expansion, so the changes below are made to a copy.
			expanded = ((ValueSet) hapi.expand(servletRequest, id, null, url, valueSetVersion, null, context,
					contextDirection, new IntegerType(0), new IntegerType(maxExpansionSize), displayLanguage,
					includeHierarchy, requestDetails)).copy();
		}
		ValueSetExpansionComponent expansion = expanded.getExpansion();
		if (expansion.getTotal() > maxExpansionSize || expansion.getContains().size() > maxExpansionSize) {
			throw new TooCostlyException("The expansion of " + expanded.getUrl() + " has more than this server's "
					+ "maximum of " + maxExpansionSize + " codes");
		}

		List<ValueSetExpansionContainsComponent> contains = isTrue(excludeNested)
				? flatten(expansion.getContains())
				: expansion.getContains();
		ConceptCache concepts = new ConceptCache(support);
		List<ValueSetExpansionContainsComponent> selected = select(
				contains, filter == null ? null : filter.getValue(), isTrue(activeOnly), includeDesignations,
				displayLanguage == null ? null : displayLanguage.getValue(), concepts);

		if (!expansion.hasIdentifier()) {
			expansion.setIdentifier("urn:uuid:" + UUID.randomUUID());
		}
		if (!expansion.hasTimestamp()) {
			expansion.setTimestamp(new Date());
		}
		expansion.setTotal(selected.size());
		expansion.setOffsetElement(offset == null ? null : new IntegerType(first));
		expansion.setContains(selected.stream().skip(first).limit(pageSize).toList());
		expansion.getParameter().removeIf(parameter -> ECHOED_PARAMETERS.contains(parameter.getName()));
		echo(expansion, "filter", filter);
		echo(expansion, "count", count);
		echo(expansion, "offset", offset);
		echo(expansion, "activeOnly", activeOnly);
		echo(expansion, "includeDesignations", includeDesignations);
		echo(expansion, "displayLanguage", displayLanguage);
		echo(expansion, "excludeNested", excludeNested);
		for (String system : usedCodeSystems(selected, concepts)) {
			expansion.addParameter().setName("used-codesystem").setValue(new UriType(system));
		}
		return expanded;
	}

	@Operation(name = "$validate-code", idempotent = true, typeName = "ValueSet", returnParameters = {
			@OperationParam(name = "result", typeName = "boolean", min = 1),
			@OperationParam(name = "message", typeName = "string"),
			@OperationParam(name = "display", typeName = "string")})
	public Parameters validateCode(
			HttpServletRequest servletRequest,
			@IdParam(optional = true) IdType id,
			@OperationParam(name = "url", min = 0, max = 1) UriType url,
			@OperationParam(name = "valueSet", min = 0, max = 1) ValueSet valueSet,
			@OperationParam(name = "valueSetVersion", min = 0, max = 1) StringType valueSetVersion,
			@OperationParam(name = "code", min = 0, max = 1) CodeType code,
			@OperationParam(name = "system", min = 0, max = 1) UriType system,
			@OperationParam(name = "systemVersion", min = 0, max = 1) StringType systemVersion,
			@OperationParam(name = "display", min = 0, max = 1) StringType display,
			@OperationParam(name = "coding", min = 0, max = 1) Coding coding,
			@OperationParam(name = "codeableConcept", min = 0, max = 1) CodeableConcept codeableConcept,
			@OperationParam(name = "tx-resource", min = 0, max = OperationParam.MAX_UNLIMITED) List<IBaseResource> txResources,
			RequestDetails requestDetails) {
		if (id == null && url == null && valueSet == null) {
			throw new InvalidRequestException("$validate-code needs a value set: an id, a url or a valueSet parameter");
		}
		if (code == null && coding == null && codeableConcept == null) {
			throw new InvalidRequestException("$validate-code needs code, coding or codeableConcept");
		}
		if (TxResources.present(txResources) || valueSet != null || Hl7TerminologyEngine.needsEngine(requestDetails)) {
			try (Hl7TerminologyEngine.Session session = engine.open(txResources)) {
				ValueSet target = engineTarget(session, txResources, id, url, valueSet, valueSetVersion, requestDetails);
				return session.validate(target, Hl7TerminologyEngine.request(requestDetails), false,
						servletRequest.getHeader("Accept-Language"));
			}
		}
		if (id == null && !lookups.isKnownValueSet(url.getValue(), valueOf(valueSetVersion))) {
			throw TerminologyErrors.unknownValueSet(TerminologyLookups.versioned(url.getValue(), valueOf(valueSetVersion)));
		}
		ValueSetGuard.check(storedValueSet(id, url, valueSetVersion, requestDetails), lookups.validationSupport());
		return (Parameters) hapi.validateCode(servletRequest, id, url, valueSetVersion, code, system, systemVersion,
				display, coding, codeableConcept, requestDetails);
	}

	/**
	 * {@code ValueSet/$batch-validate-code} (FHIR terminology ecosystem): one value set, several codes, each in a
	 * {@code validation} Parameters holding what a {@code $validate-code} request would; the answer has one
	 * {@code validation} per code, a {@code $validate-code} answer or the OperationOutcome of its failure. The parameters
	 * outside the validations (the value set, tx-resource, the version parameters, ...) apply to all. Answered by the
	 * HL7 engine, with one worker context for the batch.
	 */
	@Operation(name = "$batch-validate-code", typeName = "ValueSet")
	public Parameters batchValidateCode(
			HttpServletRequest servletRequest,
			@IdParam(optional = true) IdType id,
			@OperationParam(name = "url", min = 0, max = 1) UriType url,
			@OperationParam(name = "valueSet", min = 0, max = 1) ValueSet valueSet,
			@OperationParam(name = "valueSetVersion", min = 0, max = 1) StringType valueSetVersion,
			@OperationParam(name = "validation", min = 0, max = OperationParam.MAX_UNLIMITED) List<IBaseResource> validations,
			@OperationParam(name = "tx-resource", min = 0, max = OperationParam.MAX_UNLIMITED) List<IBaseResource> txResources,
			RequestDetails requestDetails) {
		if (id == null && url == null && valueSet == null) {
			throw new InvalidRequestException("$batch-validate-code needs a value set: an id, a url or a valueSet parameter");
		}
		org.hl7.fhir.r5.model.Parameters common = Hl7TerminologyEngine.request(requestDetails);
		common.getParameter().removeIf(parameter -> Set.of("validation", "tx-resource").contains(parameter.getName()));
		Parameters answer = new Parameters();
		try (Hl7TerminologyEngine.Session session = engine.open(txResources)) {
			ValueSet target = engineTarget(session, txResources, id, url, valueSet, valueSetVersion, requestDetails);
			for (IBaseResource validation : validations == null ? List.<IBaseResource>of() : validations) {
				org.hl7.fhir.r5.model.Parameters request = common.copy();
				if (validation instanceof Parameters parameters) {
					request.getParameter().addAll(((org.hl7.fhir.r5.model.Parameters) Hl7TerminologyEngine.toR5(parameters)).getParameter());
				}
				Resource result;
				try {
					result = session.validate(target, request, false, servletRequest.getHeader("Accept-Language"));
				} catch (BaseServerResponseException failure) {
					result = failure.getOperationOutcome() instanceof Resource outcome ? outcome : failureOutcome(failure);
				}
				answer.addParameter().setName("validation").setResource(result);
			}
		}
		return answer;
	}

	private static org.hl7.fhir.r4.model.OperationOutcome failureOutcome(BaseServerResponseException failure) {
		org.hl7.fhir.r4.model.OperationOutcome outcome = new org.hl7.fhir.r4.model.OperationOutcome();
		outcome.addIssue()
				.setSeverity(org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity.ERROR)
				.setCode(org.hl7.fhir.r4.model.OperationOutcome.IssueType.PROCESSING)
				.setDiagnostics(failure.getMessage());
		return outcome;
	}

	/** The stored value set an operation names, or null (HAPI then answers 404 in its own words). */
	private ValueSet storedValueSet(IdType id, UriType url, StringType version, RequestDetails requestDetails) {
		if (id != null) {
			return lookups.readValueSet(id, requestDetails);
		}
		return lookups.validationSupport().fetchValueSet(TerminologyLookups.versioned(url.getValue(), valueOf(version)))
				instanceof ValueSet found ? found : null;
	}

	/**
	 * The value set a request for the HL7 engine names: inline, stored by id, or by url among the request's resources
	 * and the stored ones (the latest version if the request names none); checked by {@link ValueSetGuard}.
	 */
	private ValueSet engineTarget(Hl7TerminologyEngine.Session session, List<IBaseResource> txResources, IdType id,
			UriType url, ValueSet inline, StringType version, RequestDetails requestDetails) {
		ValueSet target = inline != null ? inline
				: id != null ? lookups.readValueSet(id, requestDetails)
				: session.r4ValueSet(url.getValue(), valueOf(version));
		if (target == null) {
			throw TerminologyErrors.unknownValueSet(TerminologyLookups.versioned(url.getValue(), valueOf(version)));
		}
		ValueSetGuard.check(target, txResourceSupport.chain(txResources == null ? List.of() : txResources));
		return target;
	}

	/**
	 * The concepts to return, in order: those matching the filter, without inactive ones if asked, with inactive ones
	 * marked and designations added or removed as asked. Nested concepts are treated the same way.
	 */
	private List<ValueSetExpansionContainsComponent> select(
			List<ValueSetExpansionContainsComponent> contains,
			String filter,
			boolean activeOnly,
			BooleanType includeDesignations,
			String displayLanguage,
			ConceptCache concepts) {
		List<ValueSetExpansionContainsComponent> selected = new ArrayList<>();
		for (ValueSetExpansionContainsComponent entry : contains) {
			ConceptDefinitionComponent concept = conceptOf(entry, concepts);
			if (concept != null && CodeSystemConcepts.isInactive(concept)) {
				entry.setInactive(true);
			}
			if (concept != null && CodeSystemConcepts.isNotSelectable(concept)) {
				entry.setAbstract(true);
			}
			entry.setContains(
					select(entry.getContains(), filter, activeOnly, includeDesignations, displayLanguage, concepts));
			if (displayLanguage != null && concept != null) {
				// HAPI's expansion may keep the default display whatever the displayLanguage.
				concept.getDesignation().stream()
						.filter(designation -> isLanguage(designation.getLanguage(), displayLanguage))
						.findFirst()
						.ifPresent(designation -> entry.setDisplay(designation.getValue()));
			}
			boolean matches = matchesFilter(entry, filter) || entry.hasContains();
			if (!matches || (activeOnly && entry.getInactive())) {
				selected.addAll(entry.getContains());
				continue;
			}
			if (includeDesignations != null && !includeDesignations.booleanValue()) {
				entry.getDesignation().clear();
			} else if (includeDesignations != null && concept != null && !entry.hasDesignation()) {
				for (ConceptDefinitionDesignationComponent designation : concept.getDesignation()) {
					entry.addDesignation()
							.setLanguage(designation.getLanguage())
							.setUse(designation.getUse())
							.setValue(designation.getValue());
				}
			}
			selected.add(entry);
		}
		return selected;
	}

	private static ConceptDefinitionComponent conceptOf(ValueSetExpansionContainsComponent entry, ConceptCache concepts) {
		if (!entry.hasSystem() || !entry.hasCode()) {
			return null;
		}
		CodeSystemConcepts codeSystem = concepts.get(TerminologyLookups.versioned(entry.getSystem(), entry.getVersion()));
		if (codeSystem == null) {
			codeSystem = concepts.get(entry.getSystem());
		}
		return codeSystem == null ? null : codeSystem.find(entry.getCode());
	}

	/** {@code system|version} of each code system the selected concepts come from, where the version is known. */
	private static Set<String> usedCodeSystems(List<ValueSetExpansionContainsComponent> selected, ConceptCache concepts) {
		Set<String> used = new LinkedHashSet<>();
		for (ValueSetExpansionContainsComponent entry : selected) {
			if (!entry.hasSystem()) {
				continue;
			}
			String version = entry.getVersion();
			if (version == null) {
				CodeSystemConcepts codeSystem = concepts.get(entry.getSystem());
				version = codeSystem == null ? null : codeSystem.codeSystem().getVersion();
			}
			used.add(TerminologyLookups.versioned(entry.getSystem(), version));
			used.addAll(usedCodeSystems(entry.getContains(), concepts));
		}
		return used;
	}

	/**
	 * Every word of the filter must start a word of the display, or the filter must start the code; case is ignored.
	 */
	static boolean matchesFilter(ValueSetExpansionContainsComponent entry, String filter) {
		if (filter == null || filter.isBlank()) {
			return true;
		}
		String wanted = filter.toLowerCase(Locale.ROOT).trim();
		if (entry.hasCode() && entry.getCode().toLowerCase(Locale.ROOT).startsWith(wanted)) {
			return true;
		}
		List<String> displayWords = List.of(
				(entry.hasDisplay() ? entry.getDisplay() : "").toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+"));
		for (String word : wanted.split("[^\\p{L}\\p{N}]+")) {
			if (!word.isEmpty() && displayWords.stream().noneMatch(displayWord -> displayWord.startsWith(word))) {
				return false;
			}
		}
		return true;
	}

	/** {@code de} matches {@code de} and {@code de-CH}, case ignored. */
	private static boolean isLanguage(String language, String wanted) {
		if (language == null) {
			return false;
		}
		String lower = language.toLowerCase(Locale.ROOT);
		String wantedLower = wanted.toLowerCase(Locale.ROOT);
		return lower.equals(wantedLower) || lower.startsWith(wantedLower + "-");
	}

	static List<ValueSetExpansionContainsComponent> flatten(List<ValueSetExpansionContainsComponent> contains) {
		List<ValueSetExpansionContainsComponent> flat = new ArrayList<>();
		for (ValueSetExpansionContainsComponent entry : contains) {
			List<ValueSetExpansionContainsComponent> children = flatten(entry.getContains());
			entry.getContains().clear();
			if (entry.hasCode()) {
				flat.add(entry);
			}
			flat.addAll(children);
		}
		return flat;
	}

	private static String describe(ValueSet valueSet) {
		return valueSet.hasUrl() ? TerminologyLookups.versioned(valueSet.getUrl(), valueSet.getVersion()) : "(inline value set)";
	}

	private static void echo(ValueSetExpansionComponent expansion, String name, Type value) {
		if (value != null && !value.isEmpty()) {
			expansion.addParameter().setName(name).setValue(value);
		}
	}

	private static int nonNegative(String name, IntegerType value, int absent) {
		if (value == null || value.getValue() == null) {
			return absent;
		}
		if (value.getValue() < 0) {
			throw new InvalidRequestException("Parameter " + name + " must not be negative");
		}
		return value.getValue();
	}

	private static boolean isTrue(BooleanType value) {
		return value != null && value.booleanValue();
	}

	static String valueOf(StringType value) {
		return value == null ? null : value.getValue();
	}

	static String valueOf(UriType value) {
		return value == null ? null : value.getValue();
	}
}
