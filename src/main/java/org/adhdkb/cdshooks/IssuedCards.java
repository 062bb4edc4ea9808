package org.adhdkb.cdshooks;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * What this server issued per card, so that feedback can be checked against it (CDS Hooks 2.0: feedback names a card
 * by its uuid): the service, patient and hookInstance of the call, the kind of card, its suggestion ids and the
 * override reasons it offered. Held in memory, bounded in number and for a window of time (Caffeine evicts): feedback
 * is sent when the clinician acts on the card, minutes later, not days. Per server instance, like the JWT replay cache.
 */
@Component
class IssuedCards {

	/**
	 * One card as issued.
	 *
	 * @param reasons the offered override reasons as {@code system|code}
	 */
	record Issued(String service, String patientId, String hookInstance, String fhirServer, String kind,
			Set<String> suggestions, Set<String> reasons) {}

	/** The one outcome a card may have: its signature tells a client's retry from a second, different outcome. */
	record Outcome(String signature, String storedAs) {}

	private static final class Entry {
		final Issued issued;
		final AtomicReference<Outcome> outcome = new AtomicReference<>();

		Entry(Issued issued) {
			this.issued = issued;
		}
	}

	private final Cache<String, Entry> cards;
	private final Duration window;

	IssuedCards(@Value("${adhdkb.cds.feedback-window:24h}") Duration window,
			@Value("${adhdkb.cds.max-issued-cards:50000}") long maxCards) {
		this.window = window;
		this.cards = Caffeine.newBuilder().expireAfterWrite(window).maximumSize(maxCards).build();
	}

	void remember(String service, String patientId, String hookInstance, String fhirServer, List<CardJson.Card> issued) {
		for (CardJson.Card card : issued) {
			Set<String> suggestions = card.suggestions() == null ? Set.of()
					: card.suggestions().stream().map(CardJson.Suggestion::uuid).collect(java.util.stream.Collectors.toSet());
			Set<String> reasons = card.overrideReasons() == null ? Set.of()
					: card.overrideReasons().stream().map(r -> r.system() + "|" + r.code())
							.collect(java.util.stream.Collectors.toSet());
			cards.put(card.uuid(), new Entry(new Issued(service, patientId, hookInstance, fhirServer, card.kind(),
					suggestions, reasons)));
		}
	}

	Optional<Issued> find(String uuid) {
		Entry entry = cards.getIfPresent(uuid);
		return entry == null ? Optional.empty() : Optional.of(entry.issued);
	}

	/**
	 * Records the card's outcome unless it has one: returns empty when this call may store it, else the outcome
	 * already recorded (a retry when the signature is equal).
	 */
	Optional<Outcome> claim(String uuid, String signature) {
		Entry entry = cards.getIfPresent(uuid);
		if (entry == null) {
			return Optional.empty();
		}
		Outcome mine = new Outcome(signature, null);
		return entry.outcome.compareAndSet(null, mine) ? Optional.empty() : Optional.of(entry.outcome.get());
	}

	/** After the outcome was stored: remember where, for a retry. */
	void stored(String uuid, String signature, String location) {
		Entry entry = cards.getIfPresent(uuid);
		if (entry != null) {
			entry.outcome.set(new Outcome(signature, location));
		}
	}

	/** The store failed: the card may get its outcome again. */
	void release(String uuid) {
		Entry entry = cards.getIfPresent(uuid);
		if (entry != null) {
			entry.outcome.set(null);
		}
	}

	Duration window() {
		return window;
	}
}
