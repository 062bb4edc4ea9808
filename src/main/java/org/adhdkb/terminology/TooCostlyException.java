package org.adhdkb.terminology;

import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.hl7.fhir.r4.model.OperationOutcome;

/** An expansion larger than the server serves: 422 with an OperationOutcome whose issue code is {@code too-costly}. */
public class TooCostlyException extends UnprocessableEntityException {

	public TooCostlyException(String message) {
		super(message, outcome(message));
	}

	private static OperationOutcome outcome(String message) {
		OperationOutcome outcome = new OperationOutcome();
		outcome.addIssue()
				.setSeverity(OperationOutcome.IssueSeverity.ERROR)
				.setCode(OperationOutcome.IssueType.TOOCOSTLY)
				.setDiagnostics(message);
		return outcome;
	}
}
