package org.adhdkb.security;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.adhdkb.AdhdkbApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server process killed with SIGKILL in the middle of a stream of writes, on the embedded H2 database and on
 * PostgreSQL: after a restart on the same database every acknowledged write is there with what was written, each with
 * its audit record (written in the same transaction), and the database serves reads and writes again.
 */
class CrashRecoveryTest {

	private static final int WRITERS = 4;
	private static final int WRITES_BEFORE_KILL = 120;
	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	@Test
	void killedMidStreamOnH2LosesNoAcknowledgedWrite(@TempDir Path data) throws Exception {
		crashAndRecover(List.of("--adhdkb.data-dir=" + data));
	}

	@Test
	void killedMidStreamOnPostgresLosesNoAcknowledgedWrite() throws Exception {
		try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
			crashAndRecover(List.of("--spring.profiles.active=postgres",
					"--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"),
					"--spring.datasource.username=postgres", "--spring.datasource.password=postgres"));
		}
	}

	private void crashAndRecover(List<String> database) throws Exception {
		Map<String, String> acknowledged = new ConcurrentHashMap<>();
		Server firstServer = startServer(database);
		Process first = firstServer.process();
		try {
			int port = awaitReady(firstServer);
			String base = "http://127.0.0.1:" + port + "/fhir/";
			AtomicBoolean stop = new AtomicBoolean();
			AtomicInteger count = new AtomicInteger();
			ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
			for (int w = 0; w < WRITERS; w++) {
				int writer = w;
				writers.submit(() -> {
					String token = "Bearer " + TestIssuer.authorToken();
					for (int n = 0; !stop.get(); n++) {
						String id = "crash-" + writer + "-" + n;
						String family = "written " + n + " by " + writer;
						try {
							HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "Patient/" + id))
									.header("Content-Type", "application/fhir+json").header("Authorization", token)
									.timeout(Duration.ofSeconds(30))
									.PUT(HttpRequest.BodyPublishers.ofString("{\"resourceType\":\"Patient\",\"id\":\"" + id
											+ "\",\"name\":[{\"family\":\"" + family + "\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
							if (response.statusCode() / 100 == 2) {
								acknowledged.put(id, family);
								count.incrementAndGet();
							}
						} catch (IOException | InterruptedException e) {
							return; // the server is gone
						}
					}
				});
			}
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
			while (count.get() < WRITES_BEFORE_KILL && System.nanoTime() < deadline) {
				Thread.sleep(20);
			}
			first.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, no clean close of the database
			first.waitFor(30, TimeUnit.SECONDS);
			stop.set(true);
			writers.shutdown();
			assertThat(writers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
		} finally {
			first.destroyForcibly();
		}
		assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(WRITES_BEFORE_KILL);

		Server secondServer = startServer(database);
		Process second = secondServer.process();
		try {
			String base = "http://127.0.0.1:" + awaitReady(secondServer) + "/fhir/";
			String auditReader = "Bearer " + TestIssuer.get().token("system/AuditEvent.rs system/Patient.rs");
			for (Map.Entry<String, String> write : acknowledged.entrySet()) {
				HttpResponse<String> read = get(base + "Patient/" + write.getKey(), null);
				assertThat(read.statusCode()).as(write.getKey()).isEqualTo(200);
				assertThat(read.body()).as(write.getKey()).contains(write.getValue());
				assertThat(get(base + "AuditEvent?entity=Patient/" + write.getKey() + "&_summary=count", auditReader).body())
						.as("audit of " + write.getKey()).contains("\"total\":1");
			}
			HttpResponse<String> after = http.send(HttpRequest.newBuilder(URI.create(base + "Patient/after-crash"))
					.header("Content-Type", "application/fhir+json").header("Authorization", "Bearer " + TestIssuer.authorToken())
					.PUT(HttpRequest.BodyPublishers.ofString("{\"resourceType\":\"Patient\",\"id\":\"after-crash\"}")).build(),
					HttpResponse.BodyHandlers.ofString());
			assertThat(after.statusCode()).as("writes work after recovery").isEqualTo(201);
			System.out.printf("crash %s: %d acknowledged writes checked after SIGKILL and restart%n",
					database.get(0).contains("postgres") ? "PostgreSQL" : "H2", acknowledged.size());
		} finally {
			second.destroyForcibly();
			second.waitFor(30, TimeUnit.SECONDS);
		}
	}

	private HttpResponse<String> get(String url, String authorization) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Cache-Control", "no-cache");
		if (authorization != null) {
			request.header("Authorization", authorization);
		}
		return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	/** The real application in its own JVM, on the test classpath, with no content (the writes are what matters). */
	private static Server startServer(List<String> database) throws IOException {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		List<String> command = new ArrayList<>(List.of(
				Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Xmx768m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
				"-cp", System.getProperty("java.class.path"),
				AdhdkbApplication.class.getName(),
				"--server.port=" + port,
				"--adhdkb.content.load=false",
				"--logging.level.root=WARN"));
		TestIssuer.serverProperties().forEach((key, value) -> command.add("--" + key + "=" + value));
		command.addAll(database);
		File log = File.createTempFile("adhdkb-crash-", ".log");
		return new Server(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start(), port, log);
	}

	private record Server(Process process, int port, File log) {}

	private int awaitReady(Server server) throws Exception {
		Process process = server.process();
		int port = server.port();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
		while (System.nanoTime() < deadline) {
			assertThat(process.isAlive()).as("server process started; see " + server.log()).isTrue();
			try {
				if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/fhir/metadata")).build(),
						HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
					return port;
				}
			} catch (IOException notYet) {
				// still starting
			}
			Thread.sleep(250);
		}
		throw new AssertionError("server did not start within 300 s");
	}
}
