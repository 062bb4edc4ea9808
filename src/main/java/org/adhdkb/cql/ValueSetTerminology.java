package org.adhdkb.cql;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import ca.uhn.fhir.context.support.ValueSetExpansionOptions;
import org.hl7.fhir.r4.model.ValueSet;
import org.opencds.cqf.cql.engine.runtime.Code;
import org.opencds.cqf.cql.engine.terminology.CodeSystemInfo;
import org.opencds.cqf.cql.engine.terminology.TerminologyProvider;
import org.opencds.cqf.cql.engine.terminology.ValueSetInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engine's terminology from ours: membership answered by a function the owner gives (the server's cached
 * {@code guidance/ValueSetMembership}), expansions by HAPI's terminology service (the one {@code ValueSet/$expand}
 * uses), each expanded once. The engine's own R4 terminology provider would call a FHIR server per test.
 */
public final class ValueSetTerminology implements TerminologyProvider {

	/** Whether system|code is in the value set with this url. */
	@FunctionalInterface
	public interface Membership {
		boolean isIn(String system, String code, String valueSetUrl);
	}

	private final IValidationSupport validationSupport;
	private final Membership membership;
	private final Map<String, List<Code>> expansions = new ConcurrentHashMap<>();

	public ValueSetTerminology(IValidationSupport validationSupport, Membership membership) {
		this.validationSupport = validationSupport;
		this.membership = membership;
	}

	/** Membership from the expansions (for tools and tests without a server). */
	public ValueSetTerminology(IValidationSupport validationSupport) {
		this.validationSupport = validationSupport;
		this.membership = (system, code, url) -> expand(url).stream()
				.anyMatch(c -> code.equals(c.getCode()) && (system == null || system.equals(c.getSystem())));
	}

	@Override
	public boolean in(Code code, ValueSetInfo valueSet) {
		return code.getCode() != null && membership.isIn(code.getSystem(), code.getCode(), valueSet.getId());
	}

	@Override
	public Iterable<Code> expand(ValueSetInfo valueSet) {
		return expand(valueSet.getId());
	}

	@Override
	public Code lookup(Code code, CodeSystemInfo codeSystem) {
		return code;
	}

	private List<Code> expand(String url) {
		return expansions.computeIfAbsent(url, this::expandNow);
	}

	private List<Code> expandNow(String url) {
		IValidationSupport.ValueSetExpansionOutcome outcome = validationSupport.expandValueSet(
				new ValidationSupportContext(validationSupport), new ValueSetExpansionOptions().setCount(100_000), url);
		if (outcome == null || outcome.getValueSet() == null) {
			throw new IllegalStateException("ValueSet " + url + " cannot be expanded"
					+ (outcome == null || outcome.getError() == null ? "" : ": " + outcome.getError()));
		}
		List<Code> codes = new ArrayList<>();
		for (ValueSet.ValueSetExpansionContainsComponent contains : ((ValueSet) outcome.getValueSet()).getExpansion().getContains()) {
			addAll(contains, codes);
		}
		return List.copyOf(codes);
	}

	private static void addAll(ValueSet.ValueSetExpansionContainsComponent contains, List<Code> codes) {
		if (contains.hasCode()) {
			codes.add(new Code().withSystem(contains.getSystem()).withCode(contains.getCode())
					.withVersion(contains.getVersion()).withDisplay(contains.getDisplay()));
		}
		for (ValueSet.ValueSetExpansionContainsComponent nested : contains.getContains()) {
			addAll(nested, codes);
		}
	}
}
