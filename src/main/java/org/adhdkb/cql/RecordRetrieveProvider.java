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

	RecordRetrieveProvider(Map<String, List<Resource>> resourcesByType, R4FhirModelResolver modelResolver,
			TerminologyProvider terminology) {
		this.resourcesByType = resourcesByType;
		this.modelResolver = modelResolver;
		this.terminology = terminology;
	}

	@Override
	public Iterable<Object> retrieve(String context, String contextPath, Object contextValue, String dataType,
			String templateId, String codePath, Iterable<Code> codes, String valueSet, String datePath,
			String dateLowPath, String dateHighPath, Interval dateRange) {
		List<Object> matches = new ArrayList<>();
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
