package org.adhdkb.terminology;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.ValueSet;
import org.hl7.fhir.r4.model.ValueSet.ConceptSetComponent;
import org.hl7.fhir.r4.model.ValueSet.ConceptSetFilterComponent;
import org.hl7.fhir.r4.model.ValueSet.FilterOperator;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Refuses, before HAPI expands or validates against it, a value set that would make HAPI fail badly:
 * <ul>
 * <li>one that includes or excludes itself, directly or through other value sets: HAPI's in-memory expansion recurses
 * until the stack overflows (HTTP 500);</li>
 * <li>a {@code regex} filter with nested quantifiers, such as {@code (a+)+}: HAPI evaluates it with java.util.regex
 * against every code without a time limit; it backtracks exponentially on a code like {@code aaaa…X}, and the request
 * thread burns a CPU long after the client has given up;</li>
 * <li>a {@code regex} filter that does not compile, and a filter without property, op or value: HAPI ignores such a
 * filter and expands as if it were absent, which answers a question the client did not ask.</li>
 * </ul>
 */
final class ValueSetGuard {

	/** A group that contains a quantifier and is itself quantified: (a+)+, (a*)*, ((ab)+){2,}, ... */
	private static final Pattern NESTED_QUANTIFIER =
			Pattern.compile("\\((?:[^()\\\\]|\\\\.)*(?:[*+]|\\{\\d+,\\d*\\})(?:[^()\\\\]|\\\\.)*\\)(?:[*+]|\\{\\d+,\\d*\\})");

	private ValueSetGuard() {}

	/** Checks the value set and every value set it includes or excludes. */
	static void check(ValueSet valueSet, IValidationSupport validationSupport) {
		if (valueSet != null) {
			check(valueSet, validationSupport, new ArrayList<>());
		}
	}

	private static void check(ValueSet valueSet, IValidationSupport validationSupport, List<String> path) {
		String canonical = valueSet.hasUrl() ? TerminologyLookups.versioned(valueSet.getUrl(), valueSet.getVersion()) : null;
		if (canonical != null && path.contains(canonical)) {
			List<String> cycle = new ArrayList<>(path.subList(path.indexOf(canonical), path.size()));
			cycle.add(canonical);
			throw circular(cycle);
		}
		if (canonical != null) {
			path.add(canonical);
		}
		List<ConceptSetComponent> sets = new ArrayList<>(valueSet.getCompose().getInclude());
		sets.addAll(valueSet.getCompose().getExclude());
		for (int index = 0; index < sets.size(); index++) {
			ConceptSetComponent set = sets.get(index);
			String element = index < valueSet.getCompose().getInclude().size()
					? "ValueSet.compose.include[" + index + "]"
					: "ValueSet.compose.exclude[" + (index - valueSet.getCompose().getInclude().size()) + "]";
			for (int filterIndex = 0; filterIndex < set.getFilter().size(); filterIndex++) {
				ConceptSetFilterComponent filter = set.getFilter().get(filterIndex);
				if (!filter.hasProperty() || filter.getOp() == null || filter.getValue() == null || filter.getValue().isBlank()) {
					throw incompleteFilter(set, filter, element + ".filter[" + filterIndex + "]");
				}
				if (filter.getOp() == FilterOperator.REGEX) {
					checkRegex(filter.getValue());
					checkRegexCost(filter.getValue(), set.getSystem(), validationSupport);
				}
			}
			for (CanonicalType included : set.getValueSet()) {
				if (validationSupport.fetchValueSet(included.getValue()) instanceof ValueSet other) {
					check(other, validationSupport, path);
				}
			}
		}
		if (canonical != null) {
			path.remove(path.size() - 1);
		}
	}

	/** Worded and coded as the HL7 terminology tools report it (issue type invalid, tx-issue-type vs-invalid). */
	private static InvalidRequestException incompleteFilter(ConceptSetComponent set, ConceptSetFilterComponent filter,
			String path) {
		String system = set.hasSystem() ? set.getSystem() : "(no system)";
		String message = filter.hasProperty() && filter.getOp() != null
				? "The system " + system + " filter with property = " + filter.getProperty() + ", op = "
						+ filter.getOp().toCode() + " has no value"
				: "The system " + system + " has a filter without " + (filter.hasProperty() ? "op" : "property");
		OperationOutcome outcome = new OperationOutcome();
		outcome.addIssue()
				.setSeverity(OperationOutcome.IssueSeverity.ERROR)
				.setCode(OperationOutcome.IssueType.INVALID)
				.setDetails(new CodeableConcept(
						new Coding("http://hl7.org/fhir/tools/CodeSystem/tx-issue-type", "vs-invalid", null)).setText(message))
				.addExpression(path);
		return new InvalidRequestException(message, outcome);
	}

	private static InvalidRequestException circular(List<String> cycle) {
		String message = "Cyclic reference detected: the value set " + cycle.get(0) + " includes itself via " + cycle;
		OperationOutcome outcome = new OperationOutcome();
		outcome.addIssue()
				.setSeverity(OperationOutcome.IssueSeverity.ERROR)
				.setCode(OperationOutcome.IssueType.PROCESSING)
				.setDetails(new CodeableConcept(
						new Coding("http://hl7.org/fhir/tools/CodeSystem/tx-issue-type", "vs-invalid", null)).setText(message))
				.setDiagnostics(message);
		return new InvalidRequestException(message, outcome);
	}

	/**
	 * The regex is run here first, against every value of the code system it filters (codes, displays, designations,
	 * string properties: a superset of what the expansion matches), with java.util.regex's steps counted through the
	 * input it reads. Past the budget it is refused as too-costly. So the expansion that follows runs the same
	 * engine on the same values and is known to be cheap: a pattern such as {@code (.*a){10}$}, which has no nested
	 * quantifier but backtracks polynomially to a high degree, burned 30 CPU-seconds on a 40-character code before
	 * (and went on after the client had gone). Written here because java.util.regex has no step or time limit and
	 * HAPI and the HL7 engine both evaluate the filter with it.
	 */
	static void checkRegexCost(String regex, String system, IValidationSupport validationSupport) {
		if (system == null || !(validationSupport.fetchCodeSystem(system) instanceof CodeSystem codeSystem)) {
			return; // no concepts known: nothing the regex can be run against
		}
		Pattern pattern = Pattern.compile(regex);
		StepBudget budget = new StepBudget(REGEX_STEP_BUDGET);
		try {
			for (String value : values(codeSystem.getConcept(), new ArrayList<>())) {
				CharSequence counted = budget.count(value);
				pattern.matcher(counted).matches();
				pattern.matcher(counted).find();
			}
		} catch (StepBudget.Exceeded e) {
			throw new TooCostlyException("The regex filter '" + regex + "' takes too many steps to evaluate against the codes "
					+ "of " + system + "; this server does not run it");
		}
	}

	/** Characters read by the regex engine across all values of one filter: a few milliseconds of work. */
	static final long REGEX_STEP_BUDGET = 5_000_000;

	private static List<String> values(List<CodeSystem.ConceptDefinitionComponent> concepts, List<String> into) {
		for (CodeSystem.ConceptDefinitionComponent concept : concepts) {
			into.add(concept.getCode() == null ? "" : concept.getCode());
			if (concept.hasDisplay()) {
				into.add(concept.getDisplay());
			}
			concept.getDesignation().forEach(d -> into.add(d.getValue() == null ? "" : d.getValue()));
			concept.getProperty().forEach(p -> {
				if (p.getValue() instanceof org.hl7.fhir.r4.model.PrimitiveType<?> primitive && primitive.getValueAsString() != null) {
					into.add(primitive.getValueAsString());
				}
			});
			values(concept.getConcept(), into);
		}
		return into;
	}

	/** Counts the characters the regex engine reads through the sequences it hands out; throws past the budget. */
	private static final class StepBudget {
		static final class Exceeded extends RuntimeException {
			Exceeded() {
				super(null, null, false, false);
			}
		}

		private long left;

		StepBudget(long steps) {
			this.left = steps;
		}

		CharSequence count(String value) {
			return new CharSequence() {
				@Override
				public int length() {
					return value.length();
				}

				@Override
				public char charAt(int index) {
					if (--left < 0) {
						throw new Exceeded();
					}
					return value.charAt(index);
				}

				@Override
				public CharSequence subSequence(int start, int end) {
					return count(value.substring(start, end));
				}

				@Override
				public String toString() {
					return value;
				}
			};
		}
	}

	static void checkRegex(String regex) {
		try {
			Pattern.compile(regex);
		} catch (PatternSyntaxException e) {
			throw new InvalidRequestException("The regex filter '" + regex + "' is not a valid regular expression: "
					+ e.getDescription());
		}
		if (NESTED_QUANTIFIER.matcher(regex).find()) {
			throw new TooCostlyException("The regex filter '" + regex + "' nests quantifiers; evaluating it can take "
					+ "exponential time, so this server does not run it");
		}
	}
}
