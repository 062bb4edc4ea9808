package org.adhdkb.security;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.adhdkb.AdhdkbApplication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * CDS Hooks fetches from a client's {@code fhirServer} (issue 16: F2, F3, the prefetch vector of F1), feedback (F7)
 * and slow bodies (F6), against a server of its own with an allow-list naming two bases of a fake EHR on loopback, no
 * CDS client authentication, and a 2-second body read timeout. The fake EHR records every request it gets, so a
 * refused fetch is shown to reach nothing.
 */
@SpringBootTest(
		classes = AdhdkbApplication.class,
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = {
				"adhdkb.data-dir=./target/test-data/cds-fetch-${random.uuid}",
				"adhdkb.content.load=false",
				"adhdkb.security.body-read-timeout=2s",
				"adhdkb.cds.max-prefetch-size=1MB",
		})
class CdsRemoteFetchTest {

	private static final String SECRET = "INTERNAL-SECRET-" + UUID.randomUUID();
	private static final List<String> EHR_REQUESTS = new CopyOnWriteArrayList<>();
	private static final List<String> EHR_AUTHORIZATIONS = new CopyOnWriteArrayList<>();
	private static final HttpServer EHR = startEhr();
	private static final String EHR_BASE = "http://localhost:" + EHR.getAddress().getPort();

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void allowList(DynamicPropertyRegistry registry) {
		TestIssuer.serverProperties().forEach((key, value) -> registry.add(key, () -> value));
		registry.add("adhdkb.cds.allowed-fhir-servers", () -> EHR_BASE + "/fhir," + EHR_BASE + "/big/fhir,"
				+ EHR_BASE + "/moved/fhir," + EHR_BASE + "/text/fhir");
	}

	@AfterAll
	static void stopEhr() {
		EHR.stop(0);
	}

	/** A FHIR server on loopback: a patient under /fhir, 30 MB under /big, a redirect under /moved, plain text under /text. */
	private static HttpServer startEhr() {
		try {
			HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
			server.createContext("/", exchange -> {
				EHR_REQUESTS.add(exchange.getRequestURI().toString());
				EHR_AUTHORIZATIONS.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
				String path = exchange.getRequestURI().getPath();
				if (path.startsWith("/big/")) {
					exchange.getResponseHeaders().add("Content-Type", "application/fhir+json");
					exchange.sendResponseHeaders(200, 0); // chunked: no length to refuse up front
					try (OutputStream out = exchange.getResponseBody()) {
						out.write("{\"resourceType\":\"Patient\",\"id\":\"p1\",\"name\":[{\"text\":\"".getBytes(StandardCharsets.UTF_8));
						byte[] block = "z".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
						for (int i = 0; i < 480; i++) {
							out.write(block);
						}
						out.write("\"}]}".getBytes(StandardCharsets.UTF_8));
					} catch (IOException clientGone) {
						// expected: adhdkb stops reading at its limit
					}
				} else if (path.startsWith("/moved/")) {
					exchange.getResponseHeaders().add("Location", EHR_BASE + "/internal" + path);
					exchange.sendResponseHeaders(302, -1);
					exchange.close();
				} else if (path.startsWith("/text/")) {
					respond(exchange, "text/plain", SECRET);
				} else if (path.startsWith("/internal/")) {
					respond(exchange, "application/fhir+json", "{\"resourceType\":\"Patient\",\"id\":\"p1\"}");
				} else if (path.endsWith("/Patient/p1")) {
					respond(exchange, "application/fhir+json", "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"birthDate\":\"2015-01-01\"}");
				} else {
					respond(exchange, "application/fhir+json", "{\"resourceType\":\"Bundle\",\"type\":\"searchset\"}");
				}
			});
			server.start();
			return server;
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static void respond(HttpExchange exchange, String type, String body) throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().add("Content-Type", type);
		exchange.sendResponseHeaders(200, bytes.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(bytes);
		}
	}

	private HttpResponse<String> callWith(String fhirServer) throws Exception {
		String body = "{\"hook\":\"patient-view\",\"hookInstance\":\"" + UUID.randomUUID() + "\",\"fhirServer\":\""
				+ fhirServer.replace("\"", "\\\"") + "\",\"fhirAuthorization\":{\"access_token\":\"ehr-token\",\"token_type\":\"Bearer\","
				+ "\"expires_in\":300,\"scope\":\"patient/*.read\",\"subject\":\"cds\"},"
				+ "\"context\":{\"userId\":\"Practitioner/1\",\"patientId\":\"p1\"}}";
		return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/cds-services/adhd-patient-view"))
				.header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
				.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
	}

	private void assertRefusedWithoutFetching(String fhirServer) throws Exception {
		EHR_REQUESTS.clear();
		HttpResponse<String> response = callWith(fhirServer);
		assertThat(response.statusCode()).as(fhirServer + ": " + response.body()).isEqualTo(400);
		assertThat(response.body()).startsWith("{\"error\":").contains("fhirServer");
		assertThat(EHR_REQUESTS).as("requests the fake EHR received").isEmpty();
	}

	@Test
	void aListedServerIsFetchedFromWithTheClientsToken() throws Exception {
		EHR_REQUESTS.clear();
		EHR_AUTHORIZATIONS.clear();
		for (String base : List.of(EHR_BASE + "/fhir", EHR_BASE + "/fhir/", EHR_BASE.toUpperCase().replace("HTTP", "http") + "/fhir")) {
			HttpResponse<String> response = callWith(base);
			assertThat(response.statusCode()).as(base + ": " + response.body()).isEqualTo(200);
		}
		assertThat(EHR_REQUESTS).anySatisfy(r -> assertThat(r).isEqualTo("/fhir/Patient/p1"));
		assertThat(EHR_AUTHORIZATIONS).isNotEmpty().allSatisfy(a -> assertThat(a).isEqualTo("Bearer ehr-token"));
	}

	/** F3: the allow-list was a string prefix; these all started with a listed base. */
	@Test
	void theAllowListComparesParsedUrlsNotPrefixes() throws Exception {
		String adhdkb = "127.0.0.1:" + port;
		assertRefusedWithoutFetching(EHR_BASE + "@" + adhdkb + "/fhir");                   // user info: the host is adhdkb
		assertRefusedWithoutFetching(EHR_BASE.replace("http://", "http://x:y@") + "/fhir");
		assertRefusedWithoutFetching(EHR_BASE + "/fhir-other");                            // not at a segment boundary
		assertRefusedWithoutFetching(EHR_BASE + "/fhir/../internal/fhir");                 // dot segments
		assertRefusedWithoutFetching(EHR_BASE + "/fhir/%2e%2e/internal/fhir");            // escaped dot segments
		assertRefusedWithoutFetching(EHR_BASE + "/fhir?_format=json#");                   // query takes over each fetch's path
		assertRefusedWithoutFetching(EHR_BASE + "/fhir#Patient");
		assertRefusedWithoutFetching(EHR_BASE.replace("localhost", "localhost.attacker.example") + "/fhir");
		assertRefusedWithoutFetching(EHR_BASE.replace("localhost", "127.0.0.1") + "/fhir");  // listed by name only
		assertRefusedWithoutFetching(EHR_BASE.replace("http:", "https:") + "/fhir");
		assertRefusedWithoutFetching("http://localhost:" + (EHR.getAddress().getPort() + 1) + "/fhir");
		assertRefusedWithoutFetching("file:///etc/passwd");
	}

	/** F2: a listed server that redirects is not followed, and what a server answers never comes back whole. */
	@Test
	void redirectsAreNotFollowedAndRemoteBodiesAreNotEchoed() throws Exception {
		EHR_REQUESTS.clear();
		HttpResponse<String> moved = callWith(EHR_BASE + "/moved/fhir");
		assertThat(moved.statusCode()).as(moved.body()).isEqualTo(412);
		assertThat(EHR_REQUESTS).noneMatch(r -> r.startsWith("/internal"));

		HttpResponse<String> text = callWith(EHR_BASE + "/text/fhir");
		assertThat(text.statusCode()).as(text.body()).isEqualTo(412);
		assertThat(text.body()).startsWith("{\"error\":").doesNotContain(SECRET).doesNotContain("HAPI-");
	}

	/** F1: a 30 MB prefetch answer is cut off at the configured budget (1 MB here); the server stays responsive. */
	@Test
	void aHugePrefetchAnswerIsCutOff() throws Exception {
		// the CapabilityStatement is built on the first request: warm, so that what is timed below is the attack's effect
		http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/fhir/metadata"))
				.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
		long start = System.nanoTime();
		HttpResponse<String> response = callWith(EHR_BASE + "/big/fhir");
		assertThat(response.statusCode()).as(response.body()).isEqualTo(412);
		assertThat(response.body()).contains("larger than 1048576 bytes");
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
		long metadataStart = System.nanoTime();
		HttpResponse<String> metadata = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/fhir/metadata"))
				.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(metadata.statusCode()).isEqualTo(200);
		assertThat(Duration.ofNanos(System.nanoTime() - metadataStart)).isLessThan(Duration.ofSeconds(1));
	}

	/** F7: with client authentication off, feedback is not stored unless anonymous feedback is switched on. */
	@Test
	void anonymousFeedbackIsOffByDefault() throws Exception {
		HttpResponse<String> response = http.send(HttpRequest.newBuilder(
						URI.create("http://localhost:" + port + "/cds-services/adhd-patient-view/feedback"))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString("{\"feedback\":[{\"card\":\"" + UUID.randomUUID()
						+ "\",\"outcome\":\"accepted\",\"outcomeTimestamp\":\"2026-11-21T10:00:00Z\"}]}")).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
		assertThat(response.body()).startsWith("{\"error\":").contains("adhdkb.cds.anonymous-feedback");
		HttpResponse<String> stored = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
				+ "/fhir/AuditEvent?_summary=count")).header("Authorization", "Bearer " + TestIssuer.authorToken()).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(stored.body()).contains("\"total\":0");
	}

	/** F6: a body that trickles in is given up on after the read timeout (2 s here), with 408. */
	@Test
	void aBodyThatTricklesInTimesOut() throws Exception {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout(15_000);
			OutputStream out = socket.getOutputStream();
			out.write(("POST /fhir/Patient/$validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/fhir+json\r\n"
					+ "Content-Length: 100\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
			long start = System.nanoTime();
			InputStream in = socket.getInputStream();
			String answer = "";
			for (int i = 0; i < 40 && in.available() == 0; i++) {
				out.write('{');
				out.flush();
				Thread.sleep(250);
			}
			answer = new String(in.readNBytes(Math.max(in.available(), 12)), StandardCharsets.UTF_8);
			assertThat(answer).startsWith("HTTP/1.1 408");
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
		}
	}
}
