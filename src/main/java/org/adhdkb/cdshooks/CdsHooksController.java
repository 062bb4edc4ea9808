package org.adhdkb.cdshooks;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.api.server.cdshooks.CdsServiceRequestJson;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.hapi.fhir.cdshooks.svc.prefetch.CdsPrefetchSvc;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.adhdkb.server.AdhdkbProperties;
import org.adhdkb.server.FhirRestConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The CDS Hooks 2.0 endpoints: discovery, service calls and feedback. Every error is a JSON body
 * {@code {"error": "..."}} with a 4xx status (412 when required data cannot be had), never a stack trace.
 */
@RestController
@RequestMapping("/cds-services")
class CdsHooksController {

	private static final Logger log = LoggerFactory.getLogger(CdsHooksController.class);
	private static final Pattern FHIR_ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

	private final CdsServiceCatalog catalog;
	private final CdsRequestReader requestReader;
	private final CdsPrefetchSvc prefetch;
	private final FeedbackStore feedback;
	private final IssuedCards issued;
	private final ReferencedMedications referencedMedications;
	private final ObjectMapper responseMapper;
	private final AdhdkbProperties properties;
	private final FhirServerPolicy fhirServers;
	private final long maxPrefetchBytes;
	private final int maxFeedbackItems;
	private final boolean feedbackAllowed;

	CdsHooksController(CdsServiceCatalog catalog, CdsPrefetchSvc prefetch, FeedbackStore feedback, IssuedCards issued,
			ReferencedMedications referencedMedications, FhirContext fhirContext,
			AdhdkbProperties properties, FhirServerPolicy fhirServers,
			@Value("${adhdkb.cds.max-prefetch-size:5MB}") org.springframework.util.unit.DataSize maxPrefetchSize,
			@Value("${adhdkb.cds.max-feedback-items:50}") int maxFeedbackItems,
			@Value("${adhdkb.cds.anonymous-feedback:false}") boolean anonymousFeedback,
			@Value("${adhdkb.security.cds.enabled:false}") boolean clientsAuthenticated) {
		this.catalog = catalog;
		this.prefetch = prefetch;
		this.feedback = feedback;
		this.issued = issued;
		this.referencedMedications = referencedMedications;
		this.requestReader = new CdsRequestReader(fhirContext);
		// Ours writes our response records without null or empty fields, as the CDS Hooks spec asks.
		this.responseMapper = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_EMPTY);
		this.properties = properties;
		this.fhirServers = fhirServers;
		this.maxPrefetchBytes = maxPrefetchSize.toBytes();
		this.maxFeedbackItems = maxFeedbackItems;
		// Feedback is stored: with no client authentication, anyone could write it, so only when explicitly allowed.
		this.feedbackAllowed = clientsAuthenticated || anonymousFeedback;
	}

	@GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<String> discovery() throws JsonProcessingException {
		return json(HttpStatus.OK, new CardJson.Services(catalog.all().stream().map(HookService::discovery).toList()));
	}

	@PostMapping(path = "/{id}", consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<String> call(@PathVariable("id") String id, @RequestBody String body, HttpServletRequest servletRequest)
			throws JsonProcessingException {
		long started = System.nanoTime();
		HookService service = service(id);
		ObjectNode json = object(body);
		String hook = json.path("hook").asText("");
		if (!hook.equals(service.descriptor().getHook())) {
			throw new InvalidRequestException("Service '" + id + "' answers the hook '" + service.descriptor().getHook()
					+ "', not '" + hook + "'");
		}
		checkPatientId(json.path("context").path("patientId"));
		checkFhirServer(json.path("fhirServer"), servletRequest.getLocalPort());
		treatOperationOutcomesAsMissing(json);
		PrefetchCompleteness.check(json, service.descriptor().getPrefetch());
		CdsServiceRequestJson request = requestReader.request(json);
		try {
			PrefetchHttpClient.withBudget(maxPrefetchBytes, () -> {
				prefetch.augmentRequest(request, service);
				return null;
			});
		} catch (RuntimeException e) {
			// Per CDS Hooks: data the service needs and cannot obtain is a 412.
			throw new PreconditionFailedException(prefetchFailure(e));
		}
		String fhirBase = fhirBase();
		String pagesBase = fhirBase.endsWith(FhirRestConfig.FHIR_PATH)
				? fhirBase.substring(0, fhirBase.length() - FhirRestConfig.FHIR_PATH.length()) : fhirBase;
		HookCall call = new HookCall(hook, fhirBase, pagesBase, new SystemRequestDetails());
		HookData data = referencedMedications.resolve(HookData.from(request, service.descriptor().getPrefetch().keySet()));
		List<CardJson.Card> cards = service.review().apply(data, call);
		String hookInstance = json.path("hookInstance").asText(null);
		issued.remember(id, data.patientId(), hookInstance, json.path("fhirServer").asText(null), cards);
		// one line per call, ids only: no PHI beyond the patient id the client chose to send
		log.info("CDS call service={} hookInstance={} patient={} cards={} ms={}", id,
				hookInstance == null ? null : hookInstance.replaceAll("\\p{Cntrl}", " "), data.patientId(),
				cards.size(), (System.nanoTime() - started) / 1_000_000);
		return json(HttpStatus.OK, new CardJson.Response(cards));
	}

	@PostMapping(path = "/{id}/feedback", consumes = MediaType.APPLICATION_JSON_VALUE,
			produces = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<String> feedback(@PathVariable("id") String id, @RequestBody String body) throws JsonProcessingException {
		service(id);
		if (!feedbackAllowed) {
			return error(HttpStatus.FORBIDDEN, "feedback is not accepted from anonymous callers: enable CDS client "
					+ "authentication (adhdkb.security.cds.enabled) or set adhdkb.cds.anonymous-feedback=true");
		}
		List<String> stored = feedback.store(id, object(body), maxFeedbackItems, new SystemRequestDetails());
		return json(HttpStatus.OK, Map.of("stored", stored));
	}

	/**
	 * What the mappings above do not take: a method, a body type or an accepted type they cannot serve. Spring would
	 * answer with its own words before our handlers run; here the client gets {@code {"error": ...}} saying what to
	 * send instead.
	 */
	@RequestMapping(path = {"/{id}", "/{id}/feedback"})
	ResponseEntity<String> notServed(HttpServletRequest request) throws JsonProcessingException {
		boolean discovery = request.getRequestURI().replaceAll("/+$", "").endsWith("/cds-services");
		String allowed = discovery ? "GET" : "POST";
		String method = request.getMethod();
		if (!method.equals(allowed) && !(discovery && method.equals("HEAD"))) {
			ResponseEntity<String> refused = error(HttpStatus.METHOD_NOT_ALLOWED, discovery
					? "The discovery endpoint /cds-services answers GET; call a service with POST /cds-services/{id}"
					: method + " is not supported here: call a CDS service (or send its feedback) with POST and a JSON body; "
							+ "GET /cds-services lists the services");
			return ResponseEntity.status(refused.getStatusCode()).headers(refused.getHeaders()).header("Allow", allowed)
					.body(refused.getBody());
		}
		String contentType = request.getContentType();
		if (method.equals("POST") && !isJson(contentType)) {
			return error(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "The request body must be JSON: send it with the header "
					+ "Content-Type: application/json" + (contentType == null ? "" : " (this one was " + contentType + ")"));
		}
		return error(HttpStatus.NOT_ACCEPTABLE, "CDS Hooks answers are JSON: accept application/json (the Accept header "
				+ "of this request was " + request.getHeader("Accept") + ")");
	}

	/** Discovery takes GET only (an open mapping here would be preferred by Spring over the GET for a plain GET). */
	@RequestMapping(method = {RequestMethod.POST, RequestMethod.PUT, RequestMethod.PATCH, RequestMethod.DELETE})
	ResponseEntity<String> discoveryNotServed(HttpServletRequest request) throws JsonProcessingException {
		return notServed(request);
	}

	private static boolean isJson(String contentType) {
		try {
			return contentType != null && MediaType.APPLICATION_JSON.isCompatibleWith(MediaType.parseMediaType(contentType));
		} catch (org.springframework.http.InvalidMediaTypeException e) {
			return false;
		}
	}

	@ExceptionHandler(BaseServerResponseException.class)
	ResponseEntity<String> hapiError(BaseServerResponseException e) throws JsonProcessingException {
		return error(HttpStatus.valueOf(e.getStatusCode()), e.getMessage());
	}

	@ExceptionHandler(HttpMessageNotReadableException.class)
	ResponseEntity<String> unreadable(HttpMessageNotReadableException e) throws JsonProcessingException {
		return error(HttpStatus.BAD_REQUEST, "The request body is missing or unreadable");
	}

	@ExceptionHandler(HttpMediaTypeNotSupportedException.class)
	ResponseEntity<String> mediaType(HttpMediaTypeNotSupportedException e) throws JsonProcessingException {
		return error(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "CDS Hooks requests are application/json");
	}

	@ExceptionHandler(HttpRequestMethodNotSupportedException.class)
	ResponseEntity<String> method(HttpRequestMethodNotSupportedException e) throws JsonProcessingException {
		return error(HttpStatus.METHOD_NOT_ALLOWED, "Method " + e.getMethod() + " is not supported here");
	}

	@ExceptionHandler(IllegalArgumentException.class)
	ResponseEntity<String> badArgument(IllegalArgumentException e) throws JsonProcessingException {
		// HAPI's parsers (and Jackson's conversions) report malformed input this way.
		return error(HttpStatus.BAD_REQUEST, "Malformed CDS Hooks request: " + e.getMessage());
	}

	@ExceptionHandler(Exception.class)
	ResponseEntity<String> unexpected(Exception e) throws JsonProcessingException {
		log.error("CDS Hooks call failed", e);
		return error(HttpStatus.INTERNAL_SERVER_ERROR, "The CDS service failed; the server log has the details");
	}

	private HookService service(String id) {
		return catalog.byId(id).orElseThrow(() -> new ResourceNotFoundException("No CDS service with id '" + id + "'"));
	}

	private ObjectNode object(String body) {
		return requestReader.object(body);
	}

	/** CDS Hooks: an OperationOutcome in the prefetch means the client failed to get that data; we try ourselves. */
	private static void treatOperationOutcomesAsMissing(ObjectNode request) {
		if (request.get("prefetch") instanceof ObjectNode prefetch) {
			List<String> failed = new ArrayList<>();
			prefetch.fields().forEachRemaining(e -> {
				if ("OperationOutcome".equals(e.getValue().path("resourceType").asText())) {
					failed.add(e.getKey());
				}
			});
			failed.forEach(prefetch::remove);
		}
	}

	/** The patient id goes into prefetch URLs: it must be a FHIR id, nothing that could change the URL. */
	private static void checkPatientId(JsonNode patientId) {
		if (!patientId.isTextual() || !FHIR_ID.matcher(patientId.asText()).matches()) {
			throw new InvalidRequestException("context.patientId must be a FHIR id (letters, digits, '-' and '.', up to 64)");
		}
	}

	/** The service fetches from the client's fhirServer only where {@link FhirServerPolicy} allows. */
	private void checkFhirServer(JsonNode fhirServer, int localPort) {
		if (fhirServer.isMissingNode() || fhirServer.isNull()) {
			return;
		}
		if (!fhirServer.isTextual()) {
			throw new InvalidRequestException("fhirServer must be an http or https URL");
		}
		fhirServers.check(fhirServer.asText(), localPort);
	}

	/**
	 * Why prefetch data could not be had, in our words: never the remote server's body (HAPI's messages quote it
	 * whole), so the service cannot be used to read what a fhirServer answers.
	 */
	private static String prefetchFailure(RuntimeException e) {
		for (Throwable cause = e; cause != null; cause = cause.getCause()) {
			if (cause instanceof PrefetchHttpClient.TooLarge || cause instanceof PrefetchHttpClient.BudgetSpent) {
				return cause.getMessage();
			}
		}
		log.info("Prefetch from fhirServer failed: {}", e.getClass().getSimpleName());
		// HAPI's prefetch service answers 412 itself when a fetch fails; other statuses are the remote server's
		if (e instanceof BaseServerResponseException remote && remote.getStatusCode() != 500 && remote.getStatusCode() != 412) {
			return "Required prefetch data could not be fetched from fhirServer (it answered HTTP " + remote.getStatusCode() + ")";
		}
		return "Required prefetch data is missing and could not be fetched from fhirServer (none given, unreachable, "
				+ "or not a FHIR answer)";
	}

	private String fhirBase() {
		if (!properties.getServerAddress().isBlank()) {
			return properties.getServerAddress().replaceAll("/+$", "");
		}
		return ServletUriComponentsBuilder.fromCurrentContextPath().path(FhirRestConfig.FHIR_PATH).toUriString();
	}

	private ResponseEntity<String> error(HttpStatus status, String message) throws JsonProcessingException {
		String words = message == null ? status.getReasonPhrase() : readable(message);
		// a refused call gets its one log line too: what the client was told, cut short (it may quote the request)
		String logged = words.replaceAll("\\p{Cntrl}", " "); // no line breaks from the request into the log
		log.info("CDS request refused status={} error={}", status.value(),
				logged.length() > 200 ? logged.substring(0, 200) + "…" : logged);
		return json(status, Map.of("error", words));
	}

	/** HAPI's messages quote the exceptions they wrap; a client needs the words, not our class names. */
	private static String readable(String message) {
		return message
				.replaceAll("HAPI-\\d+:\\s*", "")
				.replaceAll("\\s*\\(through reference chain[^)]*\\)", "")
				.replaceAll("\\b[a-z][a-z0-9_]*(\\.[a-zA-Z_$][\\w$]*)+(Exception|Error)\\b:?\\s*", "")
				.strip();
	}

	private ResponseEntity<String> json(HttpStatus status, Object body) throws JsonProcessingException {
		return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(responseMapper.writeValueAsString(body));
	}
}
