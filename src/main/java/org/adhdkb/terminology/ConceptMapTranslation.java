package org.adhdkb.terminology;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ConceptMap;
import org.hl7.fhir.r4.model.ConceptMap.ConceptMapGroupComponent;
import org.hl7.fhir.r4.model.ConceptMap.SourceElementComponent;
import org.hl7.fhir.r4.model.ConceptMap.TargetElementComponent;
import org.hl7.fhir.r4.model.Enumerations.ConceptMapEquivalence;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;

import java.util.List;

/**
 * {@code $translate} with the ConceptMaps sent in the request ({@code tx-resource}), which HAPI's $translate (that of
 * stored ConceptMaps) does not take. Forward from a source code, or in reverse from a target code ({@code targetCode},
 * or {@code reverse=true}); each match names the concept, its equivalence and the map it comes from.
 */
final class ConceptMapTranslation {

	private ConceptMapTranslation() {}

	/** The R5 relationship an R4 equivalence stands for (R5 answers name both, so that R4 and R5 clients understand). */
	static String relationship(ConceptMapEquivalence equivalence) {
		return switch (equivalence) {
			case EQUIVALENT, EQUAL -> "equivalent";
			case WIDER, SUBSUMES -> "source-is-narrower-than-target";
			case NARROWER, SPECIALIZES -> "source-is-broader-than-target";
			case UNMATCHED, DISJOINT -> "not-related-to";
			default -> "related-to";
		};
	}

	/**
	 * @param source     the code to translate, with its system (from code and system, or coding)
	 * @param reverse    translate a target code back to its source codes
	 * @param targetSystem only matches in this system, if given
	 */
	static Parameters translate(List<IBaseResource> txResources, String mapUrl, Coding source, boolean reverse,
			String targetSystem) {
		if (source == null || !source.hasCode()) {
			throw new InvalidRequestException("$translate needs the code to translate: code and system, or coding");
		}
		Parameters answer = new Parameters();
		for (IBaseResource resource : txResources) {
			if (!(resource instanceof ConceptMap map) || (mapUrl != null && !mapUrl.equals(map.getUrl()))) {
				continue;
			}
			String origin = TerminologyLookups.versioned(map.getUrl(), map.getVersion());
			for (ConceptMapGroupComponent group : map.getGroup()) {
				String from = reverse ? group.getTarget() : group.getSource();
				String to = reverse ? group.getSource() : group.getTarget();
				if ((source.hasSystem() && !source.getSystem().equals(from))
						|| (targetSystem != null && !targetSystem.equals(to))) {
					continue;
				}
				for (SourceElementComponent element : group.getElement()) {
					for (TargetElementComponent target : element.getTarget()) {
						String matchedCode = reverse ? target.getCode() : element.getCode();
						if (!source.getCode().equals(matchedCode)) {
							continue;
						}
						Parameters.ParametersParameterComponent match = answer.addParameter().setName("match");
						match.addPart().setName("concept").setValue(new Coding(to, reverse ? element.getCode() : target.getCode(), null));
						if (target.hasEquivalence()) {
							match.addPart().setName("equivalence").setValue(new CodeType(target.getEquivalence().toCode()));
							match.addPart().setName("relationship").setValue(new CodeType(relationship(target.getEquivalence())));
						}
						match.addPart().setName("originMap").setValue(new CanonicalType(origin));
					}
				}
			}
		}
		boolean found = answer.getParameter().stream().anyMatch(parameter -> "match".equals(parameter.getName()));
		answer.getParameter().add(0, new Parameters.ParametersParameterComponent().setName("result").setValue(new BooleanType(found)));
		if (!found) {
			answer.addParameter().setName("message").setValue(new StringType(
					"No translation of " + (source.hasSystem() ? source.getSystem() + "#" : "") + source.getCode()
							+ " in the concept maps of the request"));
		}
		return answer;
	}
}
