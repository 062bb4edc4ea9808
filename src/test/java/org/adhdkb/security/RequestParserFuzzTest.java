package org.adhdkb.security;

import org.adhdkb.testing.ServerTestBase;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A seeded, bounded fuzz test of the request parsers over real HTTP: valid FHIR JSON and XML bodies, search queries,
 * terminology operation bodies and CDS Hooks requests are mutated (bytes flipped, cut, duplicated, spliced with
 * hostile fragments) and sent. No answer may be a 5xx, and every FHIR 4xx carries an OperationOutcome. Jazzer was
 * not used: its JUnit integration needs a native agent and fuzzes one test per run; a seeded generator reproduces any
 * failure from its seed and iteration, printed on failure.
 */
class RequestParserFuzzTest extends ServerTestBase {

	static final int ITERATIONS = Integer.getInteger("adhdkb.fuzz.iterations", 1_500);
	static final long SEED = Long.getLong("adhdkb.fuzz.seed", 20261121L);

	private static final String[] JSON_SEEDS = {
			"{\"resourceType\":\"Patient\",\"active\":true,\"name\":[{\"family\":\"Fuzz\",\"given\":[\"A\"]}],\"birthDate\":\"2015-01-02\"}",
			"{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}]},"
					+ "\"valueQuantity\":{\"value\":30.5,\"unit\":\"kg\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"kg\"}}",
			"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":{\"resourceType\":\"Patient\"},"
					+ "\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}]}",
	};
	private static final String[] XML_SEEDS = {
			"<Patient xmlns=\"http://hl7.org/fhir\"><active value=\"true\"/><name><family value=\"Fuzz\"/></name></Patient>",
			"<Parameters xmlns=\"http://hl7.org/fhir\"><parameter><name value=\"url\"/>"
					+ "<valueUri value=\"http://adhdkb.org/fhir/ValueSet/adhd-medications\"/></parameter></Parameters>",
	};
	private static final String[] OPERATION_SEEDS = {
			"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"url\",\"valueUri\":\"http://adhdkb.org/fhir/ValueSet/adhd-medications\"},"
					+ "{\"name\":\"filter\",\"valueString\":\"atomox\"},{\"name\":\"count\",\"valueInteger\":5}]}",
			"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"system\",\"valueUri\":\"http://www.nlm.nih.gov/research/umls/rxnorm\"},"
					+ "{\"name\":\"code\",\"valueCode\":\"38400\"}]}",
	};
	private static final String[] QUERY_SEEDS = {
			"MedicationKnowledge?code=http://www.nlm.nih.gov/research/umls/rxnorm|38400&_count=5",
			"Patient?birthdate=ge2010-01-01&name=fuzz&_sort=-birthdate",
			"Observation?value-quantity=lt5.4|http://unitsofmeasure.org|kg&date=2020",
			"ValueSet/$expand?url=http://adhdkb.org/fhir/ValueSet/adhd-medications&filter=atomox&count=3",
			"CodeSystem/$lookup?system=http://www.nlm.nih.gov/research/umls/rxnorm&code=38400",
			"ConceptMap/$translate?url=http://adhdkb.org/fhir/ConceptMap/icd10cm-to-snomed-adhd&system=http://hl7.org/fhir/sid/icd-10-cm&code=F90.0",
	};
	private static final String CDS_SEED = "{\"hook\":\"order-sign\",\"hookInstance\":\"d1577c69-dfbe-44ad-ba6d-3e05e953b2ea\","
			+ "\"context\":{\"userId\":\"Practitioner/1\",\"patientId\":\"1\",\"draftOrders\":{\"resourceType\":\"Bundle\",\"entry\":[]}},"
			+ "\"prefetch\":{\"patient\":null}}";
	private static final String[] FRAGMENTS = {"'", "\"", "\\", "\u0000", "{", "}", "[", "]", "<", ">", "&", "%", "|", "$",
			"\"resourceType\":", "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>", "&e;", "1e99999", "-0", "NaN",
			"\uD83D\uDE00", "\uFFFF", "null", "[]", "{}", "%00", "../", "' OR '1'='1", "9999999999999999999999"};

	private final HttpClient http = HttpClient.newHttpClient();

	@Test
	void mutatedRequestsNeverCauseAServerError() throws Exception {
		Random random = new Random(SEED);
		List<String> failures = new ArrayList<>();
		int[] byStatus = new int[6];
		for (int i = 0; i < ITERATIONS; i++) {
			HttpRequest request = nextRequest(random);
			HttpResponse<String> response;
			try {
				response = http.send(request, HttpResponse.BodyHandlers.ofString());
			} catch (java.io.IOException e) {
				failures.add("#" + i + " " + request.method() + " " + request.uri() + ": connection failed: " + e);
				continue;
			}
			int status = response.statusCode();
			byStatus[status / 100]++;
			boolean fhir = request.uri().getPath().startsWith("/fhir");
			if (status >= 500 || (fhir && status >= 400 && !response.body().contains("OperationOutcome"))
					|| response.body().contains("\tat ")) {
				failures.add("#" + i + " " + request.method() + " " + request.uri() + " -> " + status + " "
						+ response.body().substring(0, Math.min(300, response.body().length())));
			}
		}
		System.out.printf("fuzz: %d requests (seed %d): 2xx %d, 3xx %d, 4xx %d, 5xx %d%n",
				ITERATIONS, SEED, byStatus[2], byStatus[3], byStatus[4], byStatus[5]);
		assertThat(failures).isEmpty();
		assertThat(byStatus[4]).as("the mutations reach the parsers' error paths").isGreaterThan(ITERATIONS / 10);
	}

	private HttpRequest nextRequest(Random random) {
		String token = "Bearer " + TestIssuer.authorToken();
		switch (random.nextInt(5)) {
			case 0 -> {
				return post("/fhir/Patient", "application/fhir+json", mutate(pick(random, JSON_SEEDS), random), token);
			}
			case 1 -> {
				String seed = pick(random, XML_SEEDS);
				String path = seed.startsWith("<Parameters") ? "/fhir/ValueSet/$expand" : "/fhir/Patient";
				return post(path, "application/fhir+xml", mutate(seed, random), token);
			}
			case 2 -> {
				String path = random.nextBoolean() ? "/fhir/ValueSet/$expand" : "/fhir/CodeSystem/$lookup";
				return post(path, "application/fhir+json", mutate(pick(random, OPERATION_SEEDS), random), null);
			}
			case 3 -> {
				String query = mutate(pick(random, QUERY_SEEDS), random);
				return HttpRequest.newBuilder(URI.create(baseUrl() + "/fhir/" + encodeQuery(query))).GET().build();
			}
			default -> {
				return post("/cds-services/fuzz-service", "application/json", mutate(CDS_SEED, random), null);
			}
		}
	}

	private HttpRequest post(String path, String contentType, byte[] body, String authorization) {
		HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl() + path))
				.header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body));
		if (authorization != null) {
			builder.header("Authorization", authorization);
		}
		return builder.build();
	}

	private HttpRequest post(String path, String contentType, String body, String authorization) {
		return post(path, contentType, body.getBytes(StandardCharsets.UTF_8), authorization);
	}

	private static String pick(Random random, String[] values) {
		return values[random.nextInt(values.length)];
	}

	/** One to four mutations of a valid input. */
	static String mutate(String seed, Random random) {
		StringBuilder s = new StringBuilder(seed);
		int rounds = 1 + random.nextInt(4);
		for (int r = 0; r < rounds && s.length() > 0; r++) {
			int at = random.nextInt(s.length());
			switch (random.nextInt(6)) {
				case 0 -> s.insert(at, FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
				case 1 -> s.deleteCharAt(at);
				case 2 -> s.setCharAt(at, (char) (32 + random.nextInt(95)));
				case 3 -> s.setLength(at);
				case 4 -> {
					int end = Math.min(s.length(), at + 1 + random.nextInt(20));
					s.insert(at, s.substring(at, end).repeat(1 + random.nextInt(50)));
				}
				default -> s.replace(at, Math.min(s.length(), at + 5), FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
			}
		}
		return s.toString();
	}

	/** Keeps the query a valid URI for the client; what arrives at the server is still the mutated text. */
	private static String encodeQuery(String query) {
		StringBuilder out = new StringBuilder();
		for (byte b : query.getBytes(StandardCharsets.UTF_8)) {
			char c = (char) (b & 0xff);
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~/?=&$:,".indexOf(c) >= 0) {
				out.append(c);
			} else {
				out.append('%').append(String.format("%02X", (int) c));
			}
		}
		return out.toString();
	}
}
