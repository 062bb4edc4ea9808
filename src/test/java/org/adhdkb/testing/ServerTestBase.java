package org.adhdkb.testing;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import org.adhdkb.AdhdkbApplication;
import org.adhdkb.security.TestIssuer;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * One real server (HAPI JPA on an H2 file database in target/, all content loaded) on a random port, shared by every
 * test class that extends this: Spring caches the context, so it boots once per test run.
 *
 * <p>The server trusts the tests' {@link TestIssuer}; writes made through {@link #client()} and {@link #send} carry a
 * real signed token with the authoring scope, as a knowledge engineer's client would (security tests send their own).
 */
@SpringBootTest(
		classes = AdhdkbApplication.class,
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = {"adhdkb.data-dir=./target/test-data/shared-${random.uuid}",
				// the CDS tests post feedback without a client JWT; anonymous feedback is off by default (issue 16, F7)
				"adhdkb.cds.anonymous-feedback=true"})
public abstract class ServerTestBase {

	protected static final FhirContext FHIR = FhirContext.forR4Cached();
	private static final HttpClient HTTP = HttpClient.newHttpClient();

	@DynamicPropertySource
	static void trustTheTestIssuer(DynamicPropertyRegistry registry) {
		TestIssuer.serverProperties().forEach((key, value) -> registry.add(key, () -> value));
	}

	@LocalServerPort
	protected int port;

	protected String baseUrl() {
		return "http://localhost:" + port;
	}

	protected String fhirBase() {
		return baseUrl() + "/fhir";
	}

	protected IGenericClient client() {
		FHIR.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
		IGenericClient client = FHIR.newRestfulGenericClient(fhirBase());
		client.registerInterceptor(TestIssuer.authorWrites());
		return client;
	}

	protected HttpResponse<String> get(String pathAndQuery, String... headers) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + pathAndQuery)).GET();
		for (int i = 0; i < headers.length; i += 2) {
			request.header(headers[i], headers[i + 1]);
		}
		return send(request.build());
	}

	protected HttpResponse<String> send(String method, String pathAndQuery, String body, String... headers) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + pathAndQuery))
				.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
		boolean authorized = false;
		for (int i = 0; i < headers.length; i += 2) {
			request.header(headers[i], headers[i + 1]);
			authorized |= headers[i].equalsIgnoreCase("Authorization");
		}
		if (!authorized && !method.equals("GET") && pathAndQuery.startsWith("/fhir")) {
			request.header("Authorization", "Bearer " + TestIssuer.authorToken());
		}
		return send(request.build());
	}

	private static HttpResponse<String> send(HttpRequest request) {
		try {
			return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
		} catch (IOException e) {
			throw new java.io.UncheckedIOException(e);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
	}
}
