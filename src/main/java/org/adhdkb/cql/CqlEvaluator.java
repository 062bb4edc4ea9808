package org.adhdkb.cql;

import ca.uhn.fhir.context.FhirContext;
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

	/** The FHIR model resolver reflects over HAPI's model classes on first use of each type: one per JVM. */
	private static final R4FhirModelResolver MODEL = new R4FhirModelResolver(FhirContext.forR4Cached());

	private static final String PATIENT = "Patient";

	private final CompiledLibraries libraries;
	private final TerminologyProvider terminology;
	private final KnowledgeConstants constants;

	public CqlEvaluator(CompiledLibraries libraries, TerminologyProvider terminology) {
		this.libraries = libraries;
		this.terminology = terminology;
		this.constants = new KnowledgeConstants(libraries, FhirContext.forR4Cached());
	}

	/** Thrown when the engine cannot evaluate (a library missing, an error inside the CQL). */
	public static final class CqlEvaluationException extends RuntimeException {
		CqlEvaluationException(String message, Throwable cause) {
			super(message, cause);
		}
	}

	/** The names of a library's definitions (its expressions, not its functions), in the order of the ELM. */
	public Set<String> definitions(String name, String version) {
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
		return names;
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
		return evaluate(name, version, expressions, record, null, evaluationTime);
	}

	/**
	 * As {@link #evaluate(String, String, Set, List, ZonedDateTime)}, with knowledge resources the caller keeps: the
	 * definitions that read only them are evaluated once per {@code knowledge} and reused ({@link KnowledgeConstants}).
	 *
	 * @param knowledge resources outside the patient's record that the CQL may retrieve; null for none
	 */
	public Map<String, Object> evaluate(String name, String version, Set<String> expressions, List<Resource> record,
			Knowledge knowledge, ZonedDateTime evaluationTime) {
		Map<String, List<Resource>> byType = new HashMap<>();
		String patientId = null;
		for (Resource resource : record) {
			byType.computeIfAbsent(resource.fhirType(), type -> new ArrayList<>()).add(resource);
			if ("Patient".equals(resource.fhirType()) && patientId == null) {
				patientId = resource.getIdElement().getIdPart();
			}
		}
		DataProvider fhir = new CompositeDataProvider(MODEL, new RecordRetrieveProvider(byType, MODEL, terminology, knowledge));
		Environment environment = new Environment(libraries.libraryManager(), Map.of(FHIR_MODEL, fhir), terminology);
		CqlEngine engine = new CqlEngine(environment, cachingOptions());
		// The engine reads "no expressions" as none, not as all: all are named here.
		Set<String> wanted = expressions.isEmpty() ? definitions(name, version) : expressions;
		Map<String, Object> values = new LinkedHashMap<>();
		org.hl7.elm.r1.Library root = libraries.library(name, version);
		if (knowledge != null && patientId != null && root != null) {
			// the context is set first, so that the evaluation's own setting of it keeps the cache seeded here
			engine.getState().setContextValue(PATIENT, patientId);
			for (org.hl7.elm.r1.Library each : constants.closure(root)) {
				Map<String, ExpressionResult> known =
						knowledge.constants(this, each.getIdentifier(), () -> evaluateConstants(each, knowledge, evaluationTime));
				known.forEach((definition, value) -> engine.getCache().cacheExpression(each.getIdentifier(), definition, value));
				if (each == root) {
					// a definition asked for by name is evaluated afresh by the engine (only references read the cache)
					wanted = new java.util.LinkedHashSet<>(wanted);
					for (Map.Entry<String, ExpressionResult> entry : known.entrySet()) {
						if (wanted.remove(entry.getKey())) {
							values.put(entry.getKey(), entry.getValue().getValue());
						}
					}
				}
			}
			if (wanted.isEmpty()) {
				return values;
			}
		}
		Set<String> toEvaluate = wanted;

		VersionedIdentifier library = new VersionedIdentifier().withId(name).withVersion(version);
		EvaluationParams.Builder params = new EvaluationParams.Builder();
		params.library(library, scope -> {
			scope.expressions(toEvaluate);
			return kotlin.Unit.INSTANCE;
		});
		params.setContextParameter(new kotlin.Pair<>(PATIENT, patientId));
		params.setEvaluationDateTime(evaluationTime);
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
	 * Expression caching on: each definition is evaluated once per call however often others name it. The engine's
	 * one-argument constructor leaves it off (measured: "ADHD orders" was retrieved and filtered again for every
	 * definition that names it).
	 */
	private static java.util.Set<CqlEngine.Options> cachingOptions() {
		return java.util.EnumSet.of(CqlEngine.Options.EnableExpressionCaching);
	}

	/** The knowledge-only definitions of one library, evaluated over the knowledge alone. */
	private Map<String, ExpressionResult> evaluateConstants(org.hl7.elm.r1.Library library, Knowledge knowledge,
			ZonedDateTime evaluationTime) {
		Set<String> names = constants.of(library);
		if (names.isEmpty()) {
			return Map.of();
		}
		DataProvider fhir = new CompositeDataProvider(MODEL, new RecordRetrieveProvider(Map.of(), MODEL, terminology, knowledge));
		CqlEngine engine = new CqlEngine(new Environment(libraries.libraryManager(), Map.of(FHIR_MODEL, fhir), terminology),
				cachingOptions());
		VersionedIdentifier id = library.getIdentifier();
		EvaluationParams.Builder params = new EvaluationParams.Builder();
		params.library(new VersionedIdentifier().withId(id.getId()).withVersion(id.getVersion()), scope -> {
			scope.expressions(names);
			return kotlin.Unit.INSTANCE;
		});
		params.setContextParameter(new kotlin.Pair<>(PATIENT, "knowledge-only"));
		params.setEvaluationDateTime(evaluationTime);
		EvaluationResults results = engine.evaluate(params.build());
		EvaluationResult result = results.getResultFor(new VersionedIdentifier().withId(id.getId()).withVersion(id.getVersion()));
		if (result == null || results.containsExceptionsFor(new VersionedIdentifier().withId(id.getId()).withVersion(id.getVersion()))) {
			return Map.of(); // not kept: each call then evaluates them itself, and reports the error
		}
		return new LinkedHashMap<>(result.getExpressionResults());
	}
}
