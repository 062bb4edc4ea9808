package org.adhdkb.security;

import org.adhdkb.testing.ServerTestBase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Broken and hostile requests against the real server, each its own test: a 4xx with an OperationOutcome, never a
 * 500, an HTML page or a stack trace, and nothing stored changes (the system history's version count is the same
 * before and after; every write adds a version).
 */
class HostileInputTest extends ServerTestBase {

	static final String JSON = "application/fhir+json";
	static final String XML = "application/fhir+xml";
	private static final HttpClient RAW = HttpClient.newHttpClient();
	private static final Pattern TOTAL = Pattern.compile("\"total\":(\\d+)");

	private long versionsBefore;

	@BeforeEach
	void countVersions() {
		versionsBefore = storedVersions();
	}

	@AfterEach
	void nothingStoredChanged() {
		assertThat(storedVersions()).as("versions stored").isEqualTo(versionsBefore);
	}

	private long storedVersions() {
		HttpResponse<String> history = get("/fhir/_history?_summary=count", "Authorization", "Bearer " + TestIssuer.authorToken(),
				"Cache-Control", "no-cache");
		Matcher m = TOTAL.matcher(history.body());
		assertThat(m.find()).as(history.body()).isTrue();
		return Long.parseLong(m.group(1));
	}

	static void assertRefused(HttpResponse<String> response, int... allowedStatus) {
		assertThat(response.statusCode()).as(response.body()).isBetween(400, 499);
		if (allowedStatus.length > 0) {
			assertThat(allowedStatus).as(response.body()).contains(response.statusCode());
		}
		assertThat(response.body()).contains("OperationOutcome").doesNotContain("\tat ").doesNotContain("Exception:")
				.doesNotContainIgnoringCase("<html");
	}

	private HttpResponse<String> write(String method, String path, String contentType, String body) {
		return send(method, path, body, "Content-Type", contentType);
	}

	private static String repeat(String s, int n) {
		return s.repeat(n);
	}

	// --- bodies --------------------------------------------------------------------------------------------------

	@Test
	void malformedJson() {
		assertRefused(write("POST", "/fhir/Patient", JSON, "{\"resourceType\":\"Patient\","), 400);
	}

	@Test
	void malformedXml() {
		assertRefused(write("POST", "/fhir/Patient", XML, "<Patient xmlns=\"http://hl7.org/fhir\"><active value=\"true\"/>"), 400);
	}

	@Test
	void wrongResourceTypeForTheUrl() {
		assertRefused(write("PUT", "/fhir/Patient/hostile-1", JSON,
				"{\"resourceType\":\"Observation\",\"id\":\"hostile-1\",\"status\":\"final\",\"code\":{\"text\":\"x\"}}"), 400);
		assertRefused(write("POST", "/fhir/MedicationKnowledge", JSON, "{\"resourceType\":\"Patient\"}"), 400);
	}

	@Test
	void idInTheBodyDiffersFromTheUrl() {
		assertRefused(write("PUT", "/fhir/Patient/hostile-2", JSON, "{\"resourceType\":\"Patient\",\"id\":\"other\"}"), 400);
	}

	@Test
	void xmlExternalEntityIsNotResolved() {
		HttpResponse<String> response = write("POST", "/fhir/Patient", XML, "<?xml version=\"1.0\"?>"
				+ "<!DOCTYPE p [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
				+ "<Patient xmlns=\"http://hl7.org/fhir\"><name><family value=\"&xxe;\"/></name></Patient>");
		assertRefused(response, 400);
		assertThat(response.body()).doesNotContain("root:");
	}

	@Test
	void xmlEntityExpansionBomb() {
		assertRefused(write("POST", "/fhir/Patient", XML, "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\">"
				+ "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
				+ "<Patient xmlns=\"http://hl7.org/fhir\"><name><family value=\"&c;\"/></name></Patient>"), 400);
	}

	@Test
	void deeplyNestedJsonArrays() {
		assertRefused(write("POST", "/fhir/Patient", JSON,
				"{\"resourceType\":\"Patient\",\"extension\":" + repeat("[", 20_000) + repeat("]", 20_000) + "}"), 400);
	}

	@Test
	void deeplyNestedJsonExtensions() {
		String nested = "{\"url\":\"http://x\",\"valueString\":\"x\"}";
		for (int i = 0; i < 3_000; i++) {
			nested = "{\"url\":\"http://x\",\"extension\":[" + nested + "]}";
		}
		assertRefused(write("POST", "/fhir/Patient", JSON, "{\"resourceType\":\"Patient\",\"extension\":[" + nested + "]}"), 400);
	}

	@Test
	void deeplyNestedXml() {
		assertRefused(write("POST", "/fhir/Patient", XML, "<Patient xmlns=\"http://hl7.org/fhir\">"
				+ repeat("<extension url=\"http://x\">", 5_000) + repeat("</extension>", 5_000) + "</Patient>"), 400);
	}

	@Test
	void invalidUtf8() throws Exception {
		byte[] start = "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"".getBytes(StandardCharsets.UTF_8);
		byte[] bad = {(byte) 0xff, (byte) 0xfe, (byte) 0xc3, (byte) 0x28};
		byte[] end = "\"}]}".getBytes(StandardCharsets.UTF_8);
		byte[] body = new byte[start.length + bad.length + end.length];
		System.arraycopy(start, 0, body, 0, start.length);
		System.arraycopy(bad, 0, body, start.length, bad.length);
		System.arraycopy(end, 0, body, start.length + bad.length, end.length);
		assertRefused(RAW.send(HttpRequest.newBuilder(URI.create(fhirBase() + "/Patient"))
				.header("Content-Type", JSON).header("Authorization", "Bearer " + TestIssuer.authorToken())
				.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString()), 400);
	}

	@Test
	void hugeBodyWithContentLengthIs413() throws Exception {
		assertRefused(rawPost("Content-Length: " + (10 * 1024 * 1024 + 1), false), 413);
	}

	@Test
	void hugeChunkedBodyIs413() throws Exception {
		assertRefused(rawPost("Transfer-Encoding: chunked", true), 413);
	}

	/**
	 * Over a plain socket: the server answers before the body is all sent and closes the connection, which an HTTP
	 * client library may report as a failed send instead of showing the answer.
	 */
	private HttpResponse<String> rawPost(String lengthHeader, boolean chunked) throws Exception {
		try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
			socket.setSoTimeout(60_000);
			java.io.OutputStream out = socket.getOutputStream();
			out.write(("POST /fhir/Patient HTTP/1.1\r\nHost: localhost\r\nContent-Type: " + JSON + "\r\nAuthorization: Bearer "
					+ TestIssuer.authorToken() + "\r\n" + lengthHeader + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
			out.flush();
			Thread sender = new Thread(() -> {
				byte[] block = new byte[64 * 1024];
				java.util.Arrays.fill(block, (byte) ' ');
				try {
					for (int sent = 0; sent <= 11 * 1024 * 1024; sent += block.length) {
						if (chunked) {
							out.write((Integer.toHexString(block.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
						}
						out.write(block);
						if (chunked) {
							out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
						}
					}
				} catch (IOException closedByServer) {
					// expected: the server has answered and closed
				}
			});
			if (chunked) {
				sender.start();
			}
			String answer = new String(socket.getInputStream().readNBytes(4096), StandardCharsets.UTF_8);
			sender.join(10_000);
			int status = Integer.parseInt(answer.substring(9, 12));
			String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
			return new FakeResponse(status, body);
		}
	}

	private record FakeResponse(int statusCode, String body) implements HttpResponse<String> {
		public HttpRequest request() { return null; }
		public java.util.Optional<HttpResponse<String>> previousResponse() { return java.util.Optional.empty(); }
		public java.net.http.HttpHeaders headers() { return java.net.http.HttpHeaders.of(java.util.Map.of(), (a, b) -> true); }
		public java.util.Optional<javax.net.ssl.SSLSession> sslSession() { return java.util.Optional.empty(); }
		public URI uri() { return null; }
		public HttpClient.Version version() { return HttpClient.Version.HTTP_1_1; }
	}

	// --- content types and formats -------------------------------------------------------------------------------

	@Test
	void textPlainBody() {
		assertRefused(write("POST", "/fhir/Patient", "text/plain", "{\"resourceType\":\"Patient\"}"));
	}

	@Test
	void formBody() {
		assertRefused(write("POST", "/fhir/Patient", "application/x-www-form-urlencoded", "resourceType=Patient"));
	}

	@Test
	void jsonSentAsXml() {
		assertRefused(write("POST", "/fhir/Patient", XML, "{\"resourceType\":\"Patient\"}"), 400);
	}

	@Test
	void unsupportedFormatIs406() {
		assertRefused(get("/fhir/MedicationKnowledge/atomoxetine?_format=application/pdf"), 406);
		assertRefused(get("/fhir/MedicationKnowledge?_format=yaml"), 406);
	}

	// --- ids and paths -------------------------------------------------------------------------------------------

	@ParameterizedTest(name = "{0}")
	@MethodSource("pathTricks")
	void idsWithPathTricks(String path) {
		HttpResponse<String> response = get(path);
		assertThat(response.statusCode()).as(path + " " + response.body()).isBetween(400, 499);
		assertThat(response.body()).doesNotContain("\tat ").doesNotContainIgnoringCase("<html").doesNotContain("root:");
		if (path.startsWith("/fhir/") && !path.contains("/../")) {
			assertThat(response.body()).contains("OperationOutcome");
		}
	}

	static Stream<String> pathTricks() {
		return Stream.of("/fhir/Patient/..%2F..%2Fmetadata", "/fhir/Patient/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
				"/fhir/Patient/a%00b", "/fhir/Patient/a%20b", "/fhir/Patient/" + "x".repeat(300),
				"/fhir/Patient/1;drop", "/fhir/MedicationKnowledge/atomoxetine/_history/abc");
	}

	@Test
	void putWithAPathTrickId() {
		assertRefused(write("PUT", "/fhir/Patient/..%2Fx", JSON, "{\"resourceType\":\"Patient\",\"id\":\"..%2Fx\"}"), 400);
		assertRefused(write("PUT", "/fhir/Patient/a%20b", JSON, "{\"resourceType\":\"Patient\",\"id\":\"a b\"}"), 400);
	}

	// --- search parameters ---------------------------------------------------------------------------------------

	@Test
	void unknownSearchParameter() {
		assertRefused(get("/fhir/MedicationKnowledge?no-such-parameter=1"), 400);
	}

	@Test
	void malformedSearchParameters() {
		assertRefused(get("/fhir/Patient?birthdate=notadate"), 400);
		assertRefused(get("/fhir/Patient?birthdate=2020-13-45"), 400);
		assertRefused(get("/fhir/Patient?birthdate=2020'%20OR%201=1"), 400);
		assertRefused(get("/fhir/Observation?value-quantity=abc"), 400);
		assertRefused(get("/fhir/Observation?value-quantity=lt"), 400);
		assertRefused(get("/fhir/RiskAssessment?probability=1%20OR%201=1"), 400);
		assertRefused(get("/fhir/Patient?_sort=name;DROP%20TABLE%20x"), 400);
		assertRefused(get("/fhir/MedicationKnowledge?_count=abc"), 400);
		assertRefused(get("/fhir/MedicationKnowledge?_count=-5"), 400);
		assertRefused(get("/fhir/MedicationKnowledge?_count=99999999999999999999"), 400);
	}

	/** An oversized _count is not an error in FHIR ("may return fewer"): the page is cut to the configured maximum. */
	@Test
	void oversizedCountIsCutToTheMaximumPage() {
		HttpResponse<String> response = get("/fhir/ValueSet?_count=1000000&_elements=id");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body().split("\"fullUrl\"").length - 1).isLessThanOrEqualTo(200);
	}

	/** SQL-shaped values are data: they match nothing (200, empty) or are refused (4xx); never 5xx, nothing changes. */
	@ParameterizedTest(name = "{0}")
	@MethodSource("sqlInjection")
	void sqlInjectionShapedValues(String query) {
		HttpResponse<String> response = get(query);
		if (response.statusCode() == 200) {
			assertThat(response.body()).as(query).contains("\"total\":0");
		} else {
			assertRefused(response);
		}
	}

	static Stream<String> sqlInjection() {
		String[] payloads = {"'%20OR%20'1'='1", "1;DROP%20TABLE%20HFJ_RESOURCE;--", "%22)%20UNION%20SELECT%20*%20FROM%20HFJ_RES_VER--"};
		return Stream.of(payloads).flatMap(p -> Stream.of(
				"/fhir/Patient?name=" + p,                                   // string
				"/fhir/MedicationKnowledge?code=http://x%7C" + p,           // token
				"/fhir/Patient?_id=" + p,                                    // id / token
				"/fhir/Observation?subject=Patient/" + p,                    // reference
				"/fhir/ValueSet?url=http://x/" + p,                          // uri
				"/fhir/Patient?birthdate=" + p,                              // date
				"/fhir/RiskAssessment?probability=" + p,                     // number
				"/fhir/Observation?value-quantity=5%7C" + p + "%7Ckg",       // quantity
				"/fhir/Observation?code-value-quantity=x$" + p,              // composite
				"/fhir/Patient?_content=" + p,                               // special
				"/fhir/Patient/" + p));                                      // read by id
	}

	// --- terminology operations ----------------------------------------------------------------------------------

	@ParameterizedTest(name = "{0}")
	@MethodSource("badTerminologyRequests")
	void terminologyOperationsRefuseBadInput(String query) {
		assertRefused(get("/fhir/" + query));
	}

	static Stream<String> badTerminologyRequests() {
		return Stream.of(
				"ValueSet/$expand",
				"ValueSet/$expand?url=http://adhdkb.org/fhir/ValueSet/adhd-medications&count=abc",
				"ValueSet/$expand?url=http://adhdkb.org/fhir/ValueSet/adhd-medications&count=-1",
				"ValueSet/$expand?url=http://adhdkb.org/fhir/ValueSet/adhd-medications&offset=99999999999",
				"ValueSet/$expand?url=http://x'%20OR%201=1--",
				"ValueSet/$validate-code",
				"ValueSet/$validate-code?url=http://adhdkb.org/fhir/ValueSet/atomoxetine-products&system=http://www.nlm.nih.gov/research/umls/rxnorm",
				"CodeSystem/$lookup?system=http://www.nlm.nih.gov/research/umls/rxnorm",
				"CodeSystem/$lookup?system=http://www.nlm.nih.gov/research/umls/rxnorm&code=1'%20OR%20'1'='1",
				"CodeSystem/$subsumes?system=http://adhdkb.org/fhir/CodeSystem/medication-class&codeA=x",
				"CodeSystem/$subsumes?system=http://nope&codeA=a&codeB=b",
				"ConceptMap/$translate",
				"ConceptMap/$translate?url=http://adhdkb.org/fhir/ConceptMap/icd10cm-to-snomed-adhd&system=http://hl7.org/fhir/sid/icd-10-cm&code=F90.0&reverse=maybe");
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("badTerminologyBodies")
	void terminologyOperationsRefuseBadBodies(String operation, String body) {
		assertRefused(write("POST", "/fhir/" + operation, JSON, body));
	}

	static Stream<Arguments> badTerminologyBodies() {
		return Stream.of(
				Arguments.of("ValueSet/$expand", "{\"resourceType\":\"Parameters\","),
				Arguments.of("ValueSet/$expand", "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"url\",\"valueInteger\":5}]}"),
				Arguments.of("ValueSet/$expand", "{\"resourceType\":\"Patient\"}"),
				Arguments.of("ValueSet/$validate-code", "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"coding\",\"valueString\":\"x\"}]}"),
				Arguments.of("CodeSystem/$lookup", "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"system\",\"valueUri\":\"http://x\"}]}"),
				Arguments.of("ConceptMap/$translate", "{\"resourceType\":\"Parameters\",\"parameter\":[]}"),
				Arguments.of("CodeSystem/$subsumes", "<Parameters xmlns=\"http://hl7.org/fhir\">"));
	}
}
