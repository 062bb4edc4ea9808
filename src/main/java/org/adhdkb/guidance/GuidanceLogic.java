package org.adhdkb.guidance;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import org.opencds.cqf.cql.engine.fhir.model.R4FhirModelResolver;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.adhdkb.cache.ChangeCounter;
import org.adhdkb.cache.VersionedCache;
import org.adhdkb.cql.CompiledLibraries;
import org.adhdkb.cql.CqlEvaluator;
import org.adhdkb.cql.FhirTypes;
import org.adhdkb.cql.ValueSetTerminology;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Expression;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Library;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Base;
import org.springframework.stereotype.Component;

import java.math.BigDecimal;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The content's CQL for $apply: the conditions and dynamic values of PlanDefinitions and ActivityDefinitions name
 * definitions ({@code text/cql-identifier}) of the CQL Libraries they list in {@code library}, evaluated by the CQL
 * reference engine ({@link CqlEvaluator}) over the patient's record and the MedicationKnowledge the artifact depends
 * on. The Libraries' ELM is read once per content version; value-set membership is {@link ValueSetMembership}'s.
 */
@Component
public class GuidanceLogic {

	static final String CQL_IDENTIFIER = "text/cql-identifier";

	private final DaoRegistry daoRegistry;
	private final ChangeCounter changeCounter;
	private final KnowledgeArtifacts artifacts;
	private final IValidationSupport validationSupport;
	private final ValueSetMembership valueSets;
	/** The CQL engine's view of the server's FHIR model, one for every evaluator. */
	private final R4FhirModelResolver model;
	/** One evaluator for the Libraries as they are: rebuilt after a write, as every cache of knowledge is. */
	private final VersionedCache<String, CqlEvaluator> evaluators;

	public GuidanceLogic(DaoRegistry daoRegistry, ChangeCounter changeCounter, KnowledgeArtifacts artifacts,
			IValidationSupport validationSupport, ValueSetMembership valueSets, FhirContext fhir) {
		this.daoRegistry = daoRegistry;
		this.model = new FhirTypes(fhir);
		this.changeCounter = changeCounter;
		this.artifacts = artifacts;
		this.validationSupport = validationSupport;
		this.valueSets = valueSets;
		this.evaluators = new VersionedCache<String, CqlEvaluator>(changeCounter, 1).oneComputationAtATime();
	}

	/**
	 * The definitions of {@code libraries} for one patient, each evaluated when first asked for.
	 *
	 * @param data the patient's record and the knowledge resources the CQL may retrieve
	 */
	public Definitions definitions(List<CanonicalType> libraries, List<Resource> data, RequestDetails request) {
		return definitions(libraries, data, Map.of(), request);
	}

	/**
	 * As {@link #definitions(List, List, RequestDetails)}, with values of the Libraries' CQL {@code parameter}s by name
	 * ($apply's {@code parameters}; CDS Hooks' {@code draftOrders}).
	 */
	public Definitions definitions(List<CanonicalType> libraries, List<Resource> data, Map<String, Object> parameters,
			RequestDetails request) {
		List<Library> resolved = new ArrayList<>();
		for (CanonicalType canonical : libraries) {
			resolved.add(artifacts.byCanonical(Library.class, canonical.getValue(), request));
		}
		return new Definitions(evaluator(request), resolved, data, null, parameters, ZonedDateTime.now());
	}

	/**
	 * As {@link #definitions(List, List, RequestDetails)} for a caller that keeps its knowledge resources (CDS Hooks:
	 * the content's, per content version): what reads only them is evaluated once per {@code knowledge}, and each
	 * Library evaluates only the definitions asked for ({@link Definitions#evaluate}), not all of them.
	 */
	public Definitions definitions(List<CanonicalType> libraries, List<Resource> patientData,
			org.adhdkb.cql.Knowledge knowledge, RequestDetails request) {
		return definitions(libraries, patientData, knowledge, Map.of(), request);
	}

	/** As {@link #definitions(List, List, org.adhdkb.cql.Knowledge, RequestDetails)}, with CQL parameters by name. */
	public Definitions definitions(List<CanonicalType> libraries, List<Resource> patientData,
			org.adhdkb.cql.Knowledge knowledge, Map<String, Object> parameters, RequestDetails request) {
		List<Library> resolved = new ArrayList<>();
		for (CanonicalType canonical : libraries) {
			resolved.add(artifacts.byCanonical(Library.class, canonical.getValue(), request));
		}
		return new Definitions(evaluator(request), resolved, patientData, knowledge, parameters, ZonedDateTime.now());
	}

	private CqlEvaluator evaluator(RequestDetails request) {
		long version = changeCounter.current(request);
		return evaluators.get("content", version, key -> {
			List<Library> libraries = new ArrayList<>();
			for (IBaseResource found : daoRegistry.getResourceDao("Library")
					.search(SearchParameterMap.newSynchronous(), request).getAllResources()) {
				libraries.add((Library) found);
			}
			ValueSetTerminology terminology = new ValueSetTerminology(validationSupport,
					(system, code, url) -> valueSets.anyIn(List.of(new Coding(system, code, null)), url, version));
			return new CqlEvaluator(CompiledLibraries.of(libraries), terminology, model);
		});
	}

	/** The values of the definitions of some Libraries for one patient. Not shared between requests. */
	public static final class Definitions {

		private final CqlEvaluator evaluator;
		private final List<Library> libraries;
		private final org.adhdkb.cql.Knowledge knowledge;
		private final Map<String, Object> parameters;
		private final ZonedDateTime now;
		/** Created on first use: a plan whose conditions are all static never starts the engine. */
		private final java.util.function.Supplier<CqlEvaluator.Session> session;
		private CqlEvaluator.Session started;
		private final Map<String, Object> values = new HashMap<>();
		/** Definitions over a record that differs from this one's only in resources of {@link #differing} types. */
		private final Definitions beside;
		private final Set<String> differing;

		Definitions(CqlEvaluator evaluator, List<Library> libraries, List<Resource> data,
				org.adhdkb.cql.Knowledge knowledge, Map<String, Object> parameters, ZonedDateTime now) {
			this(evaluator, libraries, data, knowledge, parameters, now, null, Set.of());
		}

		private Definitions(CqlEvaluator evaluator, List<Library> libraries, List<Resource> data,
				org.adhdkb.cql.Knowledge knowledge, Map<String, Object> parameters, ZonedDateTime now,
				Definitions beside, Set<String> differing) {
			this.evaluator = evaluator;
			this.libraries = libraries;
			this.knowledge = knowledge;
			this.parameters = parameters;
			this.now = now;
			this.beside = beside;
			this.differing = differing;
			this.session = () -> evaluator.session(data, knowledge, now, parameters);
		}

		/**
		 * The same Libraries, knowledge, parameters and time over {@code data}, a record that differs from this one's only
		 * in resources of the {@code differing} types: on first use it takes the values this one has computed by then of
		 * the definitions that read none of those types ({@link CqlEvaluator.Session#reuse}).
		 */
		public Definitions beside(List<Resource> data, Set<String> differing) {
			return new Definitions(evaluator, libraries, data, knowledge, parameters, now, this, Set.copyOf(differing));
		}

		/**
		 * Evaluates the named definitions not yet known, each Library's in one evaluation (what they share is evaluated
		 * once); names no Library defines are left for {@link #value(String)} to refuse.
		 */
		public void evaluate(java.util.Collection<String> names) {
			for (Library library : libraries) {
				Set<String> defined = evaluator.definitions(library.getName(), library.getVersion());
				Set<String> wanted = new java.util.LinkedHashSet<>();
				for (String name : names) {
					if (defined.contains(name) && !values.containsKey(name)) {
						wanted.add(name);
					}
				}
				if (!wanted.isEmpty()) {
					values.putAll(started().evaluate(library.getName(), library.getVersion(), wanted));
				}
			}
		}

		private CqlEvaluator.Session started() {
			if (started == null) {
				started = session.get();
				if (beside != null && beside.started != null) {
					started.reuse(beside.started, differing);
				}
			}
			return started;
		}

		/** Whether these Libraries are all among the ones evaluated here. */
		boolean covers(List<CanonicalType> canonicals) {
			return canonicals.stream().allMatch(c -> libraries.stream().anyMatch(l -> l.getUrl().equals(
					c.getValue().contains("|") ? c.getValue().substring(0, c.getValue().indexOf('|')) : c.getValue())));
		}

		/** Whether an applicability condition holds: its definition is true (false and null do not hold). */
		public boolean isTrue(Expression expression) {
			return Boolean.TRUE.equals(value(expression));
		}

		/** A dynamic value as a FHIR element; empty when the definition is null. */
		public List<Base> fhirValue(Expression expression) {
			Object value = value(expression);
			if (value instanceof Iterable<?> items) { // a list for a repeating element: each item, nulls left out
				List<Base> values = new java.util.ArrayList<>();
				items.forEach(item -> {
					if (item != null) {
						values.add(toFhir(item, expression));
					}
				});
				return values;
			}
			return value == null ? List.of() : List.of(toFhir(value, expression));
		}

		private Object value(Expression expression) {
			if (!CQL_IDENTIFIER.equals(expression.getLanguage())) {
				throw new UnprocessableEntityException("Expression language '" + expression.getLanguage()
						+ "' is not evaluated here: name a CQL definition (" + CQL_IDENTIFIER + ")");
			}
			return value(expression.getExpression());
		}

		/**
		 * The engine's value of a definition (FHIR model objects, CQL runtime values, lists, tuples). Only the
		 * definitions asked for are evaluated (an order check that needs the interaction facts does not compute the
		 * doses); what they share is evaluated once, in one engine session.
		 */
		public Object value(String name) {
			if (values.containsKey(name)) {
				return values.get(name);
			}
			for (Library library : libraries) {
				if (evaluator.definitions(library.getName(), library.getVersion()).contains(name)) {
					Object value = started().evaluate(library.getName(), library.getVersion(), Set.of(name)).get(name);
					values.put(name, value);
					return value;
				}
			}
			throw new UnprocessableEntityException("No Library in 'library' defines '" + name + "'");
		}

		/** The names of the definitions of the first Library, in the order of its ELM. */
		public Set<String> names() {
			Library library = libraries.get(0);
			return evaluator.definitions(library.getName(), library.getVersion());
		}

		/** A value the engine gave as a FHIR element, for a definition that is not a list or a tuple. */
		public static Base toFhir(Object value, String name) {
			return toFhir(value, new Expression().setExpression(name));
		}

		private static Base toFhir(Object value, Expression expression) {
			if (value instanceof Base base) {
				return base.copy();
			}
			if (value instanceof String text) {
				return new StringType(text);
			}
			if (value instanceof Boolean bool) {
				return new BooleanType(bool);
			}
			if (value instanceof Integer integer) {
				return new IntegerType(integer);
			}
			if (value instanceof BigDecimal decimal) {
				return new DecimalType(decimal);
			}
			if (value instanceof org.opencds.cqf.cql.engine.runtime.Quantity quantity) {
				return new Quantity().setValue(quantity.getValue()).setUnit(quantity.getUnit())
						.setSystem("http://unitsofmeasure.org").setCode(quantity.getUnit());
			}
			throw new UnprocessableEntityException("Definition '" + expression.getExpression() + "' gives a "
					+ value.getClass().getSimpleName() + ", which is not a FHIR value");
		}
	}
}
