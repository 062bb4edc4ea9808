package org.adhdkb.cql;

import org.opencds.cqf.cql.engine.fhir.model.R4FhirModelResolver;
import org.opencds.cqf.cql.engine.retrieve.RetrieveProvider;
import org.opencds.cqf.cql.engine.runtime.Code;
import org.opencds.cqf.cql.engine.runtime.Interval;
import org.opencds.cqf.cql.engine.terminology.TerminologyProvider;
import org.opencds.cqf.cql.engine.terminology.ValueSetInfo;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Resource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Answers the engine's retrieves from one patient's record held in memory (a CDS Hooks prefetch, the data of an
 * {@code $apply} call, or the stored record read once). The engine's own FHIR retrieve providers query a FHIR server
 * per retrieve; the record is already here, so retrieving is filtering a list: by type, then by code or value set.
 *
 * <p>Date-range filters are not applied: the translator writes them into a retrieve only with its date-range
 * optimisation, which our options leave off, so a query's own {@code where} does the filtering.
 */
final class RecordRetrieveProvider implements RetrieveProvider {

	private final Map<String, List<Resource>> resourcesByType;
	private final R4FhirModelResolver modelResolver;
	private final TerminologyProvider terminology;
	private final Knowledge knowledge;

	RecordRetrieveProvider(Map<String, List<Resource>> resourcesByType, R4FhirModelResolver modelResolver,
			TerminologyProvider terminology) {
		this(resourcesByType, modelResolver, terminology, null);
	}

	/** @param knowledge resources the caller keeps besides the record (null for none), retrieved by code from an index */
	RecordRetrieveProvider(Map<String, List<Resource>> resourcesByType, R4FhirModelResolver modelResolver,
			TerminologyProvider terminology, Knowledge knowledge) {
		this.resourcesByType = resourcesByType;
		this.modelResolver = modelResolver;
		this.terminology = terminology;
		this.knowledge = knowledge;
	}

	@Override
	public Iterable<Object> retrieve(String context, String contextPath, Object contextValue, String dataType,
			String templateId, String codePath, Iterable<Code> codes, String valueSet, String datePath,
			String dateLowPath, String dateHighPath, Interval dateRange) {
		List<Object> matches = new ArrayList<>();
		if (knowledge != null) {
			matches.addAll(fromKnowledge(dataType, codePath, codes, valueSet));
		}
		for (Resource resource : resourcesByType.getOrDefault(dataType, List.of())) {
			if (codePath == null || (codes == null && valueSet == null)) {
				matches.add(resource);
				continue;
			}
			List<Coding> codings = codingsAt(resource, codePath);
			if (codes != null && anyEqual(codings, codes)) {
				matches.add(resource);
			} else if (valueSet != null && anyIn(codings, valueSet)) {
				matches.add(resource);
			}
		}
		return matches;
	}

	/** The knowledge resources of the type that match: by an index for codes with a system, else as the record's. */
	private List<Resource> fromKnowledge(String dataType, String codePath, Iterable<Code> codes, String valueSet) {
		List<Resource> ofType = knowledge.ofType(dataType);
		if (ofType.isEmpty() || codePath == null || (codes == null && valueSet == null)) {
			return knowledge.byCodeOnly(dataType) ? List.of() : ofType;
		}
		java.util.LinkedHashSet<Resource> found = new java.util.LinkedHashSet<>();
		if (codes != null && valueSet == null) {
			boolean indexed = true;
			for (Code code : codes) {
				if (code.getSystem() == null || code.getCode() == null) {
					indexed = false;
					break;
				}
				found.addAll(knowledge.withCode(dataType, codePath, code.getSystem(), code.getCode(), r -> codingsAt(r, codePath)));
			}
			if (indexed) {
				return new ArrayList<>(found);
			}
			found.clear();
		}
		for (Resource resource : ofType) {
			List<Coding> codings = codingsAt(resource, codePath);
			if ((codes != null && anyEqual(codings, codes)) || (valueSet != null && anyIn(codings, valueSet))) {
				found.add(resource);
			}
		}
		return new ArrayList<>(found);
	}

	private List<Coding> codingsAt(Resource resource, String codePath) {
		Object value;
		try {
			value = modelResolver.resolvePath(resource, codePath);
		} catch (RuntimeException e) {
			return List.of();
		}
		List<Coding> codings = new ArrayList<>();
		collect(value, codings);
		return codings;
	}

	private static void collect(Object value, List<Coding> codings) {
		if (value instanceof CodeableConcept concept) {
			codings.addAll(concept.getCoding());
		} else if (value instanceof Coding coding) {
			codings.add(coding);
		} else if (value instanceof Iterable<?> values) {
			for (Object each : values) {
				collect(each, codings);
			}
		}
	}

	private static boolean anyEqual(List<Coding> codings, Iterable<Code> codes) {
		for (Coding coding : codings) {
			for (Code code : codes) {
				if (code.getCode() != null && code.getCode().equals(coding.getCode())
						&& (code.getSystem() == null || code.getSystem().equals(coding.getSystem()))) {
					return true;
				}
			}
		}
		return false;
	}

	private boolean anyIn(List<Coding> codings, String valueSet) {
		ValueSetInfo info = new ValueSetInfo().withId(valueSet);
		for (Coding coding : codings) {
			if (coding.hasCode() && terminology.in(
					new Code().withSystem(coding.getSystem()).withCode(coding.getCode()), info)) {
				return true;
			}
		}
		return false;
	}
}
