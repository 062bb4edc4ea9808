package org.adhdkb.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.PayloadTooLargeException;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Bounds the work one batch or transaction can ask for, before HAPI runs any entry. HAPI runs every entry of a
 * batch and holds every answer until the last is done: 2 000 GET entries of one 74 KB MedicationKnowledge made a
 * 138 KB request that needed more than a 512 MB heap. So a Bundle may have at most so many entries, and far fewer
 * GET entries (each answers with up to a page of resources). Refused with 413 and issue code too-costly.
 */
@Interceptor
class BundleEntryLimit {

	private final int maxEntries;
	private final int maxReadEntries;

	BundleEntryLimit(int maxEntries, int maxReadEntries) {
		this.maxEntries = maxEntries;
		this.maxReadEntries = maxReadEntries;
	}

	@Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
	public void check(RequestDetails request, RestOperationTypeEnum operation) {
		if (operation != RestOperationTypeEnum.TRANSACTION || !(request.getResource() instanceof Bundle bundle)) {
			return;
		}
		if (bundle.getEntry().size() > maxEntries) {
			throw tooMany("a batch or transaction may have at most " + maxEntries + " entries; this one has "
					+ bundle.getEntry().size());
		}
		long reads = bundle.getEntry().stream()
				.filter(e -> e.getRequest().getMethod() == Bundle.HTTPVerb.GET || e.getRequest().getMethod() == Bundle.HTTPVerb.HEAD)
				.count();
		if (reads > maxReadEntries) {
			throw tooMany("a batch or transaction may have at most " + maxReadEntries + " GET entries; this one has " + reads
					+ " (search with _id=a,b,c to read many resources at once)");
		}
	}

	private static PayloadTooLargeException tooMany(String message) {
		OperationOutcome outcome = new OperationOutcome();
		outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR)
				.setCode(OperationOutcome.IssueType.TOOCOSTLY).setDiagnostics(message);
		return new PayloadTooLargeException(message, outcome);
	}
}
