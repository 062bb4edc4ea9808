package org.adhdkb.server;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;

/**
 * FHIR says a write whose {@code If-Match} version is not the current one fails with 412 Precondition Failed; HAPI
 * answers 409 Conflict for every version conflict. This keeps 409 for other conflicts and gives 412 where the client
 * stated a precondition.
 */
@Interceptor
public class IfMatchPreconditionInterceptor {

	@Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
	public BaseServerResponseException toPreconditionFailed(RequestDetails request, Throwable exception) {
		if (exception instanceof ResourceVersionConflictException conflict
				&& request.getHeader(Constants.HEADER_IF_MATCH) != null) {
			PreconditionFailedException failed = new PreconditionFailedException(conflict.getMessage());
			failed.setOperationOutcome(conflict.getOperationOutcome());
			return failed;
		}
		return null;
	}
}
