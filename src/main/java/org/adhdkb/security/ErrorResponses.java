package org.adhdkb.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.hl7.fhir.r4.model.OperationOutcome;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Error bodies for requests refused before they reach HAPI or the CDS endpoints: an OperationOutcome on /fhir (XML
 * when the caller asked for XML), {@code {"error": ...}} on /cds-services.
 */
final class ErrorResponses {

	private static final FhirContext FHIR = FhirContext.forR4Cached();
	private static final ObjectMapper JSON = new ObjectMapper();

	private ErrorResponses() {}

	static void operationOutcome(HttpServletRequest request, HttpServletResponse response, int status,
			OperationOutcome.IssueType code, String message) throws IOException {
		OperationOutcome outcome = new OperationOutcome();
		outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(code).setDiagnostics(message);
		boolean xml = wantsXml(request);
		IParser parser = xml ? FHIR.newXmlParser() : FHIR.newJsonParser();
		write(response, status, xml ? "application/fhir+xml" : "application/fhir+json", parser.encodeResourceToString(outcome));
	}

	static void json(HttpServletResponse response, int status, String message) throws IOException {
		write(response, status, "application/json", JSON.writeValueAsString(Map.of("error", message)));
	}

	private static void write(HttpServletResponse response, int status, String contentType, String body)
			throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		response.setStatus(status);
		response.setContentType(contentType + ";charset=UTF-8");
		response.setContentLength(bytes.length);
		response.getOutputStream().write(bytes);
	}

	private static boolean wantsXml(HttpServletRequest request) {
		String format = request.getParameter("_format");
		if (format != null) {
			return format.contains("xml");
		}
		String accept = request.getHeader("Accept");
		return accept != null && accept.contains("xml") && !accept.contains("json");
	}
}
