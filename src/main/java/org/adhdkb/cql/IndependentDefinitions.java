package org.adhdkb.cql;

import ca.uhn.fhir.context.FhirContext;
import org.cqframework.cql.elm.visiting.BaseElmClinicalVisitor;
import org.hl7.elm.r1.Element;
import org.hl7.elm.r1.ExpressionDef;
import org.hl7.elm.r1.ExpressionRef;
import org.hl7.elm.r1.FunctionDef;
import org.hl7.elm.r1.FunctionRef;
import org.hl7.elm.r1.IncludeDef;
import org.hl7.elm.r1.Library;
import org.hl7.elm.r1.Now;
import org.hl7.elm.r1.ParameterRef;
import org.hl7.elm.r1.Retrieve;
import org.hl7.elm.r1.TimeOfDay;
import org.hl7.elm.r1.Today;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which definitions of a library read none of some resource types, through every definition and function they use,
 * in their own library or an included one. The analysis is of the ELM alone and errs towards "reads them". Two uses:
 * <ul>
 * <li>{@link #knowledgeOnly}: no type in the FHIR Patient compartment (so not the Patient either), no {@code Now()},
 * {@code Today()} or {@code TimeOfDay()} and no parameter. Their value is the same for every patient on one set of
 * knowledge resources, so {@link CqlEvaluator} computes it once per {@link Knowledge} instead of once per call (a
 * window read from a PlanDefinition, a MedicationKnowledge found by its canonical).</li>
 * <li>{@link #notReading}: none of the given types. Their value is the same in two sessions of one call whose records
 * differ only in those types (the order hooks' record with and without the draft orders counted as taken), so one
 * session takes it from the other ({@link CqlEvaluator.Session#reuse}).</li>
 * </ul>
 */
final class IndependentDefinitions {

	private final CompiledLibraries libraries;
	/** Whether a retrieve of this type makes a definition dependent. */
	private final java.util.function.Predicate<String> readsType;
	/** Whether the time of evaluation and the parameters make a definition dependent. */
	private final boolean timeAndParameters;
	/** Per "library|definition": true when it depends on what is read; computed on demand. */
	private final Map<String, Boolean> dependent = new HashMap<>();
	private final Map<Library, java.util.List<Library>> closures =
			java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

	private IndependentDefinitions(CompiledLibraries libraries, java.util.function.Predicate<String> readsType,
			boolean timeAndParameters) {
		this.libraries = libraries;
		this.readsType = readsType;
		this.timeAndParameters = timeAndParameters;
	}

	/** Definitions that read only knowledge: no patient data, no time, no parameter. */
	static IndependentDefinitions knowledgeOnly(CompiledLibraries libraries, FhirContext fhir) {
		return new IndependentDefinitions(libraries, type -> patientType(fhir, type), true);
	}

	/** Definitions that retrieve none of {@code types} (time and parameters are taken as the same). */
	static IndependentDefinitions notReading(CompiledLibraries libraries, Set<String> types) {
		return new IndependentDefinitions(libraries, types::contains, false);
	}

	/** Whether the library's expression definition of that name is independent. */
	synchronized boolean independent(Library library, String definition) {
		return !dependsOnPatient(library, definition, false);
	}

	/** The names of the library's expression definitions (not functions) that are independent. */
	synchronized Set<String> of(Library library) {
		Set<String> constants = new LinkedHashSet<>();
		if (library.getStatements() == null) {
			return constants;
		}
		for (ExpressionDef def : library.getStatements().getDef()) {
			if (!(def instanceof FunctionDef) && !dependsOnPatient(library, def.getName(), false)) {
				constants.add(def.getName());
			}
		}
		return constants;
	}

	/** Whether a definition (or every function of that name) of the library depends on what is read. */
	private boolean dependsOnPatient(Library library, String name, boolean function) {
		String key = library.getIdentifier().getId() + "|" + library.getIdentifier().getVersion() + "|" + name + "|" + function;
		Boolean known = dependent.get(key);
		if (known != null) {
			return known;
		}
		dependent.put(key, true); // a cycle (recursion is not CQL, but be safe) counts as dependent
		boolean result = false;
		boolean found = false;
		if (library.getStatements() != null) {
			for (ExpressionDef def : library.getStatements().getDef()) {
				if (def.getName().equals(name) && (def instanceof FunctionDef) == function) {
					found = true;
					if (def.getExpression() == null || new Reader(library).visitElement(def.getExpression(), null)) {
						result = true; // an external function (no body) is not ours to judge
					}
				}
			}
		}
		result = result || !found;
		dependent.put(key, result);
		return result;
	}

	private Library included(Library from, String alias) {
		if (alias == null) {
			return from;
		}
		if (from.getIncludes() != null) {
			for (IncludeDef include : from.getIncludes().getDef()) {
				if (alias.equals(include.getLocalIdentifier())) {
					return libraries.library(include.getPath(), include.getVersion());
				}
			}
		}
		return null;
	}

	private static boolean patientType(FhirContext fhir, String type) {
		if (type.equals("Patient")) {
			return true;
		}
		try {
			return !fhir.getResourceDefinition(type).getSearchParamsForCompartmentName("Patient").isEmpty();
		} catch (RuntimeException notAResource) {
			return true;
		}
	}

	/** True when the expression depends on what is read. */
	private final class Reader extends BaseElmClinicalVisitor<Boolean, Void> {

		private final Library library;

		Reader(Library library) {
			this.library = library;
		}

		@Override
		protected Boolean defaultResult(Element element, Void context) {
			return false;
		}

		@Override
		protected Boolean aggregateResult(Boolean a, Boolean b) {
			return Boolean.TRUE.equals(a) || Boolean.TRUE.equals(b);
		}

		@Override
		public Boolean visitRetrieve(Retrieve retrieve, Void context) {
			return retrieve.getDataType() == null || readsType.test(retrieve.getDataType().getLocalPart())
					|| super.visitRetrieve(retrieve, context);
		}

		@Override
		public Boolean visitExpressionRef(ExpressionRef ref, Void context) {
			Library target = included(library, ref.getLibraryName());
			return target == null || dependsOnPatient(target, ref.getName(), false);
		}

		@Override
		public Boolean visitFunctionRef(FunctionRef ref, Void context) {
			Library target = included(library, ref.getLibraryName());
			if (target == null || dependsOnPatient(target, ref.getName(), true)) {
				return true;
			}
			return super.visitFunctionRef(ref, context); // the operands
		}

		@Override
		public Boolean visitParameterRef(ParameterRef ref, Void context) {
			return timeAndParameters;
		}

		@Override
		public Boolean visitNow(Now now, Void context) {
			return timeAndParameters;
		}

		@Override
		public Boolean visitToday(Today today, Void context) {
			return timeAndParameters;
		}

		@Override
		public Boolean visitTimeOfDay(TimeOfDay timeOfDay, Void context) {
			return timeAndParameters;
		}
	}

	/** The library and every library it includes, each once (kept: ELM's hashCode walks the whole tree). */
	java.util.List<Library> closure(Library library) {
		java.util.List<Library> known = closures.get(library);
		if (known == null) {
			java.util.List<Library> all = new java.util.ArrayList<>();
			collect(library, all, new HashSet<>());
			known = java.util.List.copyOf(all);
			closures.put(library, known);
		}
		return known;
	}

	private void collect(Library library, java.util.List<Library> into, Set<String> seen) {
		if (library == null || !seen.add(library.getIdentifier().getId() + "|" + library.getIdentifier().getVersion())) {
			return;
		}
		into.add(library);
		if (library.getIncludes() != null) {
			for (IncludeDef include : library.getIncludes().getDef()) {
				collect(libraries.library(include.getPath(), include.getVersion()), into, seen);
			}
		}
	}
}
