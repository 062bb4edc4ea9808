package org.adhdkb.terminology;

import ca.uhn.fhir.jpa.provider.ValueSetOperationProvider;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import jakarta.servlet.http.HttpServletRequest;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeSystem.ConceptDefinitionComponent;
import org.hl7.fhir.r4.model.CodeSystem.ConceptDefinitionDesignationComponent;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;
import org.hl7.fhir.r4.model.UriType;
import org.hl7.fhir.r4.model.ValueSet;
import org.hl7.fhir.r4.model.ValueSet.ValueSetExpansionComponent;
import org.hl7.fhir.r4.model.ValueSet.ValueSetExpansionContainsComponent;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code ValueSet/$expand} and {@code ValueSet/$validate-code}. Both hand the work to HAPI's
 * {@link ValueSetOperationProvider}; this class replaces HAPI's bindings only to add what HAPI lacks:
 * <ul>
 * <li>{@code $expand}: {@code activeOnly}, {@code includeDesignations}, {@code excludeNested}, {@code displayLanguage} for
 * expansions HAPI makes in memory; {@code filter},
 * {@code count} and {@code offset} applied here, because without Hibernate Search HAPI ignores {@code filter} for any
 * value set not yet pre-expanded by its scheduler (so right after start-up or an update), and paging must come after
 * the filters HAPI does not apply; expansions larger than the configured maximum refused as too costly.</li>
 * <li>{@code $validate-code}: an unknown value set is a 404 with an OperationOutcome, not {@code result=false}.</li>
 * </ul>
 */
public class ValueSetOperations {

	/** Expansion parameters this server honours; TerminologyCapabilities lists the same. */
	static final List<String> EXPANSION_PARAMETERS = List.of(
			"url", "valueSet", "valueSetVersion", "filter", "count", "offset", "activeOnly", "includeDesignations",
			"displayLanguage", "includeHierarchy", "excludeNested");

	private static final Set<String> ECHOED_PARAMETERS =
			Set.of("filter", "count", "offset", "activeOnly", "includeDesignations", "displayLanguage", "excludeNested");

	private final ValueSetOperationProvider hapi;
	private final TerminologyLookups lookups;
	private final int maxExpansionSize;

	ValueSetOperations(ValueSetOperationProvider hapi, TerminologyLookups lookups, int maxExpansionSize) {
		this.hapi = hapi;
		this.lookups = lookups;
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
			RequestDetails requestDetails) {
		int first = nonNegative("offset", offset, 0);
		int pageSize = nonNegative("count", count, Integer.MAX_VALUE);
		if (id == null && url == null && valueSet == null) {
			throw new InvalidRequestException("$expand needs a value set: an id, a url or a valueSet parameter");
		}

		// The whole expansion, unfiltered and unpaged; HAPI refuses one above the maximum as too costly. HAPI may hand
		// out a cached expansion, so the changes below are made to a copy.
		ValueSet expanded = ((ValueSet) hapi.expand(servletRequest, id, valueSet, url, valueSetVersion, null, context,
				contextDirection, new IntegerType(0), new IntegerType(maxExpansionSize), displayLanguage,
				includeHierarchy, requestDetails)).copy();
		ValueSetExpansionComponent expansion = expanded.getExpansion();
		if (expansion.getTotal() > maxExpansionSize) {
			throw new TooCostlyException("The expansion of " + expanded.getUrl() + " has " + expansion.getTotal()
					+ " codes, more than this server's maximum of " + maxExpansionSize);
		}

		List<ValueSetExpansionContainsComponent> contains = isTrue(excludeNested)
				? flatten(expansion.getContains())
				: expansion.getContains();
		List<ValueSetExpansionContainsComponent> selected = select(
				contains, filter == null ? null : filter.getValue(), isTrue(activeOnly), includeDesignations,
				displayLanguage == null ? null : displayLanguage.getValue(), lookups.new ConceptCache());

		expansion.setTotal(selected.size());
		expansion.setOffset(first);
		expansion.setContains(selected.stream().skip(first).limit(pageSize).toList());
		expansion.getParameter().removeIf(parameter -> ECHOED_PARAMETERS.contains(parameter.getName()));
		echo(expansion, "filter", filter);
		echo(expansion, "count", count);
		echo(expansion, "offset", offset);
		echo(expansion, "activeOnly", activeOnly);
		echo(expansion, "includeDesignations", includeDesignations);
		echo(expansion, "displayLanguage", displayLanguage);
		echo(expansion, "excludeNested", excludeNested);
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
			@OperationParam(name = "valueSetVersion", min = 0, max = 1) StringType valueSetVersion,
			@OperationParam(name = "code", min = 0, max = 1) CodeType code,
			@OperationParam(name = "system", min = 0, max = 1) UriType system,
			@OperationParam(name = "systemVersion", min = 0, max = 1) StringType systemVersion,
			@OperationParam(name = "display", min = 0, max = 1) StringType display,
			@OperationParam(name = "coding", min = 0, max = 1) Coding coding,
			@OperationParam(name = "codeableConcept", min = 0, max = 1) CodeableConcept codeableConcept,
			RequestDetails requestDetails) {
		if (id == null && url == null) {
			throw new InvalidRequestException("$validate-code needs a value set: an id or a url parameter");
		}
		if (id == null && !lookups.isKnownValueSet(url.getValue(), valueOf(valueSetVersion))) {
			throw new ResourceNotFoundException("Unknown value set " + TerminologyLookups.versioned(url.getValue(),
					valueOf(valueSetVersion)));
		}
		return (Parameters) hapi.validateCode(servletRequest, id, url, valueSetVersion, code, system, systemVersion,
				display, coding, codeableConcept, requestDetails);
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
			TerminologyLookups.ConceptCache concepts) {
		List<ValueSetExpansionContainsComponent> selected = new ArrayList<>();
		for (ValueSetExpansionContainsComponent entry : contains) {
			ConceptDefinitionComponent concept = entry.hasSystem() && entry.hasCode() && concepts.get(entry.getSystem()) != null
					? concepts.get(entry.getSystem()).find(entry.getCode())
					: null;
			if (concept != null && CodeSystemConcepts.isInactive(concept)) {
				entry.setInactive(true);
			}
			entry.setContains(
					select(entry.getContains(), filter, activeOnly, includeDesignations, displayLanguage, concepts));
			if (displayLanguage != null && concept != null) {
				// HAPI's in-memory expansion keeps the default display whatever the displayLanguage.
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

	private static List<ValueSetExpansionContainsComponent> flatten(List<ValueSetExpansionContainsComponent> contains) {
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
}
