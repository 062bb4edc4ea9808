package org.adhdkb.cdshooks;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;

/**
 * The CDS Hooks 2.0 response, as we encode it. Ours rather than HAPI's response classes because those serialise
 * extra properties (their getter names differ from the field names, e.g. "selectionBehaviour", "recommended") and
 * nulls; these records carry exactly the spec's fields, and the mapper leaves out empty ones.
 */
final class CardJson {

	private CardJson() {}

	/** {@code cards} is required, so it is written even when empty. */
	record Response(@JsonInclude(JsonInclude.Include.ALWAYS) List<Card> cards) {}

	/** {@code kind} is ours, not the spec's: the code of CodeSystem cds-card, kept to check and summarise feedback. */
	record Card(
			@JsonIgnore String kind,
			String uuid,
			String summary,
			String detail,
			String indicator,
			Source source,
			List<Suggestion> suggestions,
			String selectionBehavior,
			List<Coding> overrideReasons,
			List<Link> links) {}

	record Source(String label, String url, Coding topic) {}

	record Suggestion(String label, String uuid, Boolean isRecommended, List<Action> actions) {}

	/** A suggested change; {@code resource} holds the resource already encoded as FHIR JSON. */
	record Action(String type, String description, @JsonRawValue String resource) {}

	record Link(String label, String url, String type) {}

	record Coding(String system, String code, String display) {}

	/** One entry of the discovery document. */
	record Service(String hook, String title, String description, String id, java.util.Map<String, String> prefetch) {}

	record Services(List<Service> services) {}
}
