package org.adhdkb.terminology;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.hl7.fhir.convertors.factory.VersionConvertorFactory_40_50;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r5.context.ExpansionOptions;
import org.hl7.fhir.r5.context.SimpleWorkerContext;
import org.hl7.fhir.r5.model.CanonicalType;
import org.hl7.fhir.r5.model.CodeSystem;
import org.hl7.fhir.r5.model.CodeType;
import org.hl7.fhir.r5.model.CodeableConcept;
import org.hl7.fhir.r5.model.Coding;
import org.hl7.fhir.r5.model.OperationOutcome;
import org.hl7.fhir.r5.model.OperationOutcome.OperationOutcomeIssueComponent;
import org.hl7.fhir.r5.model.Parameters;
import org.hl7.fhir.r5.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r5.model.Resource;
import org.hl7.fhir.r5.model.StringType;
import org.hl7.fhir.r5.model.UriType;
import org.hl7.fhir.r5.model.ValueSet;
import org.hl7.fhir.r5.model.ValueSet.ConceptSetComponent;
import org.hl7.fhir.r5.terminologies.CodeSystemUtilities;
import org.hl7.fhir.r5.terminologies.ValueSetUtilities;
import org.hl7.fhir.r5.terminologies.utilities.TerminologyOperationContext;
import org.hl7.fhir.r5.terminologies.validation.ValueSetValidator;
import org.hl7.fhir.r5.terminologies.expansion.ValueSetExpansionOutcome;
import org.hl7.fhir.r5.terminologies.utilities.TerminologyCache;
import org.hl7.fhir.r5.terminologies.utilities.TerminologyServiceErrorClass;
import org.hl7.fhir.r5.terminologies.utilities.ValidationResult;
import org.hl7.fhir.utilities.FhirPublication;
import org.hl7.fhir.utilities.validation.ValidationMessage.IssueSeverity;
import org.hl7.fhir.utilities.validation.ValidationOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.LongSupplier;

/**
 * The terminology engine of the HL7 FHIR core library (org.hl7.fhir.r5: ValueSetExpander and ValueSetValidator behind
 * a SimpleWorkerContext), which HAPI ships for its validator, answering requests that bring their own code systems and
 * value sets ({@code tx-resource}, an inline {@code valueSet}). It is the engine the HL7 tools use for local
 * terminology, so it already does what HAPI's in-memory terminology service lacks: supplements, language and
 * designations, the version parameters ({@code system-version}, {@code force-system-version}, ...), inactive and
 * deprecated concepts, the echo of the expansion parameters, and validation answers with their issues.
 * <p>
 * Each request gets its own worker context holding the request's resources (R4, converted to R5), plus the stored
 * terminology resources they refer to; the answers are converted back to R4.
 */
final class Hl7TerminologyEngine {

	/** The version parameters that, for validation, travel in the context's expansion parameters. */
	private static final Set<String> VERSION_PARAMETERS = Set.of(
			"default-valueset-version", "system-version", "force-system-version", "default-system-version",
			"check-system-version", "includeAlternateCodes");

	/**
	 * Idle worker contexts kept, per distinct set of tx-resources; more are dropped. Each holds its own copy of the
	 * IANA language registry (some megabytes), so few are kept.
	 */
	private static final int MAX_KEPT_RESOURCE_SETS = 8;
	private static final int MAX_IDLE_PER_SET = 2;

	private final IValidationSupport server;
	private final LongSupplier storageVersion;
	private final Map<String, Deque<Idle>> idle = new ConcurrentHashMap<>();

	/** A worker context not in use, built when the stored resources were at {@code storageVersion}. */
	private record Idle(long storageVersion, SimpleWorkerContext context, List<Loaded> resources) {}

	/**
	 * A resource in a worker context, and a copy of it as loaded: the engine changes the resources it works on (it
	 * adds designations to a code system's concepts when it expands in a language), so a context is used again only
	 * after its resources have been put back as they were.
	 */
	private record Loaded(Resource live, Resource pristine) {
		static Loaded of(Resource resource) {
			return new Loaded(resource, resource.copy());
		}

		void restore() {
			if (live instanceof CodeSystem codeSystem) {
				((CodeSystem) pristine).copyValues(codeSystem);
				CodeSystemUtilities.crossLinkCodeSystem(codeSystem);
			} else if (live instanceof ValueSet valueSet) {
				((ValueSet) pristine).copyValues(valueSet);
			} else if (live instanceof org.hl7.fhir.r5.model.ConceptMap conceptMap) {
				((org.hl7.fhir.r5.model.ConceptMap) pristine).copyValues(conceptMap);
			} else if (live instanceof org.hl7.fhir.r5.model.NamingSystem namingSystem) {
				((org.hl7.fhir.r5.model.NamingSystem) pristine).copyValues(namingSystem);
			}
		}
	}

	/**
	 * @param storageVersion moves whenever stored resources change; a kept context, which may hold stored resources
	 *                       copied in, is not used again after it moved
	 */
	Hl7TerminologyEngine(IValidationSupport server, LongSupplier storageVersion) {
		this.server = server;
		this.storageVersion = storageVersion;
	}

	/**
	 * A worker context for one request, with the request's resources; close it when done. Building one costs tens of
	 * milliseconds (the engine parses the IANA language registry for each), and clients send the same tx-resources
	 * again and again (the HL7 validator sends a value set's dependencies with every request about it), so a context
	 * is kept for the next request with the same resources, with its caches emptied.
	 */
	Session open(List<IBaseResource> txResources) {
		List<IBaseResource> resources = txResources == null ? List.of() : txResources.stream()
				.filter(resource -> resource instanceof org.hl7.fhir.r4.model.CodeSystem
						|| resource instanceof org.hl7.fhir.r4.model.ValueSet
						|| resource instanceof org.hl7.fhir.r4.model.ConceptMap
						|| resource instanceof org.hl7.fhir.r4.model.NamingSystem)
				.toList();
		String key = fingerprint(resources);
		long version = storageVersion.getAsLong();
		Deque<Idle> kept = idle.get(key);
		Idle reused = kept == null ? null : kept.pollFirst();
		while (reused != null && reused.storageVersion() != version) {
			reused = kept.pollFirst();
		}
		if (reused != null) {
			reused.resources().forEach(Loaded::restore);
			reused.context().initTxCache(newCache());
			reused.context().setExpansionParameters(new Parameters());
			return new Session(reused.context(), key, version, reused.resources());
		}
		Session session = new Session(newContext(), key, version, new ArrayList<>());
		for (IBaseResource resource : resources) {
			session.load(toR5((org.hl7.fhir.r4.model.Resource) resource));
		}
		return session;
	}

	private void keep(String key, long version, SimpleWorkerContext context, List<Loaded> loaded) {
		if (idle.size() >= MAX_KEPT_RESOURCE_SETS && !idle.containsKey(key)) {
			idle.clear();
		}
		Deque<Idle> kept = idle.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>());
		if (kept.size() < MAX_IDLE_PER_SET) {
			kept.addFirst(new Idle(version, context, loaded));
		}
	}

	/**
	 * Synchronized: the core library's context builder reads and rewrites a shared tx-cache folder on disk
	 * (/tmp/default-tx-cache); two builds at once under load made one fail on a file the other had just replaced.
	 */
	private static synchronized SimpleWorkerContext newContext() {
		try {
			SimpleWorkerContext context = new SimpleWorkerContext.SimpleWorkerContextBuilder().fromNothing();
			context.setAllowLoadingDuplicates(true);
			context.setCanRunWithoutTerminology(true);
			context.setNoTerminologyServer(true);
			context.setExpansionParameters(new Parameters());
			context.initTxCache(newCache());
			return context;
		} catch (IOException e) {
			throw new IllegalStateException("The HL7 terminology engine did not start", e);
		}
	}

	/** A terminology cache of its own, in memory, for one request: answers depend on the request's parameters. */
	private static TerminologyCache newCache() {
		try {
			return new TerminologyCache(new Object(), null);
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
	}

	/** Identifies the content of the resources: SHA-256 of their JSON. */
	private String fingerprint(List<IBaseResource> resources) {
		MessageDigest digest;
		try {
			digest = MessageDigest.getInstance("SHA-256");
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
		IParser json = server.getFhirContext().newJsonParser();
		for (IBaseResource resource : resources) {
			digest.update(json.encodeResourceToString(resource).getBytes(StandardCharsets.UTF_8));
			digest.update((byte) 0);
		}
		return HexFormat.of().formatHex(digest.digest());
	}

	/**
	 * The request's parameters as sent: the engine reads many that the operation methods do not bind (the version
	 * parameters, property, designation, ...). HAPI keeps the parsed body of an operation POST in the request's user
	 * data under this key (OperationParameter.REQUEST_CONTENTS_USERDATA_KEY, not public); a GET has only strings.
	 */
	private static final String REQUEST_CONTENTS = ca.uhn.fhir.rest.annotation.OperationParam.class.getName()
			+ "_PARSED_RESOURCE";

	/**
	 * Parameters the engine honours and HAPI's terminology service does not: a request for a stored value set that
	 * carries one of them is answered by the engine too.
	 */
	static final Set<String> ENGINE_ONLY_PARAMETERS = Set.of(
			"system-version", "force-system-version", "check-system-version", "default-valueset-version", "property",
			"includeDefinition", "designation", "useSupplement", "valueset-membership-only",
			"lenient-display-validation", "excludeNotForUI");

	/** True if the request carries a parameter that only the engine honours. */
	static boolean needsEngine(ca.uhn.fhir.rest.api.server.RequestDetails requestDetails) {
		if (requestDetails.getUserData().get(REQUEST_CONTENTS) instanceof org.hl7.fhir.r4.model.Parameters body) {
			return body.getParameter().stream().anyMatch(parameter -> ENGINE_ONLY_PARAMETERS.contains(parameter.getName()));
		}
		return requestDetails.getParameters().keySet().stream().anyMatch(ENGINE_ONLY_PARAMETERS::contains);
	}

	static Parameters request(ca.uhn.fhir.rest.api.server.RequestDetails requestDetails) {
		if (requestDetails.getUserData().get(REQUEST_CONTENTS) instanceof org.hl7.fhir.r4.model.Parameters body) {
			// Without the tx-resources, which the session has already (converting them is most of the cost).
			org.hl7.fhir.r4.model.Parameters withoutResources = new org.hl7.fhir.r4.model.Parameters();
			body.getParameter().stream()
					.filter(parameter -> !"tx-resource".equals(parameter.getName()))
					.forEach(withoutResources::addParameter);
			return (Parameters) toR5(withoutResources);
		}
		Parameters parameters = new Parameters();
		requestDetails.getParameters().forEach((name, values) -> {
			for (String value : values) {
				parameters.addParameter(name, "true".equals(value) || "false".equals(value)
						? new org.hl7.fhir.r5.model.BooleanType(value)
						: value.matches("\\d{1,9}") ? new org.hl7.fhir.r5.model.IntegerType(value) : new StringType(value));
			}
		});
		return parameters;
	}

	static Resource toR5(org.hl7.fhir.r4.model.Resource resource) {
		Resource converted = VersionConvertorFactory_40_50.convertResource(resource);
		if (converted instanceof ValueSet valueSet) {
			hierarchyFiltersOnCodeAsConcept(valueSet);
		}
		return converted;
	}

	private static final String SUPPLEMENT_NEEDED = "http://hl7.org/fhir/StructureDefinition/valueset-supplement";

	/** Filter operators that select by the is-a hierarchy. */
	private static final Set<String> HIERARCHY_OPERATORS =
			Set.of("is-a", "descendent-of", "is-not-a", "generalizes", "child-of", "descendent-leaf");

	/**
	 * A hierarchy filter on the property {@code code} (say {@code code is-a X}) means the same as one on
	 * {@code concept}, as terminology servers read it; the engine knows only {@code concept} for these operators and
	 * refuses the other as "not supported".
	 */
	private static void hierarchyFiltersOnCodeAsConcept(ValueSet valueSet) {
		List<ConceptSetComponent> sets = new ArrayList<>(valueSet.getCompose().getInclude());
		sets.addAll(valueSet.getCompose().getExclude());
		for (ConceptSetComponent set : sets) {
			for (ValueSet.ConceptSetFilterComponent filter : set.getFilter()) {
				if ("code".equals(filter.getProperty()) && filter.getOp() != null
						&& HIERARCHY_OPERATORS.contains(filter.getOp().toCode())) {
					filter.setProperty("concept");
				}
			}
		}
	}

	static org.hl7.fhir.r4.model.Resource toR4(Resource resource) {
		return VersionConvertorFactory_40_50.convertResource(resource);
	}

	/** One request's context; closing it keeps the context for the next request with the same resources. */
	final class Session implements AutoCloseable {
		private final SimpleWorkerContext context;
		private final String key;
		private final long version;
		private final List<Loaded> loaded;

		private Session(SimpleWorkerContext context, String key, long version, List<Loaded> loaded) {
			this.context = context;
			this.key = key;
			this.version = version;
			this.loaded = loaded;
		}

		private void load(Resource resource) {
			context.cacheResource(resource);
			loaded.add(Loaded.of(resource));
		}

		@Override
		public void close() {
			keep(key, version, context, loaded);
		}

		/** The value set by url (and version), from the request's resources or the stored ones; null if none. */
		ValueSet valueSet(String url, String version) {
			ValueSet found = version == null
					? context.fetchResource(ValueSet.class, url)
					: context.fetchResource(ValueSet.class, url, version);
			if (found == null && server.fetchValueSet(TerminologyLookups.versioned(url, version))
					instanceof org.hl7.fhir.r4.model.ValueSet stored) {
				found = (ValueSet) toR5(stored);
				load(found);
			}
			return found;
		}

		/** {@link #valueSet} in R4; null if there is none. */
		org.hl7.fhir.r4.model.ValueSet r4ValueSet(String url, String version) {
			ValueSet found = valueSet(url, version);
			return found == null ? null : (org.hl7.fhir.r4.model.ValueSet) toR4(found);
		}

		/** Makes the stored code systems and value sets the value set refers to, and are not in the request, visible. */
		void addReferenced(ValueSet valueSet) {
			Deque<ValueSet> toVisit = new ArrayDeque<>(List.of(valueSet));
			while (!toVisit.isEmpty()) {
				ValueSet current = toVisit.pop();
				List<ConceptSetComponent> sets = new ArrayList<>(current.getCompose().getInclude());
				sets.addAll(current.getCompose().getExclude());
				for (ConceptSetComponent set : sets) {
					if (set.hasSystem()) {
						addCodeSystem(set.getSystem(), set.getVersion());
					}
					for (CanonicalType included : set.getValueSet()) {
						if (!context.hasResource(ValueSet.class, included.getValue())
								&& server.fetchValueSet(included.getValue()) instanceof org.hl7.fhir.r4.model.ValueSet stored) {
							ValueSet converted = (ValueSet) toR5(stored);
							load(converted);
							toVisit.push(converted);
						}
					}
				}
			}
		}

		void addCodeSystem(String system, String version) {
			if (system != null && !context.hasResource(CodeSystem.class, system)
					&& server.fetchCodeSystem(TerminologyLookups.versioned(system, version))
					instanceof org.hl7.fhir.r4.model.CodeSystem stored) {
				load(toR5(stored));
			}
		}

		/**
		 * Expands the value set with the request's parameters (filter, count, offset, activeOnly, displayLanguage,
		 * the version parameters, ...), which the engine also echoes in the expansion.
		 */
		org.hl7.fhir.r4.model.ValueSet expand(org.hl7.fhir.r4.model.ValueSet r4ValueSet, Parameters request,
				String acceptLanguage, int maxSize) {
			ValueSet valueSet = (ValueSet) toR5(r4ValueSet);
			addReferenced(valueSet);
			supplements(request, valueSet);
			Parameters parameters = request.copy();
			parameters.getParameter().removeIf(parameter -> "tx-resource".equals(parameter.getName())
					|| "valueSet".equals(parameter.getName()));
			if (acceptLanguage != null && !parameters.hasParameter("displayLanguage")) {
				parameters.addParameter("displayLanguage", new CodeType(acceptLanguage));
			}
			// The engine has no text filter: with one, it expands everything, and the filter and paging are applied here.
			String filter = string(parameters, "filter");
			List<ParametersParameterComponent> paging = new ArrayList<>();
			if (filter != null) {
				parameters.getParameter().removeIf(parameter -> {
					boolean remove = Set.of("filter", "count", "offset").contains(parameter.getName());
					if (remove) {
						paging.add(parameter);
					}
					return remove;
				});
			}
			boolean hierarchical = filter == null
					&& (!parameters.hasParameter("excludeNested") || !parameters.getParameterBool("excludeNested"));
			ValueSet source = valueSet.hasUrl() ? valueSet : valueSet.copy().setUrl("urn:uuid:" + java.util.UUID.randomUUID());
			ValueSetExpansionOutcome outcome = context.expandVS(
					new ExpansionOptions(false, hierarchical, maxSize, false, null), source, parameters, true);
			if (outcome.getValueset() == null) {
				throw expansionError(outcome);
			}
			ValueSet expanded = outcome.getValueset();
			if (!valueSet.hasUrl()) {
				expanded.setUrl(null);
			}
			if (parameters.hasParameter("count") && parameters.getParameterValue("count") instanceof org.hl7.fhir.r5.model.IntegerType count
					&& count.getValue() != null && count.getValue() == 0) {
				// The engine reads count=0 as no limit; it asks for the total only.
				expanded.getExpansion().getContains().clear();
			}
			if (!request.hasParameter("excludeNested")) {
				// The engine states it always; echo it only when asked, as the expansion parameters are the request's.
				expanded.getExpansion().getParameter().removeIf(parameter -> "excludeNested".equals(parameter.getName()));
			}
			if (expanded.getExpansion().getTotal() > maxSize || expanded.getExpansion().getContains().size() > maxSize) {
				throw new TooCostlyException("The expansion of " + (valueSet.hasUrl() ? valueSet.getVersionedUrl()
						: "the value set") + " has more than this server's maximum of " + maxSize + " codes");
			}
			usedFragmentAfterUsedCodeSystem(expanded);
			org.hl7.fhir.r4.model.ValueSet answer = (org.hl7.fhir.r4.model.ValueSet) toR4(expanded);
			if (filter != null) {
				filterAndPage(answer.getExpansion(), filter, paging);
			}
			return answer;
		}

		private static void filterAndPage(org.hl7.fhir.r4.model.ValueSet.ValueSetExpansionComponent expansion, String filter,
				List<ParametersParameterComponent> paging) {
			List<org.hl7.fhir.r4.model.ValueSet.ValueSetExpansionContainsComponent> matching =
					ValueSetOperations.flatten(expansion.getContains()).stream()
							.filter(entry -> ValueSetOperations.matchesFilter(entry, filter))
							.toList();
			int offset = 0;
			int count = Integer.MAX_VALUE;
			for (ParametersParameterComponent parameter : paging) {
				if ("offset".equals(parameter.getName()) && parameter.getValue() instanceof org.hl7.fhir.r5.model.IntegerType value) {
					offset = Math.max(0, value.getValue());
					expansion.setOffset(offset);
				} else if ("count".equals(parameter.getName()) && parameter.getValue() instanceof org.hl7.fhir.r5.model.IntegerType value) {
					count = Math.max(0, value.getValue());
				}
			}
			expansion.setTotal(matching.size());
			expansion.setContains(new ArrayList<>(matching.stream().skip(offset).limit(count).toList()));
			for (ParametersParameterComponent parameter : paging) {
				expansion.getParameter().add(0, new org.hl7.fhir.r4.model.ValueSet.ValueSetExpansionParameterComponent()
						.setName(parameter.getName())
						.setValue((org.hl7.fhir.r4.model.Type) org.hl7.fhir.convertors.factory.VersionConvertorFactory_40_50
								.convertType(parameter.getValue())));
			}
		}

		/**
		 * Validates the code, coding or codeableConcept of the request against the value set, or against its code system
		 * if {@code valueSet} is null; answers as FHIR's {@code $validate-code} does.
		 */
		org.hl7.fhir.r4.model.Parameters validate(org.hl7.fhir.r4.model.ValueSet r4ValueSet, Parameters request,
				boolean codeSystemMode, String acceptLanguage) {
			ValueSet valueSet = r4ValueSet == null ? null : (ValueSet) toR5(r4ValueSet);
			if (valueSet != null) {
				addReferenced(valueSet);
			}
			supplements(request, valueSet);
			ValidationOptions options = new ValidationOptions(FhirPublication.R5);
			String language = request.hasParameter("displayLanguage")
					? request.getParameterValue("displayLanguage").primitiveValue() : acceptLanguage;
			if (language != null) {
				options = options.withLanguage(language);
			}
			if (isTrue(request, "valueset-membership-only")) {
				options = options.withCheckValueSetOnly();
			}
			if (isTrue(request, "lenient-display-validation")) {
				options = options.setDisplayWarningMode(true);
			}
			if (isTrue(request, "activeOnly")) {
				options = options.setActiveOnly(true);
			}
			Parameters expansionParameters = new Parameters();
			for (ParametersParameterComponent parameter : request.getParameter()) {
				if (VERSION_PARAMETERS.contains(parameter.getName())) {
					expansionParameters.addParameter(parameter.copy());
				}
			}
			context.setExpansionParameters(expansionParameters);

			String code = null;
			String system = null;
			String version = null;
			String display = null;
			CodeableConcept codeableConcept = null;
			ValidationResult result;
			if (request.hasParameter("code")) {
				code = string(request, "code");
				system = string(request, codeSystemMode ? "url" : "system");
				version = string(request, codeSystemMode ? "version" : "systemVersion");
				display = string(request, "display");
				addCodeSystem(system, version);
				result = context.validateCode(options.withGuessSystem(), system, version, code, display, valueSet);
			} else if (request.hasParameter("coding")) {
				Coding coding = (Coding) request.getParameterValue("coding");
				code = coding.getCode();
				system = coding.getSystem();
				version = coding.getVersion();
				display = coding.getDisplay();
				addCodeSystem(system, coding.getVersion());
				result = validateCoding(options, coding, valueSet);
			} else if (request.hasParameter("codeableConcept")) {
				codeableConcept = (CodeableConcept) request.getParameterValue("codeableConcept");
				codeableConcept.getCoding().forEach(coding -> addCodeSystem(coding.getSystem(), coding.getVersion()));
				result = context.validateCode(options, codeableConcept, valueSet);
				result = firstValidCoding(options, codeableConcept, valueSet, result);
			} else {
				throw new InvalidRequestException("$validate-code needs code, coding or codeableConcept");
			}
			if (result.getSeverity() == IssueSeverity.FATAL) {
				OperationOutcome outcome = new OperationOutcome();
				outcome.getIssue().addAll(withoutLocation(result.getIssues()));
				throw error(outcome, result.getMessage(), result.getErrorClass());
			}
			if (!result.isOk()) {
				namedAsCheckedIn(result, system, version, code);
			}
			if (mayBeInAnotherFragment(result, valueSet)) {
				// only the warning remains: the code may be in the part of the code system the fragment leaves out
				// (setIssues would add the new issues to the old ones)
				result.getIssues().removeIf(issue -> !UNKNOWN_CODE_IN_FRAGMENT.equals(messageId(issue)));
				result.setSeverity(IssueSeverity.WARNING);
				result.setMessage(null);
			}
			return (org.hl7.fhir.r4.model.Parameters) toR4(answer(result, code, system, display, codeableConcept));
		}

		/**
		 * A code unknown to a fragment code system is not known to be wrong: the fragment says so (a warning the engine
		 * gives as UNKNOWN_CODE_IN_FRAGMENT), and a value set that includes all of that code system may well contain
		 * it. The engine (6.7.9) still answers false with an error "not in the value set"; terminology servers answer
		 * true with the warning (the ecosystem tests' fragment suite). Only when every include of the value set takes a
		 * whole code system (no concept list, no filter), so that nothing but the fragment decides.
		 */
		private boolean mayBeInAnotherFragment(ValidationResult result, ValueSet valueSet) {
			if (result.isOk() || valueSet == null || !valueSet.hasCompose() || result.getIssues().stream()
					.noneMatch(issue -> UNKNOWN_CODE_IN_FRAGMENT.equals(messageId(issue)))) {
				return false;
			}
			boolean wholeCodeSystems = valueSet.getCompose().getInclude().stream()
					.allMatch(include -> include.hasSystem() && !include.hasConcept() && !include.hasFilter() && !include.hasValueSet())
					&& !valueSet.getCompose().hasExclude();
			boolean otherErrors = result.getIssues().stream()
					.filter(issue -> !UNKNOWN_CODE_IN_FRAGMENT.equals(messageId(issue)))
					.anyMatch(issue -> !issue.getDetails().hasCoding("http://hl7.org/fhir/tools/CodeSystem/tx-issue-type", "not-in-vs")
							&& !issue.getDetails().hasCoding("http://hl7.org/fhir/tools/CodeSystem/tx-issue-type", "this-code-not-in-vs"));
			return wholeCodeSystems && !otherErrors;
		}

		/**
		 * The engine names the fragment an expansion used with a parameter {@code fragment} before
		 * {@code used-codesystem}; terminology servers (tx.fhir.org, and the ecosystem tests) name it
		 * {@code used-fragment}, after it.
		 */
		private void usedFragmentAfterUsedCodeSystem(ValueSet expanded) {
			List<ValueSet.ValueSetExpansionParameterComponent> parameters = expanded.getExpansion().getParameter();
			List<ValueSet.ValueSetExpansionParameterComponent> fragments = parameters.stream()
					.filter(parameter -> "fragment".equals(parameter.getName())).toList();
			if (fragments.isEmpty()) {
				return;
			}
			parameters.removeAll(fragments);
			fragments.forEach(fragment -> fragment.setName("used-fragment"));
			int last = -1;
			for (int i = 0; i < parameters.size(); i++) {
				if ("used-codesystem".equals(parameters.get(i).getName())) {
					last = i;
				}
			}
			parameters.addAll(last + 1 > 0 ? last + 1 : parameters.size(), fragments);
		}

		/**
		 * A negative answer names the code system version the code was checked in and, if the code system has the
		 * code, its display, as terminology servers answer; the engine leaves both out when the code is unknown to the
		 * value set. Without a version asked for, that is the latest.
		 */
		private void namedAsCheckedIn(ValidationResult result, String system, String version, String code) {
			String checkedSystem = result.getSystem() != null ? result.getSystem() : system;
			String checkedVersion = result.getVersion() != null ? result.getVersion() : version;
			CodeSystem checked = checkedSystem == null ? null : checkedVersion != null
					? context.fetchCodeSystem(checkedSystem, checkedVersion, null) : context.fetchCodeSystem(checkedSystem);
			if (checked == null) {
				return;
			}
			if (result.getVersion() == null && checked.hasVersion()) {
				result.setVersion(checked.getVersion());
			}
			org.hl7.fhir.r5.model.CodeSystem.ConceptDefinitionComponent concept =
					code == null ? null : CodeSystemUtilities.findCode(checked.getConcept(), code);
			if (result.getDisplay() == null && concept != null && concept.hasDisplay()) {
				result.setDisplay(concept.getDisplay());
			}
		}

		/**
		 * The supplements the request names ({@code useSupplement}) and the value set requires (extension
		 * valueset-supplement); one the server does not have is a 4xx, as the HL7 terminology tools answer (the engine
		 * ignores a missing one the request names).
		 */
		private List<CodeSystem> supplements(Parameters request, ValueSet valueSet) {
			List<String> wanted = new ArrayList<>();
			request.getParameter().stream()
					.filter(parameter -> "useSupplement".equals(parameter.getName()) && parameter.hasValue())
					.forEach(parameter -> wanted.add(parameter.getValue().primitiveValue()));
			if (valueSet != null) {
				valueSet.getExtensionsByUrl(SUPPLEMENT_NEEDED).stream()
						.filter(extension -> extension.hasValue())
						.forEach(extension -> wanted.add(extension.getValue().primitiveValue()));
			}
			List<CodeSystem> found = new ArrayList<>();
			for (String canonical : wanted) {
				CodeSystem supplement = context.fetchCodeSystem(canonical);
				if (supplement == null) {
					throw missingSupplement(canonical);
				}
				found.add(supplement);
			}
			return found;
		}

		/** {@code $lookup}: the concept of the request's code system (system and code, or coding). */
		org.hl7.fhir.r4.model.Parameters lookup(Parameters request) {
			Coding coding = request.hasParameter("coding") ? (Coding) request.getParameterValue("coding")
					: new Coding(string(request, "system"), string(request, "code"), null)
							.setVersion(string(request, "version"));
			if (!coding.hasSystem() || !coding.hasCode()) {
				throw new InvalidRequestException("$lookup needs system and code, or coding");
			}
			String version = coding.hasVersion() ? coding.getVersion() : string(request, "version");
			addCodeSystem(coding.getSystem(), version);
			CodeSystem codeSystem = version != null
					? context.fetchCodeSystem(coding.getSystem(), version, null) : context.fetchCodeSystem(coding.getSystem());
			if (codeSystem == null) {
				throw new ResourceNotFoundException("Unknown code system "
						+ TerminologyLookups.versioned(coding.getSystem(), version));
			}
			org.hl7.fhir.r5.model.CodeSystem.ConceptDefinitionComponent concept =
					CodeSystemUtilities.findCode(codeSystem.getConcept(), coding.getCode());
			if (concept == null) {
				throw new ResourceNotFoundException("Unable to find code '" + coding.getCode() + "' in code system "
						+ codeSystem.getVersionedUrl());
			}
			List<CodeSystem> supplements = supplements(request, null);
			List<String> properties = request.getParameter().stream()
					.filter(parameter -> "property".equals(parameter.getName()) && parameter.hasValue())
					.map(parameter -> parameter.getValue().primitiveValue())
					.toList();
			return (org.hl7.fhir.r4.model.Parameters) toR4(ConceptLookup.answer(codeSystem, concept, properties, supplements));
		}

		/**
		 * The engine (6.7.9) looks only in the first include of the code's system when a value set includes several
		 * versions of it, and says the code is unknown if that version lacks it; terminology servers look in every
		 * version the value set includes. So a negative answer for a coding without a version is checked again against
		 * the value set with the includes of each one of those versions alone, and with its versioned excludes as codes
		 * (see {@link #withVersionedExcludesAsCodes}).
		 */
		private ValidationResult validateCoding(ValidationOptions options, Coding coding, ValueSet valueSet) {
			ValidationResult result = context.validateCode(options, coding, valueSet);
			if (!result.isOk() && valueSet != null && ValueSetUtilities.isServerSide(coding.getSystem())
					&& context.fetchCodeSystem(coding.getSystem()) != null) {
				ValidationResult local = validateLocally(options, coding, valueSet);
				if (local != null) {
					return local;
				}
			}
			if (result.isOk() || valueSet == null || coding.hasVersion() || !coding.hasSystem()) {
				return result;
			}
			List<String> versions = valueSet.getCompose().getInclude().stream()
					.filter(include -> coding.getSystem().equals(include.getSystem()) && include.hasVersion())
					.map(ConceptSetComponent::getVersion)
					.distinct()
					.toList();
			List<ValueSet> alternatives = new ArrayList<>();
			for (String version : versions.subList(Math.min(1, versions.size()), versions.size())) {
				ValueSet oneVersion = valueSet.copy();
				oneVersion.getCompose().getInclude().removeIf(include -> coding.getSystem().equals(include.getSystem())
						&& include.hasVersion() && !version.equals(include.getVersion()));
				alternatives.add(oneVersion);
			}
			ValueSet codesExcluded = withVersionedExcludesAsCodes(valueSet, coding.getSystem());
			if (codesExcluded != null) {
				alternatives.add(codesExcluded);
			}
			for (ValueSet alternative : alternatives) {
				// The engine caches answers by value set url and version, which the alternatives share.
				context.initTxCache(newCache());
				ValidationResult again = context.validateCode(options, coding, alternative);
				if (again.isOk()) {
					return again;
				}
			}
			return result;
		}

		/**
		 * The engine never validates a code of LOINC, SNOMED CT, RxNorm, ICD-10(-CM) and a few others itself: it keeps
		 * them for a terminology server (ValueSetUtilities.isServerSide, a fixed list, there to work around placeholder
		 * definitions in HL7 Terminology) and, having none, answers "running without terminology services". This server
		 * holds real fragments of those code systems, so a value set over them is checked by the engine's own
		 * ValueSetValidator, built as the engine builds it (BaseWorkerContext.constructValueSetCheckerSimple, which is
		 * protected; its language registry is a private field, read here). Null if that cannot be done.
		 */
		private ValidationResult validateLocally(ValidationOptions options, Coding coding, ValueSet valueSet) {
			try {
				java.lang.reflect.Field registry = org.hl7.fhir.r5.context.BaseWorkerContext.class.getDeclaredField("registry");
				registry.setAccessible(true);
				ValueSetValidator validator = new ValueSetValidator(context,
						new TerminologyOperationContext(context, options, "validate-code"), options, valueSet, null,
						context.getExpansionParameters(), context.getTxClientManager(),
						(org.hl7.fhir.utilities.i18n.subtag.LanguageSubtagRegistry) registry.get(context));
				return validator.validateCode("Coding", coding.copy());
			} catch (ReflectiveOperationException | RuntimeException e) {
				return null;
			}
		}

		/**
		 * The engine (6.7.9) also takes the version of an exclude for a version the code must have. An exclude of a
		 * version of a code system removes those codes, whatever version the coding has; the copy of the value set
		 * returned lists the excluded codes instead, or is null if there is no such exclude or it cannot be expanded.
		 */
		private ValueSet withVersionedExcludesAsCodes(ValueSet valueSet, String system) {
			ValueSet copy = valueSet.copy();
			boolean changed = false;
			for (ConceptSetComponent exclude : copy.getCompose().getExclude()) {
				if (!system.equals(exclude.getSystem()) || !exclude.hasVersion() || exclude.hasValueSet()) {
					continue;
				}
				ValueSet excluded = new ValueSet().setUrl("urn:uuid:" + java.util.UUID.randomUUID());
				excluded.getCompose().addInclude(exclude.copy());
				ValueSetExpansionOutcome outcome = context.expandVS(
						new ExpansionOptions(false, false, 0, false, null), excluded, new Parameters(), true);
				if (outcome.getValueset() == null) {
					return null;
				}
				exclude.setVersion(null);
				exclude.getFilter().clear();
				exclude.getConcept().clear();
				outcome.getValueset().getExpansion().getContains()
						.forEach(contains -> exclude.addConcept().setCode(contains.getCode()));
				changed = true;
			}
			return changed ? copy : null;
		}

		/**
		 * The answer names the first valid coding of a codeableConcept, as terminology servers do; the engine names the
		 * last. The engine also misses codings of {@code fragment} code systems in a codeableConcept (its coding check
		 * finds them): a codeableConcept one of whose codings is valid is valid.
		 */
		private ValidationResult firstValidCoding(ValidationOptions options, CodeableConcept codeableConcept,
				ValueSet valueSet, ValidationResult result) {
			boolean missedKnownSystem = !result.isOk() && result.getUnknownSystems() != null
					&& result.getUnknownSystems().stream().anyMatch(system -> context.fetchCodeSystem(system) != null);
			if (result.isOk() ? codeableConcept.getCoding().size() < 2 : !missedKnownSystem) {
				return result;
			}
			for (Coding coding : codeableConcept.getCoding()) {
				if (!coding.hasSystem()) {
					continue;
				}
				ValidationResult single = validateCoding(options, coding, valueSet);
				if (single.isOk()) {
					if (!result.isOk()) {
						return single;
					}
					result.setSystem(single.getSystem());
					result.setVersion(single.getVersion());
					result.setDefinition(single.asConceptDefinition());
					result.setDisplay(single.getDisplay());
					return result;
				}
			}
			return result;
		}
	}

	/** The {@code $validate-code} answer: result, what was found, and the issues, as the HL7 terminology tools give it. */
	private static final String UNKNOWN_CODE_IN_FRAGMENT = "UNKNOWN_CODE_IN_FRAGMENT";

	private static String messageId(OperationOutcomeIssueComponent issue) {
		return issue.getExtensionString("http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id");
	}

	private static Parameters answer(ValidationResult result, String code, String system, String display,
			CodeableConcept codeableConcept) {
		Parameters answer = new Parameters();
		answer.addParameter("result", result.getSeverity() != IssueSeverity.ERROR);
		String foundSystem = result.getSystem() != null ? result.getSystem() : system;
		if (foundSystem != null) {
			answer.addParameter("system", new UriType(foundSystem));
		}
		if (result.getCode() != null && code != null && !code.equals(result.getCode())) {
			answer.addParameter("code", new CodeType(code));
			answer.addParameter("normalized-code", new CodeType(result.getCode()));
		} else if (result.getCode() != null || code != null) {
			answer.addParameter("code", new CodeType(result.getCode() != null ? result.getCode() : code));
		}
		if (result.getVersion() != null) {
			answer.addParameter("version", new StringType(result.getVersion()));
		}
		String foundDisplay = result.getDisplay() != null ? result.getDisplay() : result.isOk() ? display : null;
		if (foundDisplay != null) {
			answer.addParameter("display", new StringType(foundDisplay));
		}
		if (result.getMessage() != null) {
			answer.addParameter("message", new StringType(txWording(result.getMessage())));
		}
		if (codeableConcept != null) {
			answer.addParameter("codeableConcept", codeableConcept);
		}
		if (result.isInactive()) {
			answer.addParameter("inactive", true);
		}
		if (result.getStatus() != null) {
			answer.addParameter("status", new CodeType(result.getStatus()));
		}
		if (result.getUnknownSystems() != null) {
			String name = result.getErrorClass() == TerminologyServiceErrorClass.CODESYSTEM_UNSUPPORTED
					? "x-caused-by-unknown-system" : "x-unknown-system";
			result.getUnknownSystems().forEach(unknown -> answer.addParameter(name, new CanonicalType(unknown)));
		}
		if (result.hasIssues()) {
			OperationOutcome issues = new OperationOutcome();
			issues.getIssue().addAll(withoutLocation(result.getIssues()));
			answer.addParameter().setName("issues").setResource(issues);
		}
		return answer;
	}

	private static BaseServerResponseException expansionError(ValueSetExpansionOutcome outcome) {
		OperationOutcome operationOutcome = new OperationOutcome();
		if (outcome.getIssues() != null && !outcome.getIssues().isEmpty()) {
			operationOutcome.getIssue().addAll(withoutLocation(outcome.getIssues()));
		} else {
			OperationOutcomeIssueComponent issue = operationOutcome.addIssue()
					.setSeverity(OperationOutcome.IssueSeverity.ERROR)
					.setCode(issueType(outcome.getErrorClass()));
			if (outcome.getErrorClass() == TerminologyServiceErrorClass.VALUESET_UNKNOWN) {
				issue.getDetails().addCoding("http://hl7.org/fhir/tools/CodeSystem/tx-issue-type", "not-found", null);
			}
			issue.getDetails().setText(outcome.getError());
		}
		return error(operationOutcome, outcome.getError(), outcome.getErrorClass());
	}

	/** A supplement the request names and the server does not have: 4xx, worded as the HL7 terminology tools do. */
	private static BaseServerResponseException missingSupplement(String url) {
		OperationOutcome outcome = new OperationOutcome();
		OperationOutcomeIssueComponent issue = outcome.addIssue()
				.setSeverity(OperationOutcome.IssueSeverity.ERROR)
				.setCode(OperationOutcome.IssueType.NOTFOUND);
		issue.addExtension("http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id",
				new StringType("VALUESET_SUPPLEMENT_MISSING"));
		issue.getDetails().addCoding("http://hl7.org/fhir/tools/CodeSystem/tx-issue-type", "not-found", null);
		issue.getDetails().setText("Required supplement not found: " + url);
		return error(outcome, issue.getDetails().getText(), TerminologyServiceErrorClass.BUSINESS_RULE);
	}

	private static OperationOutcome.IssueType issueType(TerminologyServiceErrorClass errorClass) {
		if (errorClass == null) {
			return OperationOutcome.IssueType.PROCESSING;
		}
		return switch (errorClass) {
			case BLOCKED_BY_OPTIONS -> OperationOutcome.IssueType.FORBIDDEN;
			case BUSINESS_RULE -> OperationOutcome.IssueType.BUSINESSRULE;
			case CODESYSTEM_UNSUPPORTED, CODESYSTEM_UNSUPPORTED_VERSION -> OperationOutcome.IssueType.CODEINVALID;
			case TOO_COSTLY -> OperationOutcome.IssueType.TOOCOSTLY;
			case VALUESET_UNKNOWN -> OperationOutcome.IssueType.NOTFOUND;
			case VALUESET_UNSUPPORTED -> OperationOutcome.IssueType.NOTSUPPORTED;
			case NOSERVICE -> OperationOutcome.IssueType.CONFLICT;
			default -> OperationOutcome.IssueType.PROCESSING;
		};
	}

	/** The engine's failure as a 4xx with its OperationOutcome: 404 for what is unknown, 422 for too costly, else 400. */
	private static BaseServerResponseException error(OperationOutcome outcome, String message,
			TerminologyServiceErrorClass errorClass) {
		org.hl7.fhir.r4.model.OperationOutcome r4 = (org.hl7.fhir.r4.model.OperationOutcome) toR4(outcome);
		String text = message != null ? message : outcome.getIssueFirstRep().getDetails().getText();
		boolean notFound = errorClass == TerminologyServiceErrorClass.VALUESET_UNKNOWN
				|| outcome.getIssue().stream().anyMatch(issue -> issue.getCode() == OperationOutcome.IssueType.NOTFOUND);
		if (errorClass == TerminologyServiceErrorClass.TOO_COSTLY) {
			return new UnprocessableEntityException(text, r4);
		}
		return notFound ? new ResourceNotFoundException(text, r4) : new InvalidRequestException(text, r4);
	}

	/**
	 * The issues without {@code location}, which FHIR deprecates and the engine fills with a copy of
	 * {@code expression}; terminology servers answer with {@code expression} only.
	 */
	private static List<OperationOutcomeIssueComponent> withoutLocation(List<OperationOutcomeIssueComponent> issues) {
		for (OperationOutcomeIssueComponent issue : issues) {
			issue.getLocation().clear();
			if (issue.getDetails().hasText()) {
				issue.getDetails().setText(txWording(issue.getDetails().getText()));
			}
		}
		return issues;
	}

	private static final java.util.regex.Pattern VERSION_LIST =
			java.util.regex.Pattern.compile("(Valid versions: )([^\\s,;]+(?:,[^\\s,;]+)+)");
	private static final java.util.regex.Pattern CODE_WITH_DISPLAY =
			java.util.regex.Pattern.compile("#([^\\s']+): '([^']*)''");

	/**
	 * Wordings of the engine's messages (6.7.9) as terminology servers, and later versions of the engine, word
	 * them: the versions a code system has, {@code 1.0.0,1.2.0}, as {@code 1.0.0 or 1.2.0} ({@code a, b or c} for
	 * more); a code with its display, {@code 'system#code: 'display''}, as {@code 'system#code ('display')'}; a
	 * retired concept (which FHIR counts as inactive) as having "a status of retired and inactive".
	 */
	static String txWording(String text) {
		if (text == null) {
			return null;
		}
		text = CODE_WITH_DISPLAY.matcher(text).replaceAll("#$1 ('$2')'")
				.replace("has a status of retired and its use", "has a status of retired and inactive and its use");
		if (!text.contains("Valid versions: ")) {
			return text;
		}
		java.util.regex.Matcher matcher = VERSION_LIST.matcher(text);
		StringBuilder result = new StringBuilder();
		while (matcher.find()) {
			List<String> versions = List.of(matcher.group(2).split(","));
			String listed = String.join(", ", versions.subList(0, versions.size() - 1)) + " or " + versions.get(versions.size() - 1);
			matcher.appendReplacement(result, java.util.regex.Matcher.quoteReplacement(matcher.group(1) + listed));
		}
		matcher.appendTail(result);
		return result.toString();
	}

	private static boolean isTrue(Parameters parameters, String name) {
		return parameters.hasParameter(name) && "true".equals(parameters.getParameterValue(name).primitiveValue());
	}

	private static String string(Parameters parameters, String name) {
		return parameters.hasParameter(name) && parameters.getParameterValue(name) != null
				? parameters.getParameterValue(name).primitiveValue() : null;
	}
}
