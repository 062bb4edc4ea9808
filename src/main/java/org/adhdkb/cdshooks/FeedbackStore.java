package org.adhdkb.cdshooks;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

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
 * Keeps CDS Hooks feedback as AuditEvent resources (type card-feedback, subtype the outcome; entities for the card,
 * the service, the patient and the hookInstance of the call that returned the card), so it is durable and can be
 * searched like anything else, e.g. {@code AuditEvent?entity-name=adhd-order-sign&subtype=overridden}. Each item is
 * checked against what this server issued (CDS Hooks 2.0): a card it returned, from this service, accepted with
 * suggestions the card had, overridden with a reason the card offered, one outcome per card. A call's items are all
 * checked first and stored in one transaction.
 */
@Component
class FeedbackStore {

	static final String FEEDBACK = "http://adhdkb.org/fhir/CodeSystem/cds-feedback";
	static final String CARD_KIND = "cardKind";

	private final IFhirSystemDao<Bundle, ?> systemDao;
	private final IssuedCards issued;

	FeedbackStore(IFhirSystemDao<Bundle, ?> systemDao, IssuedCards issued) {
		this.systemDao = systemDao;
		this.issued = issued;
	}

	private record Item(String card, String signature, AuditEvent event) {}

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
		List<Item> checked = new ArrayList<>();
		Set<String> cards = new HashSet<>();
		for (JsonNode item : items) {
			Item next = checked(serviceId, item);
			if (!cards.add(next.card())) {
				throw new InvalidRequestException("feedback names card " + next.card() + " twice; a card has one outcome");
			}
			checked.add(next);
		}
		String[] ids = new String[checked.size()];
		List<Item> toStore = new ArrayList<>();
		List<Integer> positions = new ArrayList<>();
		try {
			for (int i = 0; i < checked.size(); i++) {
				Item item = checked.get(i);
				Optional<IssuedCards.Outcome> earlier = issued.claim(item.card(), item.signature());
				if (earlier.isEmpty()) {
					toStore.add(item);
					positions.add(i);
				} else if (earlier.get().signature().equals(item.signature()) && earlier.get().storedAs() != null) {
					ids[i] = earlier.get().storedAs(); // the client sent the same feedback again: stored once
				} else {
					throw new InvalidRequestException("card " + item.card() + " already has feedback ("
							+ earlier.get().signature().split(" ")[0] + "); a card has one outcome");
				}
			}
			if (!toStore.isEmpty()) {
				Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
				toStore.forEach(item -> transaction.addEntry().setResource(item.event())
						.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("AuditEvent"));
				Bundle response = systemDao.transaction(request, transaction);
				for (int i = 0; i < toStore.size(); i++) {
					String location = response.getEntry().get(i).getResponse().getLocation();
					ids[positions.get(i)] = location;
					issued.stored(toStore.get(i).card(), toStore.get(i).signature(), location);
				}
			}
		} catch (RuntimeException e) {
			toStore.forEach(item -> {
				if (!item.card().isEmpty()) {
					issued.release(item.card());
				}
			});
			throw e;
		}
		return List.of(ids);
	}

	private Item checked(String serviceId, JsonNode item) {
		if (!item.isObject()) {
			throw new InvalidRequestException("each feedback item must be a JSON object");
		}
		String card = text(item, "card");
		IssuedCards.Issued card0 = issued.find(card).orElseThrow(() -> new InvalidRequestException(
				"card " + card + " is unknown: this server did not return it in the last " + hours(issued.window())
						+ " (or has restarted since)"));
		if (!card0.service().equals(serviceId)) {
			throw new InvalidRequestException("card " + card + " was returned by the service " + card0.service()
					+ "; send its feedback to /cds-services/" + card0.service() + "/feedback");
		}
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
		JsonNode acceptedSuggestions = item.path("acceptedSuggestions");
		JsonNode override = item.path("overrideReason");
		List<String> accepted = new ArrayList<>();
		String reasonKey = null;
		if (outcome.equals("accepted")) {
			if (!acceptedSuggestions.isArray() || acceptedSuggestions.isEmpty()) {
				throw new InvalidRequestException("feedback for card " + card
						+ " is 'accepted' without acceptedSuggestions: name the suggestion ids that were accepted");
			}
			if (!override.isMissingNode()) {
				throw new InvalidRequestException("feedback for card " + card
						+ " is 'accepted' and has an overrideReason; overrideReason is for 'overridden' only");
			}
			for (JsonNode suggestion : acceptedSuggestions) {
				String id = text(suggestion, "id");
				if (!card0.suggestions().contains(id)) {
					throw new InvalidRequestException("card " + card + " has no suggestion " + id);
				}
				accepted.add(id);
			}
		} else {
			if (!acceptedSuggestions.isMissingNode() && !(acceptedSuggestions.isArray() && acceptedSuggestions.isEmpty())) {
				throw new InvalidRequestException("feedback for card " + card
						+ " is 'overridden' and has acceptedSuggestions; those are for 'accepted' only");
			}
			if (!override.isMissingNode() && !override.isObject()) {
				throw new InvalidRequestException("overrideReason must be a JSON object");
			}
			JsonNode reason = override.path("reason");
			if (reason.isObject()) {
				reasonKey = reason.path("system").asText("") + "|" + text(reason, "code");
				if (!card0.reasons().contains(reasonKey)) {
					throw new InvalidRequestException("card " + card + " did not offer the override reason " + reasonKey
							+ (card0.reasons().isEmpty() ? " (it offered none)" : "; it offered " + String.join(", ",
									new java.util.TreeSet<>(card0.reasons()))));
				}
			} else if (!reason.isMissingNode()) {
				throw new InvalidRequestException("overrideReason.reason must be a Coding");
			}
		}
		accepted.sort(null);
		String signature = outcome + " " + String.join(",", accepted) + " " + (reasonKey == null ? "" : reasonKey);
		return new Item(card, signature, auditEvent(serviceId, card, card0, outcome, timestamp, accepted, reasonKey, override));
	}

	private static AuditEvent auditEvent(String serviceId, String card, IssuedCards.Issued issued, String outcome,
			DateTimeType timestamp, List<String> accepted, String reason, JsonNode override) {
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
		if (issued.kind() != null) {
			cardEntity.addDetail().setType(CARD_KIND).setValue(new StringType(issued.kind()));
		}
		accepted.forEach(id -> cardEntity.addDetail().setType("acceptedSuggestion").setValue(new StringType(id)));
		if (reason != null) {
			cardEntity.addDetail().setType("overrideReason").setValue(new StringType(reason));
		}
		if (override.hasNonNull("userComment")) {
			cardEntity.addDetail().setType("userComment").setValue(new StringType(override.get("userComment").asText()));
		}
		event.addEntity().setName(serviceId).setDescription("The CDS service the feedback is about");
		// the patient is the client's, not ours: named by reference text, absolute when the call named its fhirServer
		AuditEvent.AuditEventEntityComponent patient = event.addEntity()
				.setName("Patient/" + issued.patientId())
				.setDescription("The patient of the hook call that returned the card")
				.setType(new Coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"))
				.setRole(new Coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient"));
		if (issued.fhirServer() != null) {
			patient.setWhat(new Reference(issued.fhirServer().replaceAll("/+$", "") + "/Patient/" + issued.patientId()));
		}
		if (issued.hookInstance() != null) {
			event.addEntity().setName(issued.hookInstance())
					.setDescription("The hookInstance of the call that returned the card");
		}
		return event;
	}

	private static String hours(java.time.Duration window) {
		return window.toHours() >= 1 ? window.toHours() + " h" : window.toMinutes() + " min";
	}

	private static String text(JsonNode node, String field) {
		JsonNode value = node.get(field);
		if (value == null || !value.isTextual() || value.asText().isBlank()) {
			throw new InvalidRequestException("feedback item field '" + field + "' is required and must be a string");
		}
		return value.asText();
	}
}
