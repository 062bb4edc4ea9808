package org.adhdkb.cdshooks;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Makes sure the rules never see a partial or foreign record in the prefetch, before HAPI parses the request.
 * <p>
 * CDS Hooks 2.0 lets a client send the first page of a search with a {@code next} link. Deciding on that page alone
 * gave wrong answers (a maximum from a weight years old, "no vitals since the change" while they were on page 2). A
 * paged value is therefore treated like a missing one: with a {@code fhirServer}, HAPI's prefetch service fetches
 * the search again and follows every {@code next} link itself (under the fetch policy and byte budget of
 * {@link FhirServerPolicy}); without one the rest cannot be had, and the call answers 412. The {@code next} URL in
 * the client's bundle is not followed as such: it may point anywhere, while the template's search goes only to the
 * server the policy allows.
 * <p>
 * A prefetched search must also be what its template asked for: resources of the template's type, about the
 * context's patient. Anything else is the client's mistake (400), never data to decide on.
 */
final class PrefetchCompleteness {

	/** A reference to a Patient, relative or absolute, without its version. */
	private static final Pattern PATIENT_REFERENCE = Pattern.compile("(?:^|/)Patient/([^/]+)$");

	private PrefetchCompleteness() {}

	/**
	 * Removes the paged values of {@code request.prefetch} so that they are fetched whole, or refuses the call.
	 *
	 * @param templates the service's prefetch templates, by key
	 */
	static void check(ObjectNode request, Map<String, String> templates) {
		if (!(request.get("prefetch") instanceof ObjectNode prefetch)) {
			return;
		}
		String patientId = request.path("context").path("patientId").asText("");
		boolean canFetch = request.hasNonNull("fhirServer");
		List<String> paged = new ArrayList<>();
		prefetch.fields().forEachRemaining(entry -> {
			String template = templates.get(entry.getKey());
			JsonNode value = entry.getValue();
			if (template == null || value == null || value.isNull()) {
				return;
			}
			checkAgainstTemplate(entry.getKey(), template, value, patientId);
			if (hasNextLink(value)) {
				paged.add(entry.getKey());
			}
		});
		if (!paged.isEmpty() && !canFetch) {
			throw new PreconditionFailedException("The prefetch " + String.join(", ", paged) + " holds only the first page"
					+ " of its search (it has a 'next' link) and the request gives no fhirServer to fetch the rest from;"
					+ " send the whole result, or a fhirServer and fhirAuthorization");
		}
		paged.forEach(prefetch::remove);
	}

	private static boolean hasNextLink(JsonNode value) {
		if (!"Bundle".equals(value.path("resourceType").asText())) {
			return false;
		}
		for (JsonNode link : value.path("link")) {
			if ("next".equals(link.path("relation").asText()) && !link.path("url").asText("").isBlank()) {
				return true;
			}
		}
		return false;
	}

	/** The template is {@code Type/{{context.patientId}}} (a read) or {@code Type?...} (a search of that type). */
	private static void checkAgainstTemplate(String key, String template, JsonNode value, String patientId) {
		String type = typeOf(template);
		String resourceType = value.path("resourceType").asText();
		if (!template.contains("?")) {
			if (!resourceType.equals(type)) {
				throw new InvalidRequestException("The prefetch '" + key + "' should be a " + type + ", not a " + resourceType);
			}
			if (type.equals("Patient") && value.hasNonNull("id") && !value.path("id").asText().equals(patientId)) {
				throw new InvalidRequestException("The prefetch '" + key + "' is Patient/" + value.path("id").asText()
						+ ", not the context's patient " + patientId);
			}
			return;
		}
		if (!resourceType.equals("Bundle")) {
			throw new InvalidRequestException("The prefetch '" + key + "' should be a Bundle of " + type + ", not a " + resourceType);
		}
		for (JsonNode entry : value.path("entry")) {
			JsonNode resource = entry.path("resource");
			String mode = entry.path("search").path("mode").asText("match");
			if (resource.isMissingNode() || !mode.equals("match")) {
				continue; // included resources and OperationOutcomes about the search are not the search's matches
			}
			String entryType = resource.path("resourceType").asText();
			if (!entryType.equals(type)) {
				throw new InvalidRequestException("The prefetch '" + key + "' should hold " + type + " resources, not "
						+ entryType);
			}
			String subject = subjectOf(resource);
			Matcher patient = subject == null ? null : PATIENT_REFERENCE.matcher(subject);
			if (patient != null && patient.find() && !patient.group(1).equals(patientId)) {
				throw new InvalidRequestException("The prefetch '" + key + "' holds " + type + "/"
						+ resource.path("id").asText("(no id)") + " of " + subject + ", not of the context's patient "
						+ patientId);
			}
		}
	}

	/**
	 * The resource type a template reads or searches: what comes before its first '/' or '?'. Not String.split: with a
	 * regular expression it goes on matching to the end of the template (long for a search with many codes), on every
	 * call, 3 % of an order-sign call's CPU in JFR.
	 */
	private static String typeOf(String template) {
		int end = 0;
		while (end < template.length() && template.charAt(end) != '/' && template.charAt(end) != '?') {
			end++;
		}
		return template.substring(0, end);
	}

	/** The patient a clinical resource is about ({@code subject} or {@code patient}), or null when it names none. */
	private static String subjectOf(JsonNode resource) {
		for (String element : new String[] {"subject", "patient"}) {
			String reference = resource.path(element).path("reference").asText("");
			if (!reference.isBlank()) {
				int history = reference.indexOf("/_history/");
				return history < 0 ? reference : reference.substring(0, history);
			}
		}
		return null;
	}
}
