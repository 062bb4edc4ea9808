package org.adhdkb.terminology;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.ValueSet;
import org.hl7.fhir.r4.model.ValueSet.ConceptSetComponent;
import org.hl7.fhir.r4.model.ValueSet.ConceptSetFilterComponent;
import org.hl7.fhir.r4.model.ValueSet.FilterOperator;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Refuses value sets whose {@code regex} filters would let one request burn a CPU for minutes. HAPI evaluates such a
 * filter with java.util.regex against every code, without a time limit; a nested quantifier such as {@code (a+)+}
 * backtracks exponentially on a code like {@code aaaa…X}, and the request thread never stops, even after the client
 * gave up. A filter that does not compile is refused too.
 */
final class RegexFilterGuard {

	/** A group that contains a quantifier and is itself quantified: (a+)+, (a*)*, ((ab)+){2,}, ... */
	private static final Pattern NESTED_QUANTIFIER =
			Pattern.compile("\\((?:[^()\\\\]|\\\\.)*(?:[*+]|\\{\\d+,\\d*\\})(?:[^()\\\\]|\\\\.)*\\)(?:[*+]|\\{\\d+,\\d*\\})");

	private RegexFilterGuard() {}

	/** Checks the value set and every value set it includes or excludes. */
	static void check(ValueSet valueSet, IValidationSupport validationSupport) {
		check(valueSet, validationSupport, new HashSet<>());
	}

	private static void check(ValueSet valueSet, IValidationSupport validationSupport, Set<String> seen) {
		if (valueSet == null || (valueSet.hasUrl() && !seen.add(valueSet.getUrl()))) {
			return;
		}
		List<ConceptSetComponent> sets = new ArrayList<>(valueSet.getCompose().getInclude());
		sets.addAll(valueSet.getCompose().getExclude());
		for (ConceptSetComponent set : sets) {
			for (ConceptSetFilterComponent filter : set.getFilter()) {
				if (filter.getOp() == FilterOperator.REGEX && filter.hasValue()) {
					checkRegex(filter.getValue());
				}
			}
			for (CanonicalType included : set.getValueSet()) {
				if (validationSupport.fetchValueSet(included.getValue()) instanceof ValueSet other) {
					check(other, validationSupport, seen);
				}
			}
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
