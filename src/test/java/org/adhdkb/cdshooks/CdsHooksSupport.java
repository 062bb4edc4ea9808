package org.adhdkb.cdshooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/**
 * What the CDS Hooks tests share: the JSON Schemas every response is checked against, the case files' dates, and a
 * service's descriptor as discovery gives it (its prefetch templates are derived from the content, so tests read them
 * there instead of writing keys of their own).
 */
public final class CdsHooksSupport {

	static final ObjectMapper JSON = new ObjectMapper();
	private static final JsonSchema RESPONSE = schema("/cds-hooks/response.schema.json");
	private static final JsonSchema DISCOVERY = schema("/cds-hooks/discovery.schema.json");
	private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(days|date|years):(-?\\d+)}}");

	private CdsHooksSupport() {}

	/** Parses a service response and checks it against the CDS Hooks response schema. */
	static JsonNode checkedResponse(String body) {
		return checked(RESPONSE, body);
	}

	static JsonNode checkedDiscovery(String body) {
		return checked(DISCOVERY, body);
	}

	/** The descriptor of the service with this id in a discovery response (checked against the schema). */
	public static JsonNode discoveredService(String discoveryBody, String serviceId) {
		return discovered(discoveryBody, "id", serviceId);
	}

	/** The descriptor of the service for this hook in a discovery response (checked against the schema). */
	public static JsonNode discoveredServiceForHook(String discoveryBody, String hook) {
		return discovered(discoveryBody, "hook", hook);
	}

	private static JsonNode discovered(String discoveryBody, String field, String value) {
		for (JsonNode service : checkedDiscovery(discoveryBody).get("services")) {
			if (service.path(field).asText().equals(value)) {
				return service;
			}
		}
		throw new AssertionError("no service with " + field + " " + value + " in discovery: " + discoveryBody);
	}

	/** Replaces {{days:N}} and {{date:N}} by the date N days from today, {{years:N}} by a birth date N years ago. */
	public static String withDates(String text) {
		LocalDate today = LocalDate.now(ZoneId.systemDefault());
		Matcher m = PLACEHOLDER.matcher(text);
		StringBuilder out = new StringBuilder();
		while (m.find()) {
			int n = Integer.parseInt(m.group(2));
			LocalDate date = m.group(1).equals("years") ? today.plusYears(n).minusDays(1) : today.plusDays(n);
			m.appendReplacement(out, date.toString());
		}
		m.appendTail(out);
		return out.toString();
	}

	private static JsonNode checked(JsonSchema schema, String body) {
		try {
			JsonNode node = JSON.readTree(body);
			Set<ValidationMessage> problems = schema.validate(node);
			assertThat(problems).as("schema problems in %s", body).isEmpty();
			return node;
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static JsonSchema schema(String resource) {
		try (InputStream in = CdsHooksSupport.class.getResourceAsStream(resource)) {
			return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(in);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
