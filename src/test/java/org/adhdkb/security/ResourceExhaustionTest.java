package org.adhdkb.security;

import org.adhdkb.testing.ServerTestBase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The black-box probe's memory and thread exhaustion attacks (issue 16: F1, F5, F6), each sent anonymously over
 * loopback to the shared server and bounded: every one is refused with a 4xx or 503 and an OperationOutcome (JSON
 * error on /cds-services), and right after it the same server answers {@code /fhir/metadata} within a second. Before
 * the fix, the first three each left a 512 MB server with its port open and answering nothing until kill -9.
 */
class ResourceExhaustionTest extends ServerTestBase {

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	/** The CapabilityStatement is built on the first request; the attacks are measured against a warm server. */
	@BeforeEach
	void serverAnswers() throws Exception {
		HttpResponse<String> metadata = HTTP.send(HttpRequest.newBuilder(URI.create(fhirBase() + "/metadata"))
				.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(metadata.statusCode()).isEqualTo(200);
	}

	private void assertStillAnswers() throws Exception {
		long start = System.nanoTime();
		HttpResponse<String> metadata = HTTP.send(HttpRequest.newBuilder(URI.create(fhirBase() + "/metadata"))
				.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
		long millis = (System.nanoTime() - start) / 1_000_000;
		assertThat(metadata.statusCode()).isEqualTo(200);
		assertThat(millis).as("/fhir/metadata answered in ms").isLessThan(1000);
	}

	private HttpResponse<String> anonymousPost(String path, String contentType, byte[] body, String... headers) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(60))
				.header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body));
		for (int i = 0; i < headers.length; i += 2) {
			request.header(headers[i], headers[i + 1]);
		}
		return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static String batchOfReads(int entries) {
		StringBuilder bundle = new StringBuilder("{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[");
		for (int i = 0; i < entries; i++) {
			bundle.append(i == 0 ? "" : ",").append("{\"request\":{\"method\":\"GET\",\"url\":\"MedicationKnowledge/atomoxetine\"}}");
		}
		return bundle.append("]}").toString();
	}

	@Test
	void aBatchOfTwoThousandReadsIsRefusedBeforeAnyIsRun() throws Exception {
		// the probe's request: 138 KB, 2 000 copies of a 74 KB resource held until the last is read
		HttpResponse<String> response = anonymousPost("/fhir", "application/fhir+json",
				batchOfReads(2000).getBytes(StandardCharsets.UTF_8));
		assertThat(response.statusCode()).as(response.body()).isEqualTo(413);
		assertThat(response.body()).contains("OperationOutcome", "too-costly", "at most 1000 entries")
				.doesNotContain("HAPI-", "Exception");
		assertStillAnswers();
	}

	@Test
	void aBatchWithinTheLimitIsStillAnswered() throws Exception {
		HttpResponse<String> response = anonymousPost("/fhir", "application/fhir+json",
				batchOfReads(20).getBytes(StandardCharsets.UTF_8));
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		assertThat(response.body()).contains("\"type\":\"batch-response\"");
		assertThat(response.body().split("\"status\":\"200 OK\"", -1)).hasSize(21);
		HttpResponse<String> tooMany = anonymousPost("/fhir", "application/fhir+json",
				batchOfReads(21).getBytes(StandardCharsets.UTF_8));
		assertThat(tooMany.statusCode()).as(tooMany.body()).isEqualTo(413);
		assertThat(tooMany.body()).contains("at most 20 GET entries");
	}

	@Test
	void feedbackWithFortyThousandItemsIsRefused() throws Exception {
		StringBuilder body = new StringBuilder("{\"feedback\":[");
		for (int i = 0; i < 40_000; i++) {
			body.append(i == 0 ? "" : ",").append("{\"card\":\"").append(UUID.randomUUID())
					.append("\",\"outcome\":\"accepted\",\"outcomeTimestamp\":\"2026-11-21T10:00:00Z\"}");
		}
		HttpResponse<String> response = anonymousPost("/cds-services/adhd-order-sign/feedback", "application/json",
				body.append("]}").toString().getBytes(StandardCharsets.UTF_8));
		assertThat(response.statusCode()).as(response.body()).isEqualTo(413);
		assertThat(response.body()).startsWith("{\"error\":").contains("At most 50 feedback items");
		assertStillAnswers();
	}

	@Test
	void anApplyWithAMultiMegabyteDataBundleIsRefused() throws Exception {
		String pad = "x".repeat(2 * 1024 * 1024);
		String parameters = "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"subject\",\"valueString\":\"Patient/p\"},"
				+ "{\"name\":\"data\",\"resource\":{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":"
				+ "{\"resourceType\":\"Patient\",\"id\":\"p\",\"name\":[{\"text\":\"" + pad + "\"}]}}]}}]}";
		List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			calls.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(fhirBase() + "/PlanDefinition/atomoxetine-titration/$apply"))
					.header("Content-Type", "application/fhir+json").timeout(Duration.ofSeconds(60))
					.POST(HttpRequest.BodyPublishers.ofString(parameters)).build(), HttpResponse.BodyHandlers.ofString()));
		}
		for (CompletableFuture<HttpResponse<String>> call : calls) {
			HttpResponse<String> response = call.get();
			assertThat(response.statusCode()).as(response.body()).isEqualTo(413);
			assertThat(response.body()).contains("OperationOutcome", "larger than the limit of 1048576 bytes");
		}
		assertStillAnswers();
	}

	@Test
	void largeBodiesAreHandledAFewAtATime() throws Exception {
		// six 3 MB bodies at once: at most two are parsed at a time; the others wait or get 503 with Retry-After
		String patient = "{\"resourceType\":\"Patient\",\"name\":[{\"text\":\"" + "y".repeat(3 * 1024 * 1024) + "\"}]}";
		List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			calls.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(fhirBase() + "/Patient/$validate"))
					.header("Content-Type", "application/fhir+json").timeout(Duration.ofSeconds(60))
					.POST(HttpRequest.BodyPublishers.ofString(patient)).build(), HttpResponse.BodyHandlers.ofString()));
		}
		for (CompletableFuture<HttpResponse<String>> call : calls) {
			HttpResponse<String> response = call.get();
			assertThat(response.statusCode()).as(response.body()).isIn(200, 503);
			if (response.statusCode() == 503) {
				assertThat(response.headers().firstValue("Retry-After")).isPresent();
				assertThat(response.body()).contains("OperationOutcome", "retry shortly");
			}
		}
		assertStillAnswers();
	}

	@Test
	void aGzipBombIsRefusedByItsInflatedSize() throws Exception {
		// 64 MB of spaces inside a JSON string, about 65 KB compressed: the limit counts the inflated bytes
		ByteArrayOutputStream compressed = new ByteArrayOutputStream();
		try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
			gzip.write("{\"resourceType\":\"Patient\",\"name\":[{\"text\":\"".getBytes(StandardCharsets.UTF_8));
			byte[] block = " ".repeat(1024 * 1024).getBytes(StandardCharsets.US_ASCII);
			for (int i = 0; i < 64; i++) {
				gzip.write(block);
			}
			gzip.write("\"}]}".getBytes(StandardCharsets.UTF_8));
		}
		assertThat(compressed.size()).isLessThan(200_000);
		HttpResponse<String> response = anonymousPost("/fhir/Patient/$validate", "application/fhir+json",
				compressed.toByteArray(), "Content-Encoding", "gzip");
		assertThat(response.statusCode()).as(response.body()).isEqualTo(413);
		assertThat(response.body()).contains("OperationOutcome", "once decompressed").doesNotContain("Exception");
		assertStillAnswers();
	}

	@Test
	void aSmallGzipBodyIsStillReadAndABrokenOneIs400() throws Exception {
		ByteArrayOutputStream compressed = new ByteArrayOutputStream();
		try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
			gzip.write("{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Gzip\"}]}".getBytes(StandardCharsets.UTF_8));
		}
		HttpResponse<String> valid = anonymousPost("/fhir/Patient/$validate", "application/fhir+json",
				compressed.toByteArray(), "Content-Encoding", "gzip");
		assertThat(valid.statusCode()).as(valid.body()).isEqualTo(200);
		HttpResponse<String> broken = anonymousPost("/fhir/Patient/$validate", "application/fhir+json",
				"not gzip at all".getBytes(StandardCharsets.UTF_8), "Content-Encoding", "gzip");
		assertThat(broken.statusCode()).as(broken.body()).isEqualTo(400);
		assertThat(broken.body()).contains("OperationOutcome", "not valid gzip");
	}

	@Test
	void slowSendersCannotTakeEveryThread() throws Exception {
		// more connections than bodies may be received at once (64), each sending a byte of a 1 000-byte body
		List<Socket> slow = new ArrayList<>();
		try {
			for (int i = 0; i < 72; i++) {
				Socket socket = new Socket("127.0.0.1", port);
				socket.setSoTimeout(10_000);
				OutputStream out = socket.getOutputStream();
				out.write(("POST /fhir/Patient/$validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/fhir+json\r\n"
						+ "Content-Length: 1000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
				out.flush();
				slow.add(socket);
			}
			Thread.sleep(500);
			assertStillAnswers();
			// the ones beyond the limit are answered at once, without waiting for their bodies
			int refused = 0;
			List<Socket> waiting = new ArrayList<>(slow);
			long deadline = System.currentTimeMillis() + 5_000;
			while (refused < 72 - 64 && System.currentTimeMillis() < deadline) {
				for (java.util.Iterator<Socket> it = waiting.iterator(); it.hasNext(); ) {
					InputStream in = it.next().getInputStream();
					if (in.available() > 0) {
						String answer = new String(in.readNBytes(in.available()), StandardCharsets.UTF_8);
						assertThat(answer).startsWith("HTTP/1.1 503").contains("Retry-After");
						refused++;
						it.remove();
					}
				}
				Thread.sleep(100);
			}
			assertThat(refused).isGreaterThanOrEqualTo(72 - 64);
		} finally {
			for (Socket socket : slow) {
				try {
					socket.close();
				} catch (IOException ignored) {
					// closing only
				}
			}
		}
		Thread.sleep(200);
		assertStillAnswers();
	}
}
