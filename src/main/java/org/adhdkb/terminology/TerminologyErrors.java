package org.adhdkb.terminology;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.term.ex.ExpansionTooCostlyException;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.StringType;

/**
 * Turns two server errors (500) that HAPI raises for the client's input into the 4xx they are:
 * <ul>
 * <li>HAPI's {@link ExpansionTooCostlyException} is an internal error; it becomes 422 {@code too-costly}.</li>
 * <li>An operation parameter that does not parse as its type (say {@code count=abc}) fails inside HAPI's parameter
 * binding with a NumberFormatException, reported as 500; it becomes 400.</li>
 * </ul>
 */
@Interceptor
public class TerminologyErrors {

	/**
	 * 404 for a value set the server does not know, worded and coded as the HL7 terminology tools do (issue type
	 * not-found, tx-issue-type not-found), so that clients such as the HL7 validator recognise it.
	 */
	static ResourceNotFoundException unknownValueSet(String canonical) {
		String text = "A definition for the value Set '" + canonical + "' could not be found";
		OperationOutcome outcome = new OperationOutcome();
		OperationOutcome.OperationOutcomeIssueComponent issue = outcome.addIssue()
				.setSeverity(OperationOutcome.IssueSeverity.ERROR)
				.setCode(OperationOutcome.IssueType.NOTFOUND);
		issue.addExtension("http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id",
				new StringType("Unable_to_resolve_value_Set_"));
		issue.getDetails().addCoding(new org.hl7.fhir.r4.model.Coding("http://hl7.org/fhir/tools/CodeSystem/tx-issue-type", "not-found", null));
		issue.getDetails().setText(text);
		return new ResourceNotFoundException(text, outcome);
	}

	@Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
	public BaseServerResponseException toClientError(RequestDetails request, Throwable exception) {
		for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
			if (cause instanceof ExpansionTooCostlyException tooCostly) {
				return new TooCostlyException(tooCostly.getMessage());
			}
			if (cause instanceof NumberFormatException notANumber && request.getOperation() != null) {
				OperationOutcome outcome = new OperationOutcome();
				String message = "A parameter of " + request.getOperation() + " is not a valid number: "
						+ notANumber.getMessage();
				outcome.addIssue()
						.setSeverity(OperationOutcome.IssueSeverity.ERROR)
						.setCode(OperationOutcome.IssueType.INVALID)
						.setDiagnostics(message);
				return new InvalidRequestException(message, outcome);
			}
			if (cause == cause.getCause()) {
				break;
			}
		}
		return null;
	}
}
