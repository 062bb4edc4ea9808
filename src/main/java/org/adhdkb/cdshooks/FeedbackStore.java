package org.adhdkb.cdshooks;

import java.util.ArrayList;
import java.util.List;

import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PayloadTooLargeException;
import com.fasterxml.jackson.databind.JsonNode;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Component;

/**
 * Keeps CDS Hooks feedback as AuditEvent resources (type card-feedback, subtype the outcome, one entity for the card
 * and one for the service), so it is durable and can be searched like anything else, e.g.
 * {@code AuditEvent?entity-name=adhd-order-sign&subtype=overridden}. A call's items are stored in one transaction.
 */
@Component
class FeedbackStore {

	static final String FEEDBACK = "http://adhdkb.org/fhir/CodeSystem/cds-feedback";

	private final IFhirSystemDao<Bundle, ?> systemDao;

	FeedbackStore(IFhirSystemDao<Bundle, ?> systemDao) {
		this.systemDao = systemDao;
	}

	/** Checks every item of a CDS Hooks 2.0 feedback body ({@code {"feedback": [...]}}) and stores them all. */
	List<String> store(String serviceId, JsonNode body, int maxItems, RequestDetails request) {
		JsonNode items = body.path("feedback");
		if (!items.isArray() || items.isEmpty()) {
			throw new InvalidRequestException("The body must be {\"feedback\": [ ... ]} with at least one item");
		}
		// each item becomes a stored AuditEvent, all in one transaction held in memory: a call is bounded
		if (items.size() > maxItems) {
			throw new PayloadTooLargeException("At most " + maxItems + " feedback items are accepted per call; this one has "
					+ items.size());
		}
		Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		for (JsonNode item : items) {
			AuditEvent event = auditEvent(serviceId, item);
			transaction.addEntry().setResource(event).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("AuditEvent");
		}
		Bundle response = systemDao.transaction(request, transaction);
		List<String> ids = new ArrayList<>();
		response.getEntry().forEach(e -> ids.add(e.getResponse().getLocation()));
		return ids;
	}

	private static AuditEvent auditEvent(String serviceId, JsonNode item) {
		String card = text(item, "card");
		String outcome = text(item, "outcome");
		if (!outcome.equals("accepted") && !outcome.equals("overridden")) {
			throw new InvalidRequestException("feedback outcome must be 'accepted' or 'overridden', not '" + outcome + "'");
		}
		DateTimeType timestamp;
		try {
			timestamp = new DateTimeType(text(item, "outcomeTimestamp"));
		} catch (IllegalArgumentException | DataFormatException e) {
			throw new InvalidRequestException("feedback outcomeTimestamp is not an ISO 8601 date-time");
		}
		AuditEvent event = new AuditEvent();
		event.setType(new Coding(FEEDBACK, "card-feedback", "CDS card feedback"));
		event.addSubtype(new Coding(FEEDBACK, outcome, outcome.equals("accepted") ? "Accepted" : "Overridden"));
		event.setAction(AuditEvent.AuditEventAction.E);
		event.setRecorded(timestamp.getValue());
		event.setOutcome(AuditEvent.AuditEventOutcome._0);
		event.addAgent().setRequestor(true).setWho(new Reference().setDisplay("CDS client"));
		event.getSource().setSite("adhdkb").setObserver(new Reference().setDisplay("adhdkb CDS service " + serviceId));

		AuditEvent.AuditEventEntityComponent cardEntity = event.addEntity()
				.setName(card)
				.setDescription("Card returned by CDS service " + serviceId)
				.setWhat(new Reference().setIdentifier(new Identifier().setSystem("urn:ietf:rfc:3986").setValue("urn:uuid:" + card)));
		for (JsonNode accepted : item.path("acceptedSuggestions")) {
			cardEntity.addDetail().setType("acceptedSuggestion").setValue(
					new StringType(text(accepted, "id")));
		}
		JsonNode override = item.path("overrideReason");
		if (override.isObject()) {
			JsonNode reason = override.path("reason");
			if (reason.isObject()) {
				cardEntity.addDetail().setType("overrideReason").setValue(new StringType(
						reason.path("system").asText("") + "|" + text(reason, "code")));
			}
			if (override.hasNonNull("userComment")) {
				cardEntity.addDetail().setType("userComment").setValue(
						new StringType(override.get("userComment").asText()));
			}
		}
		event.addEntity().setName(serviceId).setDescription("The CDS service the feedback is about");
		return event;
	}

	private static String text(JsonNode node, String field) {
		JsonNode value = node.get(field);
		if (value == null || !value.isTextual() || value.asText().isBlank()) {
			throw new InvalidRequestException("feedback item field '" + field + "' is required and must be a string");
		}
		return value.asText();
	}
}
