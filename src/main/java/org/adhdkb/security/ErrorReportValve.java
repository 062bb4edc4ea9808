package org.adhdkb.security;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Tomcat refuses some requests before any filter or servlet sees them (an encoded {@code /} in the path, a malformed
 * URI or header) and answers with its HTML error page. This valve answers those with an OperationOutcome (JSON
 * error on /cds-services) instead: never an HTML page, never a stack trace.
 */
public class ErrorReportValve extends org.apache.catalina.valves.ErrorReportValve {

	public ErrorReportValve() {
		setShowReport(false);
		setShowServerInfo(false);
	}

	@Override
	protected void report(Request request, Response response, Throwable throwable) {
		int status = response.getStatus();
		if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
			return;
		}
		String uri = request.getDecodedRequestURI();
		boolean cds = uri != null && uri.startsWith("/cds-services");
		String message = status >= 500 ? "the server could not handle the request" : "the request is not valid HTTP or has an invalid path";
		String body = cds
				? "{\"error\":\"" + message + "\"}"
				: "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\""
						+ (status >= 500 ? "exception" : "invalid") + "\",\"diagnostics\":\"" + message + "\"}]}";
		try {
			response.setContentType(cds ? "application/json;charset=UTF-8" : "application/fhir+json;charset=UTF-8");
			response.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
			response.finishResponse();
		} catch (IOException | IllegalStateException e) {
			// the client has gone: nothing more to tell it
		}
	}
}
