package org.adhdkb.terminology;

import org.hl7.fhir.r5.model.BooleanType;
import org.hl7.fhir.r5.model.CanonicalType;
import org.hl7.fhir.r5.model.CodeSystem;
import org.hl7.fhir.r5.model.CodeSystem.ConceptDefinitionComponent;
import org.hl7.fhir.r5.model.CodeSystem.ConceptDefinitionDesignationComponent;
import org.hl7.fhir.r5.model.CodeSystem.ConceptPropertyComponent;
import org.hl7.fhir.r5.model.CodeType;
import org.hl7.fhir.r5.model.Coding;
import org.hl7.fhir.r5.model.DataType;
import org.hl7.fhir.r5.model.Parameters;
import org.hl7.fhir.r5.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r5.model.StringType;
import org.hl7.fhir.r5.model.UriType;
import org.hl7.fhir.r5.terminologies.CodeSystemUtilities;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code $lookup} answer for a concept of a CodeSystem resource (the HL7 core library has no lookup of its own):
 * name, version, display, definition, the designations (the display too, as the preferred designation in the code
 * system's language), and the properties asked for: {@code *} for all, none for the concept's own properties and
 * {@code inactive}; {@code parent} and {@code child} come from the hierarchy. Designations and properties of the
 * supplements named in the request are added, with the supplement as their source.
 */
final class ConceptLookup {

	private static final String TERM_MAINT = "http://terminology.hl7.org/CodeSystem/hl7TermMaintInfra";

	/** Properties given by the hierarchy, whatever the concept states. */
	private static final Set<String> HIERARCHY = Set.of("parent", "child");

	private ConceptLookup() {}

	static Parameters answer(CodeSystem codeSystem, ConceptDefinitionComponent concept, List<String> properties,
			List<CodeSystem> supplements) {
		Parameters answer = new Parameters();
		answer.addParameter("name", new StringType(codeSystem.getName()));
		answer.addParameter("system", new UriType(codeSystem.getUrl()));
		if (codeSystem.hasVersion()) {
			answer.addParameter("version", new StringType(codeSystem.getVersion()));
		}
		answer.addParameter("code", new CodeType(concept.getCode()));
		if (concept.hasDisplay()) {
			answer.addParameter("display", new StringType(concept.getDisplay()));
		}
		if (concept.hasDefinition()) {
			answer.addParameter("definition", new StringType(concept.getDefinition()));
		}
		answer.addParameter("abstract", new BooleanType(CodeSystemUtilities.isNotSelectable(codeSystem, concept)));
		if (concept.hasDisplay() && codeSystem.hasLanguage()) {
			designation(answer, codeSystem.getLanguage(), new Coding(TERM_MAINT, "preferredForLanguage", "Preferred For Language"),
					concept.getDisplay(), null);
		}
		for (ConceptDefinitionDesignationComponent designation : concept.getDesignation()) {
			designation(answer, designation.getLanguage(), designation.getUse(), designation.getValue(), null);
		}
		boolean all = properties.contains("*");
		boolean inactive = CodeSystemUtilities.isInactive(codeSystem, concept);
		if (all || properties.isEmpty() || properties.contains("inactive")) {
			property(answer, "inactive", new BooleanType(inactive), null, null);
		}
		for (ConceptPropertyComponent property : concept.getProperty()) {
			if (wanted(property.getCode(), properties, all) && !"inactive".equals(property.getCode())
					&& !HIERARCHY.contains(property.getCode())) {
				property(answer, property.getCode(), property.getValue(), null, null);
			}
		}
		if (all || properties.contains("parent")) {
			for (ConceptDefinitionComponent parent : parents(codeSystem, concept)) {
				property(answer, "parent", new CodeType(parent.getCode()), parent.getDisplay(), null);
			}
		}
		if (all || properties.contains("child")) {
			for (ConceptDefinitionComponent child : concept.getConcept()) {
				property(answer, "child", new CodeType(child.getCode()), child.getDisplay(), null);
			}
		}
		for (CodeSystem supplement : supplements) {
			String source = supplement.getVersionedUrl();
			ConceptDefinitionComponent extra = CodeSystemUtilities.findCode(supplement.getConcept(), concept.getCode());
			if (extra != null) {
				for (ConceptDefinitionDesignationComponent designation : extra.getDesignation()) {
					designation(answer, designation.getLanguage(), designation.getUse(), designation.getValue(), source);
				}
				for (ConceptPropertyComponent property : extra.getProperty()) {
					if (wanted(property.getCode(), properties, all)) {
						property(answer, property.getCode(), property.getValue(), null, source);
					}
				}
			}
			answer.addParameter("used-supplement", new CanonicalType(source));
		}
		return answer;
	}

	private static boolean wanted(String code, List<String> properties, boolean all) {
		return all || properties.isEmpty() || properties.contains(code);
	}

	private static List<ConceptDefinitionComponent> parents(CodeSystem codeSystem, ConceptDefinitionComponent concept) {
		List<ConceptDefinitionComponent> parents = new ArrayList<>();
		findParents(codeSystem.getConcept(), null, concept.getCode(), parents);
		return parents;
	}

	private static void findParents(List<ConceptDefinitionComponent> concepts, ConceptDefinitionComponent parent,
			String code, List<ConceptDefinitionComponent> found) {
		for (ConceptDefinitionComponent concept : concepts) {
			if (code.equals(concept.getCode()) && parent != null && !found.contains(parent)) {
				found.add(parent);
			}
			findParents(concept.getConcept(), concept, code, found);
		}
	}

	private static void designation(Parameters answer, String language, Coding use, String value, String source) {
		ParametersParameterComponent designation = answer.addParameter().setName("designation");
		if (language != null) {
			designation.addPart().setName("language").setValue(new CodeType(language));
		}
		if (use != null && !use.isEmpty()) {
			designation.addPart().setName("use").setValue(use);
		}
		if (source != null) {
			designation.addPart().setName("source").setValue(new CanonicalType(source));
		}
		designation.addPart().setName("value").setValue(new StringType(value));
	}

	private static void property(Parameters answer, String code, DataType value, String description, String source) {
		ParametersParameterComponent property = answer.addParameter().setName("property");
		property.addPart().setName("code").setValue(new CodeType(code));
		if (description != null) {
			property.addPart().setName("description").setValue(new StringType(description));
		}
		if (source != null) {
			property.addPart().setName("source").setValue(new CanonicalType(source));
		}
		property.addPart().setName("value").setValue(value);
	}
}
