package org.adhdkb.terminology;

import ca.uhn.fhir.context.support.ConceptValidationOptions;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport.CodeValidationResult;
import ca.uhn.fhir.context.support.LookupCodeRequest;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UriType;
import org.hl7.fhir.r4.model.ValueSet;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The answer of {@code $validate-code} made with HAPI's in-memory terminology service (requests with
 * {@code tx-resource}), in the shape FHIR R4 and the HL7 terminology ecosystem describe: HAPI's in-memory result says
 * only yes or no with a message, so the code, system, version and display found, and for a negative answer an
 * {@code issues} OperationOutcome saying why (code not in the value set, code unknown in its code system, code system
 * unknown) are added here.
 */
final class ValidationAnswer {

	private static final String TX_ISSUE_TYPE = "http://hl7.org/fhir/tools/CodeSystem/tx-issue-type";

	/** How the request gave the code, which decides the FHIRPath of the issues. */
	enum Form {
		CODE("code"),
		CODING("Coding.code"),
		CODEABLE_CONCEPT("CodeableConcept.coding[%d].code");

		private final String expression;

		Form(String expression) {
			this.expression = expression;
		}

		String expression(int index) {
			return String.format(expression, index);
		}
	}

	private ValidationAnswer() {}

	/**
	 * Validates the codings against the value set, or against their code system if {@code valueSet} is null. The answer
	 * is positive as soon as one coding is valid.
	 */
	static Parameters validate(IValidationSupport support, ValueSet valueSet, List<Coding> codings, Form form,
			CodeableConcept codeableConcept) {
		ValidationSupportContext context = new ValidationSupportContext(support);
		List<OperationOutcomeIssueComponent> issues = new ArrayList<>();
		Coding reported = codings.isEmpty() ? new Coding() : codings.get(0);
		for (int index = 0; index < codings.size(); index++) {
			Coding coding = codings.get(index);
			ConceptValidationOptions options = new ConceptValidationOptions()
					.setInferSystem(!coding.hasSystem())
					.setValidateDisplay(coding.hasDisplay());
			String system = TerminologyLookups.versioned(coding.getSystem(), coding.getVersion());
			CodeValidationResult result = valueSet != null
					? support.validateCodeInValueSet(context, options, system, coding.getCode(), coding.getDisplay(), valueSet)
					: support.validateCode(context, options, system, coding.getCode(), coding.getDisplay(), null);
			if (result != null && result.isOk()) {
				return positive(support, withSystem(coding, valueSet), result, codeableConcept);
			}
			issues.addAll(whyNot(support, context, valueSet, coding, form, index));
		}
		if (form == Form.CODEABLE_CONCEPT && valueSet != null) {
			issues.add(0, issue("code-invalid", "not-in-vs",
					"No valid coding was found for the value set '" + canonical(valueSet) + "'", null));
		}
		Parameters answer = new Parameters();
		answer.addParameter().setName("result").setValue(new BooleanType(false));
		if (codeableConcept != null) {
			answer.addParameter().setName("codeableConcept").setValue(codeableConcept);
		} else {
			echoCoding(answer, support, reported);
		}
		answer.addParameter().setName("message").setValue(new StringType(issues.stream()
				.map(issue -> issue.getDetails().getText())
				.collect(Collectors.joining("; "))));
		OperationOutcome outcome = new OperationOutcome();
		outcome.setIssue(issues);
		answer.addParameter().setName("issues").setResource(outcome);
		return answer;
	}

	private static Parameters positive(IValidationSupport support, Coding coding, CodeValidationResult result,
			CodeableConcept codeableConcept) {
		Parameters answer = new Parameters();
		answer.addParameter().setName("result").setValue(new BooleanType(true));
		Coding found = new Coding(
				coding.getSystem(),
				result.getCode() != null ? result.getCode() : coding.getCode(),
				result.getDisplay());
		found.setVersion(result.getCodeSystemVersion() != null ? result.getCodeSystemVersion() : coding.getVersion());
		echoCoding(answer, support, found);
		if (found.hasDisplay()) {
			answer.addParameter().setName("display").setValue(new StringType(found.getDisplay()));
		}
		if (result.getMessage() != null && result.getSeverity() != null
				&& result.getSeverity() != IValidationSupport.IssueSeverity.INFORMATION) {
			answer.addParameter().setName("message").setValue(new StringType(result.getMessage()));
		}
		if (codeableConcept != null) {
			answer.addParameter().setName("codeableConcept").setValue(codeableConcept);
		}
		return answer;
	}

	/** The coding, with the system of the value set filled in when the request left it out and there is only one. */
	private static Coding withSystem(Coding coding, ValueSet valueSet) {
		if (coding.hasSystem() || valueSet == null) {
			return coding;
		}
		List<String> systems = valueSet.getCompose().getInclude().stream()
				.filter(ValueSet.ConceptSetComponent::hasSystem)
				.map(ValueSet.ConceptSetComponent::getSystem)
				.distinct()
				.toList();
		return systems.size() == 1 ? coding.copy().setSystem(systems.get(0)) : coding;
	}

	private static void echoCoding(Parameters answer, IValidationSupport support, Coding coding) {
		if (coding.hasCode()) {
			answer.addParameter().setName("code").setValue(new CodeType(coding.getCode()));
		}
		if (coding.hasSystem()) {
			answer.addParameter().setName("system").setValue(new UriType(coding.getSystem()));
			String version = coding.getVersion();
			if (version == null && support.fetchCodeSystem(coding.getSystem()) instanceof CodeSystem codeSystem) {
				version = codeSystem.getVersion();
			}
			if (version != null) {
				answer.addParameter().setName("version").setValue(new StringType(version));
			}
		}
	}

	private static List<OperationOutcomeIssueComponent> whyNot(IValidationSupport support,
			ValidationSupportContext context, ValueSet valueSet, Coding coding, Form form, int index) {
		List<OperationOutcomeIssueComponent> issues = new ArrayList<>();
		String expression = form.expression(index);
		if (valueSet != null) {
			String text = "The provided code '" + coding.getSystem() + "#" + coding.getCode()
					+ "' was not found in the value set '" + canonical(valueSet) + "'";
			issues.add(issue("code-invalid", form == Form.CODEABLE_CONCEPT ? "this-code-not-in-vs" : "not-in-vs", text,
					expression));
		}
		if (coding.hasSystem()) {
			// For a codeableConcept the problem of the code itself comes before its absence from the value set.
			issues.addAll(form == Form.CODEABLE_CONCEPT ? 0 : issues.size(), codeSystemIssues(support, context, coding, expression));
		}
		return issues;
	}

	private static List<OperationOutcomeIssueComponent> codeSystemIssues(IValidationSupport support,
			ValidationSupportContext context, Coding coding, String expression) {
		List<OperationOutcomeIssueComponent> issues = new ArrayList<>();
		String system = TerminologyLookups.versioned(coding.getSystem(), coding.getVersion());
		if (support.fetchCodeSystem(system) == null
				&& !support.isCodeSystemSupported(context, coding.getSystem())) {
			issues.add(issue("not-found", "not-found", "A definition for CodeSystem '" + system
					+ "' could not be found, so the code cannot be validated", expression));
			return issues;
		}
		IValidationSupport.LookupCodeResult lookup = support.lookupCode(context, new LookupCodeRequest(system, coding.getCode()));
		if (lookup == null || !lookup.isFound()) {
			String version = support.fetchCodeSystem(system) instanceof CodeSystem codeSystem ? codeSystem.getVersion() : null;
			issues.add(issue("code-invalid", "invalid-code", "Unknown code '" + coding.getCode() + "' in the CodeSystem '"
					+ coding.getSystem() + "'" + (version == null ? "" : " version '" + version + "'"), expression));
		}
		return issues;
	}

	private static OperationOutcomeIssueComponent issue(String code, String txIssueType, String text, String expression) {
		OperationOutcomeIssueComponent issue = new OperationOutcomeIssueComponent()
				.setSeverity(OperationOutcome.IssueSeverity.ERROR)
				.setCode(OperationOutcome.IssueType.fromCode(code));
		issue.getDetails().addCoding(new Coding(TX_ISSUE_TYPE, txIssueType, null));
		issue.getDetails().setText(text);
		if (expression != null) {
			issue.addExpression(expression);
		}
		return issue;
	}

	private static String canonical(ValueSet valueSet) {
		return valueSet.hasUrl() ? TerminologyLookups.versioned(valueSet.getUrl(), valueSet.getVersion()) : "(inline value set)";
	}
}
