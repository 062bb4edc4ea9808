package org.adhdkb.content;

import org.hl7.fhir.r4.model.ActivityDefinition;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.Expression;
import org.hl7.fhir.r4.model.Library;
import org.hl7.fhir.r4.model.ParameterDefinition;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.Resource;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The content check's rules for logic: every logic Library carries CQL and its ELM, and every CQL expression of a
 * PlanDefinition or ActivityDefinition names a definition of a Library the resource lists in {@code library}, so that
 * no expression depends on something only one engine knows.
 */
final class CqlContentRules {

	static final String CQL_IDENTIFIER = "text/cql-identifier";
	static final String CQL_EXPRESSION = "text/cql-expression";

	/**
	 * R4's validator calls {@code text/cql-identifier} and {@code text/cql-expression} unknown codes of the
	 * expression-language code system. They are the codes CPG-on-FHIR (an R4 IG) prescribes for CQL expressions, and
	 * R4 binds {@code Expression.language} extensibly, so a code beyond the value set is allowed; R5 added both to the
	 * code system. Only this message, on this element, for these two codes, is dropped.
	 */
	static boolean isCqlLanguageCodeFalseAlarm(ca.uhn.fhir.validation.SingleValidationMessage message) {
		String location = message.getLocationString();
		String text = message.getMessage();
		return location != null && location.endsWith(".expression.language") && text != null
				&& text.contains("expression-language#")
				&& (text.contains("#" + CQL_IDENTIFIER + "'") || text.contains("#" + CQL_EXPRESSION + "'"));
	}

	/** A FHIRPath environment variable: {@code %name} or {@code %`name`}. */
	private static final Pattern VARIABLE = Pattern.compile("%`?([A-Za-z][A-Za-z0-9_-]*)`?");

	/** What FHIRPath and CPG give every expression (FHIRPath's environment, CPG's $apply inputs). */
	static final Set<String> STANDARD_INPUTS = Set.of("resource", "rootResource", "context", "ucum", "sct", "loinc",
			"subject", "patient", "practitioner", "encounter", "location", "organization", "userType", "userLanguage",
			"userTaskContext", "setting", "settingContext", "parameters");

	private static final String LIBRARY_TYPE = "http://terminology.hl7.org/CodeSystem/library-type";

	private CqlContentRules() {}

	static void check(Map<String, Resource> resources, List<ContentProblem> problems) {
		Map<String, Library> librariesByUrl = new HashMap<>();
		for (Map.Entry<String, Resource> entry : resources.entrySet()) {
			if (entry.getValue() instanceof Library library) {
				if (library.hasUrl()) {
					librariesByUrl.put(library.getUrl(), library);
				}
				checkLibrary(entry.getKey(), library, problems);
			}
		}
		for (Map.Entry<String, Resource> entry : resources.entrySet()) {
			if (entry.getValue() instanceof PlanDefinition plan) {
				Set<String> definitions = definitionsOf(plan.getLibrary(), librariesByUrl);
				checkActions(entry.getKey(), "PlanDefinition", plan.getAction(), definitions, problems);
			} else if (entry.getValue() instanceof ActivityDefinition activity) {
				Set<String> definitions = definitionsOf(activity.getLibrary(), librariesByUrl);
				for (int i = 0; i < activity.getDynamicValue().size(); i++) {
					checkExpression(entry.getKey(), "ActivityDefinition.dynamicValue[" + i + "].expression",
							activity.getDynamicValue().get(i).getExpression(), definitions, problems);
				}
			}
		}
	}

	private static void checkLibrary(String path, Library library, List<ContentProblem> problems) {
		boolean logic = library.getType().getCoding().stream()
				.anyMatch(c -> LIBRARY_TYPE.equals(c.getSystem()) && "logic-library".equals(c.getCode()));
		if (!logic) {
			return;
		}
		Set<String> types = new LinkedHashSet<>();
		for (Attachment content : library.getContent()) {
			types.add(content.getContentType());
		}
		if (!types.contains(CqlLibraryAssembly.CQL) || !types.contains(CqlLibraryAssembly.ELM_JSON)) {
			problems.add(new ContentProblem(path, "Library.content",
					"a logic library needs its CQL source in " + CqlLibraryAssembly.CQL_FOLDER + library.getName()
							+ ".cql (the build adds text/cql and application/elm+json)"));
		}
	}

	private static void checkActions(String path, String location, List<PlanDefinition.PlanDefinitionActionComponent> actions,
			Set<String> definitions, List<ContentProblem> problems) {
		for (int a = 0; a < actions.size(); a++) {
			PlanDefinition.PlanDefinitionActionComponent action = actions.get(a);
			String here = location + ".action[" + a + "]";
			for (int c = 0; c < action.getCondition().size(); c++) {
				checkExpression(path, here + ".condition[" + c + "].expression",
						action.getCondition().get(c).getExpression(), definitions, problems);
			}
			for (int d = 0; d < action.getDynamicValue().size(); d++) {
				checkExpression(path, here + ".dynamicValue[" + d + "].expression",
						action.getDynamicValue().get(d).getExpression(), definitions, problems);
			}
			checkActions(path, here, action.getAction(), definitions, problems);
		}
	}

	private static void checkExpression(String path, String location, Expression expression, Set<String> definitions,
			List<ContentProblem> problems) {
		if (expression == null || !expression.hasLanguage()) {
			return;
		}
		String language = expression.getLanguage();
		if (!CQL_IDENTIFIER.equals(language) && !CQL_EXPRESSION.equals(language)) {
			// Any other language (FHIRPath) may use only the inputs every CPG engine gives, never a variable that only
			// one engine computes.
			Matcher variable = VARIABLE.matcher(expression.hasExpression() ? expression.getExpression() : "");
			while (variable.find()) {
				if (!STANDARD_INPUTS.contains(variable.group(1)) && !variable.group(1).startsWith("vs-")
						&& !variable.group(1).startsWith("ext-")) {
					problems.add(new ContentProblem(path, location, "'%" + variable.group(1)
							+ "' is not a standard input: compute it in a CQL Library and name its definition ("
							+ CQL_IDENTIFIER + ")"));
				}
			}
			return;
		}
		if (definitions.isEmpty()) {
			problems.add(new ContentProblem(path, location,
					"a CQL expression needs a CQL Library in the resource's 'library'"));
			return;
		}
		if (CQL_IDENTIFIER.equals(language) && !definitions.contains(expression.getExpression())) {
			problems.add(new ContentProblem(path, location, "'" + expression.getExpression()
					+ "' is not a definition of the resource's libraries (they define " + String.join(", ", definitions) + ")"));
		}
	}

	/** The definitions (output parameters) of the Libraries a resource lists; those the build read from their ELM. */
	private static Set<String> definitionsOf(List<CanonicalType> libraries, Map<String, Library> librariesByUrl) {
		Set<String> definitions = new LinkedHashSet<>();
		for (CanonicalType canonical : libraries) {
			String url = canonical.getValue();
			if (url == null) {
				continue;
			}
			Library library = librariesByUrl.get(url.contains("|") ? url.substring(0, url.indexOf('|')) : url);
			if (library == null || !CqlLibraryAssembly.hasCql(library)) {
				continue;
			}
			for (ParameterDefinition parameter : library.getParameter()) {
				if (parameter.getUse() == ParameterDefinition.ParameterUse.OUT && parameter.hasName()) {
					definitions.add(parameter.getName());
				}
			}
		}
		return definitions;
	}
}
