package org.adhdkb.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;

import org.hl7.fhir.r4.model.OperationOutcome;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Refuses input that HAPI accepts silently or answers with 500:
 * <ul>
 * <li>a body that is not valid UTF-8 (FHIR's only encoding): HAPI would store U+FFFD in place of the bad bytes;</li>
 * <li>a {@code _format} HAPI cannot produce (406): HAPI would answer JSON as if none was asked for;</li>
 * <li>a negative {@code _count}: HAPI ignores it;</li>
 * <li>a number search value that is not a number: HAPI's BigDecimal parse fails with 500;</li>
 * <li>an operation parameter without a value (found by the fuzz test: {@code $expand} with an empty {@code url}
 * value made HAPI fail with a NullPointerException, 500): 400, and the failure is logged for whoever owns the
 * operation.</li>
 * </ul>
 */
@Interceptor
class RequestInputGuard {

	private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RequestInputGuard.class);

	private static final Set<String> FORMAT_SHORTHANDS = Set.of("json", "xml", "html", "ttl", "text/html", "text/turtle");

	@Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
	public void checkRequest(RequestDetails request) {
		String[] formats = request.getParameters().get(Constants.PARAM_FORMAT);
		if (formats != null) {
			for (String format : formats) {
				String type = format.split(";")[0].trim();
				if (!FORMAT_SHORTHANDS.contains(type) && EncodingEnum.forContentType(type) == null) {
					throw new UnclassifiedServerFailureException(406, "_format " + format + " is not supported: use json or xml");
				}
			}
		}
		String[] counts = request.getParameters().get(Constants.PARAM_COUNT);
		if (counts != null) {
			for (String count : counts) {
				if (count.trim().startsWith("-")) {
					throw invalid("_count must not be negative: " + count);
				}
			}
		}
		if (isBodyMethod(request.getRequestType().name()) && hasUtf8Body(request)) {
			checkUtf8(request.loadRequestContents());
		}
	}

	@Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
	public BaseServerResponseException badInputIsNotAServerError(RequestDetails request, Throwable exception) {
		if (isLockTimeout(exception)) {
			LOG.warn("{} {}: the database was busy (lock or statement timeout); answered 503", request.getRequestType(),
					request.getRequestPath());
			UnclassifiedServerFailureException busy = new UnclassifiedServerFailureException(503,
					"the database is busy with other writes; retry shortly", outcome(OperationOutcome.IssueType.TRANSIENT,
							"the database is busy with other writes; retry shortly"));
			busy.addResponseHeader("Retry-After", "2");
			return busy;
		}
		if (exception instanceof InternalErrorException || !(exception instanceof BaseServerResponseException)) {
			for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
				if (cause instanceof ca.uhn.fhir.jpa.term.ex.ExpansionTooCostlyException) {
					return null; // a client error: terminology's own handler answers 422 too-costly
				}
				if (cause instanceof NumberFormatException || cause instanceof DataFormatException) {
					return invalid("invalid value in the request: " + cause.getMessage());
				}
				if (cause instanceof NullPointerException && request.getOperation() != null) {
					LOG.warn("{} failed on a missing value; answered 400", request.getOperation(), cause);
					return invalid(request.getOperation() + ": a parameter is missing its value");
				}
			}
			// HAPI's 500 messages quote the exception they wrap: class names, SQL, file paths. The log keeps them.
			LOG.error("{} {} failed; answered 500", request.getRequestType(), request.getRequestPath(), exception);
			InternalErrorException failed = new InternalErrorException(SERVER_FAILURE,
					outcome(OperationOutcome.IssueType.EXCEPTION, SERVER_FAILURE));
			return failed;
		}
		if (exception instanceof BaseServerResponseException response && response.getStatusCode() >= 500) {
			LOG.error("{} {} failed with {}; the answer says no more", request.getRequestType(), request.getRequestPath(),
					response.getStatusCode(), exception);
			return new UnclassifiedServerFailureException(response.getStatusCode(), SERVER_FAILURE,
					outcome(OperationOutcome.IssueType.EXCEPTION, SERVER_FAILURE));
		}
		if (exception instanceof BaseServerResponseException response) {
			return withoutHapiCodes(response);
		}
		return null;
	}

	private static final java.util.regex.Pattern HAPI_CODE = java.util.regex.Pattern.compile("HAPI-\\d+:\\s*");

	/**
	 * HAPI prefixes its messages with its own message codes (HAPI-1234): they name the implementation and mean nothing
	 * to a client. The same answer without them, with the same status, outcome and headers.
	 */
	private static BaseServerResponseException withoutHapiCodes(BaseServerResponseException exception) {
		String message = exception.getMessage();
		boolean inMessage = message != null && HAPI_CODE.matcher(message).find();
		boolean inOutcome = false;
		if (exception.getOperationOutcome() instanceof OperationOutcome outcome) {
			for (OperationOutcome.OperationOutcomeIssueComponent issue : outcome.getIssue()) {
				if (issue.hasDiagnostics() && HAPI_CODE.matcher(issue.getDiagnostics()).find()) {
					issue.setDiagnostics(HAPI_CODE.matcher(issue.getDiagnostics()).replaceAll(""));
					inOutcome = true;
				}
			}
		}
		if (!inMessage) {
			return inOutcome ? exception : null;
		}
		UnclassifiedServerFailureException clean = new UnclassifiedServerFailureException(exception.getStatusCode(),
				HAPI_CODE.matcher(message).replaceAll(""), exception.getOperationOutcome());
		exception.getResponseHeaders().forEach((name, values) -> values.forEach(value -> clean.addResponseHeader(name, value)));
		return clean;
	}

	static final String SERVER_FAILURE = "the server could not handle the request; the server log has the details";

	/**
	 * A write that waited too long for a lock (H2's LOCK_TIMEOUT, PostgreSQL's lock_timeout or a deadlock) has not
	 * happened and may be retried: 503 with Retry-After, not a 500 quoting the SQL.
	 */
	static boolean isLockTimeout(Throwable exception) {
		for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
			if (cause instanceof jakarta.persistence.PessimisticLockException
					|| cause instanceof jakarta.persistence.LockTimeoutException
					|| cause instanceof jakarta.persistence.QueryTimeoutException
					|| cause instanceof org.springframework.dao.PessimisticLockingFailureException
					|| cause instanceof org.springframework.dao.QueryTimeoutException
					|| cause instanceof org.hibernate.PessimisticLockException
					|| cause instanceof org.hibernate.QueryTimeoutException
					|| cause instanceof java.sql.SQLTimeoutException
					|| cause instanceof java.sql.SQLTransactionRollbackException) {
				return true;
			}
			if (cause instanceof java.sql.SQLException sql
					&& (sql.getErrorCode() == 50200 /* H2 LOCK_TIMEOUT_1 */ || "55P03".equals(sql.getSQLState())
							|| "40P01".equals(sql.getSQLState()) || "40001".equals(sql.getSQLState()))) {
				return true;
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		return false;
	}

	private static org.hl7.fhir.r4.model.OperationOutcome outcome(OperationOutcome.IssueType code, String message) {
		OperationOutcome outcome = new OperationOutcome();
		outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(code).setDiagnostics(message);
		return outcome;
	}

	/** 400 with issue code {@code invalid}, as the terminology operations answer bad parameters. */
	private static InvalidRequestException invalid(String message) {
		org.hl7.fhir.r4.model.OperationOutcome outcome = new org.hl7.fhir.r4.model.OperationOutcome();
		outcome.addIssue().setSeverity(org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity.ERROR)
				.setCode(org.hl7.fhir.r4.model.OperationOutcome.IssueType.INVALID).setDiagnostics(message);
		return new InvalidRequestException(message, outcome);
	}

	private static boolean isBodyMethod(String method) {
		return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
	}

	private static boolean hasUtf8Body(RequestDetails request) {
		String contentType = request.getHeader(Constants.HEADER_CONTENT_TYPE);
		if (contentType == null || contentType.startsWith(Constants.CT_X_FORM_URLENCODED)) {
			return false;
		}
		int charset = contentType.toLowerCase().indexOf("charset=");
		return charset < 0 || contentType.substring(charset + 8).trim().toUpperCase().startsWith("UTF-8");
	}

	private static void checkUtf8(byte[] body) {
		if (body == null || body.length == 0) {
			return;
		}
		try {
			StandardCharsets.UTF_8.newDecoder()
					.onMalformedInput(CodingErrorAction.REPORT)
					.onUnmappableCharacter(CodingErrorAction.REPORT)
					.decode(ByteBuffer.wrap(body));
		} catch (CharacterCodingException e) {
			throw invalid("the request body is not valid UTF-8");
		}
	}
}
