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

/** What the CDS Hooks tests share: the JSON Schemas every response is checked against, and the case files' dates. */
final class CdsHooksSupport {

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

	/** Replaces {{days:N}} and {{date:N}} by the date N days from today, {{years:N}} by a birth date N years ago. */
	static String withDates(String text) {
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
