package org.adhdkb.cql;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.elm.r1.FunctionDef;
import org.hl7.elm.r1.FunctionRef;
import org.hl7.elm.r1.VersionedIdentifier;
import org.hl7.fhir.r4.model.Resource;
import org.opencds.cqf.cql.engine.data.CompositeDataProvider;
import org.opencds.cqf.cql.engine.data.DataProvider;
import org.opencds.cqf.cql.engine.execution.CqlEngine;
import org.opencds.cqf.cql.engine.execution.EvaluationParams;
import org.opencds.cqf.cql.engine.execution.EvaluationResult;
import org.opencds.cqf.cql.engine.execution.EvaluationResults;
import org.opencds.cqf.cql.engine.execution.Environment;
import org.opencds.cqf.cql.engine.execution.ExpressionResult;
import org.opencds.cqf.cql.engine.fhir.model.R4FhirModelResolver;
import org.opencds.cqf.cql.engine.terminology.TerminologyProvider;

import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Evaluates definitions of the content's CQL libraries for one patient with the CQL reference engine
 * ({@code org.cqframework:engine} and {@code engine-fhir}, the engine of HAPI's clinical reasoning): ELM already
 * compiled ({@link CompiledLibraries}), the patient's record in memory ({@link RecordRetrieveProvider}), value sets
 * from our terminology ({@link TerminologyProvider}). No rule is written here: what is evaluated is the content's.
 */
public final class CqlEvaluator {

	private static final String FHIR_MODEL = "http://hl7.org/fhir";

	/** For tools and tests without a server: a resolver on HAPI's shared R4 context, made on first use. */
	private static final class SharedModel {
		static final R4FhirModelResolver MODEL = new FhirTypes(FhirContext.forR4Cached());
	}

	private final R4FhirModelResolver model;

	private final CompiledLibraries libraries;
	private final TerminologyProvider terminology;
	private final IndependentDefinitions constants;
	/** Per set of resource types: the definitions that read none of them (see {@link Session#reuse}). */
	private final Map<Set<String>, IndependentDefinitions> notReading = new java.util.concurrent.ConcurrentHashMap<>();
	private final Map<String, Set<String>> definitionNames = new java.util.concurrent.ConcurrentHashMap<>();
	/** Function calls resolved to their definitions, for every session over these libraries: see shareResolvedFunctions. */
	private final Map<FunctionRef, FunctionDef> resolvedFunctions =
			java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

	/** An evaluator on HAPI's shared R4 context, for tools and tests that have no server. */
	public CqlEvaluator(CompiledLibraries libraries, TerminologyProvider terminology) {
		this(libraries, terminology, SharedModel.MODEL);
	}

	/**
	 * @param model the FHIR model resolver, which reflects over HAPI's model classes on first use of each type: kept by
	 *              the caller for every evaluator it makes, on the server's own FhirContext (a second context would
	 *              hold a second model of every resource type, about 30 MB of the heap)
	 */
	public CqlEvaluator(CompiledLibraries libraries, TerminologyProvider terminology, R4FhirModelResolver model) {
		this.libraries = libraries;
		this.terminology = terminology;
		this.model = model;
		this.constants = IndependentDefinitions.knowledgeOnly(libraries, model.getFhirContext());
	}

	/** Thrown when the engine cannot evaluate (a library missing, an error inside the CQL). */
	public static final class CqlEvaluationException extends RuntimeException {
		CqlEvaluationException(String message, Throwable cause) {
			super(message, cause);
		}
	}

	/** The names of a library's definitions (its expressions, not its functions), in the order of the ELM. */
	public Set<String> definitions(String name, String version) {
		return definitionNames.computeIfAbsent(name + "|" + version, key -> readDefinitions(name, version));
	}

	private Set<String> readDefinitions(String name, String version) {
		org.hl7.elm.r1.Library library = libraries.library(name, version);
		if (library == null) {
			throw new CqlEvaluationException("The content has no CQL library " + name + " " + version, null);
		}
		Set<String> names = new java.util.LinkedHashSet<>();
		if (library.getStatements() != null) {
			for (var definition : library.getStatements().getDef()) {
				if (!(definition instanceof org.hl7.elm.r1.FunctionDef) && !"Patient".equals(definition.getName())) {
					names.add(definition.getName());
				}
			}
		}
		return java.util.Collections.unmodifiableSet(names);
	}

	/**
	 * Evaluates {@code expressions} (all definitions when empty) of the library {@code name}/{@code version} in the
	 * Patient context of {@code record}'s Patient, on {@code evaluationTime}.
	 *
	 * @param record the patient's record: the Patient and the resources the CQL may retrieve
	 * @return each definition's value as the engine returns it (FHIR R4 model objects, CQL runtime values, lists)
	 */
	public Map<String, Object> evaluate(String name, String version, Set<String> expressions, List<Resource> record,
			ZonedDateTime evaluationTime) {
		return session(record, null, evaluationTime).evaluate(name, version, expressions);
	}

	/**
	 * One engine for one patient's record at one time, for evaluating definitions one after the other as a caller needs
	 * them: what one evaluation computed (a definition of an included library, a resolved function) is kept for the next.
	 * Not shared between requests or threads.
	 *
	 * @param knowledge resources outside the record that the CQL may retrieve, kept by the caller with the values of the
	 *        definitions that read only them ({@link IndependentDefinitions#knowledgeOnly}): those are evaluated once per {@code knowledge},
	 *        not once per session; null for none
	 */
	public Session session(List<Resource> record, Knowledge knowledge, ZonedDateTime evaluationTime) {
		return new Session(record, knowledge, evaluationTime, Map.of());
	}

	/**
	 * As {@link #session(List, Knowledge, ZonedDateTime)}, with values for the libraries' {@code parameter}s by name
	 * (CDS Hooks' {@code draftOrders}); a parameter not given takes its default.
	 */
	public Session session(List<Resource> record, Knowledge knowledge, ZonedDateTime evaluationTime,
			Map<String, Object> parameters) {
		return new Session(record, knowledge, evaluationTime, parameters);
	}

	private static final java.lang.reflect.Field FUNCTION_CACHE = functionCacheField();

	/**
	 * Why this reaches into the engine: it resolves a function call to its definition once per engine, in a map keyed by
	 * the call's ELM node with ELM's deep hashCode, so each call of a function hashes its whole argument tree twice and
	 * every new engine resolves every call again: a quarter of the CPU of a $apply (JFR, 2026-12-05). It caches only
	 * calls whose resolution depends on the ELM alone (calls with signatures, which the build writes, or without
	 * arguments), and the ELM here never changes, so one identity-keyed map serves every session. If a later engine
	 * changes the field, sessions keep the engine's own map.
	 */
	private void shareResolvedFunctions(CqlEngine engine) {
		if (FUNCTION_CACHE != null) {
			try {
				FUNCTION_CACHE.set(engine.getCache(), resolvedFunctions);
			} catch (IllegalAccessException | RuntimeException e) {
				// keep the engine's own cache
			}
		}
	}

	private static java.lang.reflect.Field functionCacheField() {
		try {
			java.lang.reflect.Field field = org.opencds.cqf.cql.engine.execution.Cache.class.getDeclaredField("functionCache");
			field.setAccessible(true);
			return Map.class.isAssignableFrom(field.getType()) ? field : null;
		} catch (ReflectiveOperationException | RuntimeException e) {
			return null;
		}
	}

	/** See {@link #session}. */
	public final class Session {

		private final CqlEngine engine;
		private final String patientId;
		private final Knowledge knowledge;
		private final ZonedDateTime evaluationTime;
		private final Map<String, Object> parameters;
		/** The libraries whose knowledge-only values are already in this engine's cache. */
		private final Set<VersionedIdentifier> seeded = new java.util.HashSet<>();

		private Session(List<Resource> record, Knowledge knowledge, ZonedDateTime evaluationTime,
				Map<String, Object> parameters) {
			Map<String, List<Resource>> byType = new HashMap<>();
			String patient = null;
			for (Resource resource : record) {
				byType.computeIfAbsent(resource.fhirType(), type -> new ArrayList<>()).add(resource);
				if ("Patient".equals(resource.fhirType()) && patient == null) {
					patient = resource.getIdElement().getIdPart();
				}
			}
			DataProvider fhir = new CompositeDataProvider(model, new RecordRetrieveProvider(byType, model, terminology, knowledge));
			Environment environment = new Environment(libraries.libraryManager(), Map.of(FHIR_MODEL, fhir), terminology);
			// Expression caching is off by default in this engine: without it every reference to a definition evaluates
			// it again (the guidance names "Atomoxetine dosing" a dozen times), which cost ~100 ms of CPU per $apply.
			// The cache lives as long as the engine and is cleared by the engine if the patient changed.
			this.engine = new CqlEngine(environment, EnumSet.of(CqlEngine.Options.EnableExpressionCaching));
			shareResolvedFunctions(engine);
			this.patientId = patient;
			this.knowledge = knowledge;
			this.evaluationTime = evaluationTime;
			this.parameters = parameters;
		}

		/**
		 * Takes from {@code other} the values it has computed so far of definitions that retrieve none of
		 * {@code differing}, for a session of the same evaluator, patient, time and parameters whose record differs from
		 * this one's only in resources of those types: the order hooks evaluate their rules over the record with the
		 * draft orders counted as taken, and without them for the patient's facts; age, weight and conditions are
		 * then computed once per call, not once per session. Does nothing when the two do not match.
		 */
		public void reuse(Session other, Set<String> differing) {
			if (other == this || other.evaluator() != CqlEvaluator.this || patientId == null
					|| !patientId.equals(other.patientId) || !evaluationTime.equals(other.evaluationTime)
					|| !parameters.equals(other.parameters)) {
				return;
			}
			IndependentDefinitions same = notReading.computeIfAbsent(Set.copyOf(differing),
					types -> IndependentDefinitions.notReading(libraries, types));
			// the context is set first: the engine clears its cache when an evaluation changes the context
			engine.getState().setContextValue("Patient", patientId);
			other.engine.getCache().getExpressions().forEach((id, values) -> {
				org.hl7.elm.r1.Library library = libraries.library(id.getId(), id.getVersion());
				if (library != null) {
					values.forEach((definition, value) -> {
						if (same.independent(library, definition)) {
							engine.getCache().cacheExpression(id, definition, value);
						}
					});
				}
			});
		}

		private CqlEvaluator evaluator() {
			return CqlEvaluator.this;
		}

		/** As {@link CqlEvaluator#evaluate}, on this session's record and time. */
		public Map<String, Object> evaluate(String name, String version, Set<String> expressions) {
			VersionedIdentifier library = new VersionedIdentifier().withId(name).withVersion(version);
			EvaluationParams.Builder params = new EvaluationParams.Builder();
			// The engine reads "no expressions" as none, not as all: all are named here.
			Set<String> asked = expressions.isEmpty() ? definitions(name, version) : expressions;
			Map<String, Object> values = new LinkedHashMap<>();
			Set<String> wanted = withKnownConstants(libraries.library(name, version), asked, values);
			if (wanted.isEmpty()) {
				return values;
			}
			params.library(library, scope -> {
				scope.expressions(wanted);
				return kotlin.Unit.INSTANCE;
			});
			params.setContextParameter(new kotlin.Pair<>("Patient", patientId));
			params.setEvaluationDateTime(evaluationTime);
			if (!parameters.isEmpty()) {
				params.setParameters(parameters);
			}
			EvaluationResults results;
			try {
				results = engine.evaluate(params.build());
			} catch (RuntimeException e) {
				throw new CqlEvaluationException("CQL library " + name + " " + version + " could not be evaluated: "
						+ e.getMessage(), e);
			}
			if (results.containsExceptionsFor(library)) {
				RuntimeException failure = results.getExceptionFor(library);
				throw new CqlEvaluationException("CQL library " + name + " " + version + " failed: "
						+ failure.getMessage(), failure);
			}
			EvaluationResult result = results.getResultFor(library);
			if (result == null) {
				throw new CqlEvaluationException("CQL library " + name + " " + version + " gave no result", null);
			}
			for (Map.Entry<String, ExpressionResult> entry : result.getExpressionResults().entrySet()) {
				values.put(entry.getKey(), entry.getValue().getValue());
			}
			return values;
		}

		/**
		 * With knowledge: puts the knowledge-only values of the library and those it includes into the engine's cache
		 * (once per session), and the asked-for ones among them into {@code values}; returns what is left to evaluate.
		 * The engine evaluates a definition asked for by name afresh (only references read its cache), hence both.
		 */
		private Set<String> withKnownConstants(org.hl7.elm.r1.Library root, Set<String> asked, Map<String, Object> values) {
			if (knowledge == null || patientId == null || root == null) {
				return asked;
			}
			// the context is set first: the engine clears its cache when an evaluation changes the context
			engine.getState().setContextValue("Patient", patientId);
			Set<String> left = asked;
			for (org.hl7.elm.r1.Library each : constants.closure(root)) {
				Map<String, ExpressionResult> known = knowledge.constants(CqlEvaluator.this, each.getIdentifier(),
						() -> evaluateConstants(each, knowledge, evaluationTime));
				if (seeded.add(each.getIdentifier())) {
					known.forEach((definition, value) -> engine.getCache().cacheExpression(each.getIdentifier(), definition, value));
				}
				if (each == root) {
					left = new java.util.LinkedHashSet<>(asked);
					for (Map.Entry<String, ExpressionResult> entry : known.entrySet()) {
						if (left.remove(entry.getKey())) {
							values.put(entry.getKey(), entry.getValue().getValue());
						}
					}
				}
			}
			return left;
		}
	}

	/** The knowledge-only definitions of one library, evaluated over the knowledge alone. */
	private Map<String, ExpressionResult> evaluateConstants(org.hl7.elm.r1.Library library, Knowledge knowledge,
			ZonedDateTime evaluationTime) {
		Set<String> names = constants.of(library);
		if (names.isEmpty()) {
			return Map.of();
		}
		DataProvider fhir = new CompositeDataProvider(model, new RecordRetrieveProvider(Map.of(), model, terminology, knowledge));
		CqlEngine engine = new CqlEngine(new Environment(libraries.libraryManager(), Map.of(FHIR_MODEL, fhir), terminology),
				EnumSet.of(CqlEngine.Options.EnableExpressionCaching));
		shareResolvedFunctions(engine);
		VersionedIdentifier id = new VersionedIdentifier().withId(library.getIdentifier().getId())
				.withVersion(library.getIdentifier().getVersion());
		EvaluationParams.Builder params = new EvaluationParams.Builder();
		params.library(id, scope -> {
			scope.expressions(names);
			return kotlin.Unit.INSTANCE;
		});
		params.setContextParameter(new kotlin.Pair<>("Patient", "knowledge-only"));
		params.setEvaluationDateTime(evaluationTime);
		EvaluationResults results = engine.evaluate(params.build());
		EvaluationResult result = results.getResultFor(id);
		if (result == null || results.containsExceptionsFor(id)) {
			return Map.of(); // not kept: each call then evaluates them itself, and reports the error
		}
		return new LinkedHashMap<>(result.getExpressionResults());
	}
}
