package org.adhdkb.security;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;

import java.io.IOException;

/**
 * Spring Boot's error page, for errors no endpoint answered itself (a method Spring does not know, a media type it
 * cannot produce, a failure inside a filter): an OperationOutcome on /fhir, {@code {"error": ...}} elsewhere, with
 * the status's own words. Boot's default body carries a timestamp, the path and, with some settings, the exception;
 * on /cds-services it is not the {@code {"error": ...}} CDS Hooks clients expect. Replaces Boot's controller (which
 * steps back when an ErrorController exists).
 */
@Controller
class ErrorEndpoint implements ErrorController {

	@RequestMapping("${server.error.path:${error.path:/error}}")
	void error(HttpServletRequest request, HttpServletResponse response) throws IOException {
		Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
		int status = code instanceof Integer i && i >= 400 ? i : 500;
		HttpStatus known = HttpStatus.resolve(status);
		String message = status >= 500 && status != 501 && status != 503
				? "the server could not handle the request"
				: known == null ? "the request was refused" : known.getReasonPhrase();
		Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
		if (response.isCommitted()) {
			return;
		}
		response.reset();
		if (uri instanceof String path && path.startsWith(request.getContextPath() + "/fhir")) {
			ErrorResponses.operationOutcome(request, response, status,
					status >= 500 ? OperationOutcome.IssueType.EXCEPTION : OperationOutcome.IssueType.INVALID, message);
		} else {
			ErrorResponses.json(response, status, message);
		}
	}
}
