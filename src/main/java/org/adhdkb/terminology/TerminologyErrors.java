package org.adhdkb.terminology;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.term.ex.ExpansionTooCostlyException;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import org.hl7.fhir.r4.model.OperationOutcome;

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
