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
 * Which definitions of a library read only knowledge: no retrieve of a type in the FHIR Patient compartment (so not
 * the Patient either), no {@code Now()}, {@code Today()} or {@code TimeOfDay()}, no parameter, and nothing that reads
 * any of these, through every definition and function they use, in their own library or an included one. Their value
 * is the same for every patient on one set of knowledge resources, so {@link CqlEvaluator} computes it once per
 * {@link Knowledge} instead of once per call (a window read from a PlanDefinition, a MedicationKnowledge found by its
 * canonical). The analysis is of the ELM alone and errs towards "depends on the patient".
 */
final class KnowledgeConstants {

	private final CompiledLibraries libraries;
	private final FhirContext fhir;
	/** Per "library|definition": true when it depends on the patient or the time; computed on demand. */
	private final Map<String, Boolean> dependent = new HashMap<>();
	private final Map<Library, java.util.List<Library>> closures =
			java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

	KnowledgeConstants(CompiledLibraries libraries, FhirContext fhir) {
		this.libraries = libraries;
		this.fhir = fhir;
	}

	/** The names of the library's expression definitions (not functions) that read only knowledge. */
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

	/** Whether a definition (or every function of that name) of the library depends on the patient or the time. */
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

	private boolean patientType(String type) {
		if (type.equals("Patient")) {
			return true;
		}
		try {
			return !fhir.getResourceDefinition(type).getSearchParamsForCompartmentName("Patient").isEmpty();
		} catch (RuntimeException notAResource) {
			return true;
		}
	}

	/** True when the expression reads the patient or the time. */
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
			return retrieve.getDataType() == null || patientType(retrieve.getDataType().getLocalPart())
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
			return true;
		}

		@Override
		public Boolean visitNow(Now now, Void context) {
			return true;
		}

		@Override
		public Boolean visitToday(Today today, Void context) {
			return true;
		}

		@Override
		public Boolean visitTimeOfDay(TimeOfDay timeOfDay, Void context) {
			return true;
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
