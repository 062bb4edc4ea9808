package org.adhdkb.security;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import org.adhdkb.AdhdkbApplication;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A locked-down server (its own, so the shared one stays at the defaults): CDS Hooks client JWTs required, reads of
 * /fhir require a token, CORS limited to one origin. Real ES384 and RS384 keys made here; the configured JWK Set and
 * the allow-listed jku are served by the tests' issuer over HTTP. Every refusal happens before any endpoint, so these
 * hold for every service; a valid token reaches the service, which answers (no data in the prefetch: no cards).
 */
@SpringBootTest(
		classes = AdhdkbApplication.class,
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = {
				"adhdkb.data-dir=./target/test-data/locked-${random.uuid}",
				"adhdkb.content.load=false",
				"adhdkb.security.read-requires-token=true",
				"adhdkb.security.cds.enabled=true",
				"adhdkb.security.cors.allowed-origins=https://ehr.example",
		})
class CdsClientAuthenticationTest {

	static final String CLIENT = "https://ehr.example/cds-client";
	static final ECKey EC = generateEc("cds-ec-1");
	static final RSAKey RSA = generateRsa("cds-rsa-1");
	static final RSAKey STRANGER = generateRsa("cds-rsa-1"); // same kid as RSA, different key
	/** A client shaped like the CDS Hooks Sandbox: ES384, a kid, and a jku this server cannot (and need not) reach. */
	static final String SANDBOX = "https://sandbox.example/cds-client";
	static final String SANDBOX_JKU = "https://sandbox.invalid/.well-known/jwks.json";
	static final ECKey SANDBOX_KEY = generateEc("sandbox-es384");

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void keys(DynamicPropertyRegistry registry) {
		TestIssuer issuer = TestIssuer.get();
		issuer.serve("/cds-jwks", EC);
		issuer.serve("/cds-jku", RSA);
		issuer.serve("/evil-jku", STRANGER);
		TestIssuer.serverProperties().forEach((key, value) -> registry.add(key, () -> value));
		// a list binds from one property source only: the whole client is given here
		registry.add("adhdkb.security.cds.clients[0].issuer", () -> CLIENT);
		registry.add("adhdkb.security.cds.clients[0].jwks-uri", () -> issuer.url("/cds-jwks"));
		registry.add("adhdkb.security.cds.clients[0].allowed-jku[0]", () -> issuer.url("/cds-jku"));
		// the sandbox's key set, configured as a file: no network is involved in checking its tokens
		registry.add("adhdkb.security.cds.clients[1].issuer", () -> SANDBOX);
		registry.add("adhdkb.security.cds.clients[1].jwks-uri", () -> sandboxKeySet().toUri().toString());
		registry.add("adhdkb.security.cds.clients[1].allowed-jku[0]", () -> SANDBOX_JKU);
	}

	private static java.nio.file.Path sandboxKeySet() {
		try {
			java.nio.file.Path file = java.nio.file.Files.createTempFile("sandbox-jwks", ".json");
			file.toFile().deleteOnExit();
			java.nio.file.Files.writeString(file, new com.nimbusds.jose.jwk.JWKSet(SANDBOX_KEY.toPublicJWK()).toString());
			return file;
		} catch (java.io.IOException e) {
			throw new java.io.UncheckedIOException(e);
		}
	}

	private String service() {
		return "http://localhost:" + port + "/cds-services/adhd-order-sign";
	}

	private JWTClaimsSet.Builder claims() {
		Instant now = Instant.now();
		return new JWTClaimsSet.Builder().issuer(CLIENT).subject("ehr-client").audience(service())
				.issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(240))).jwtID(UUID.randomUUID().toString());
	}

	private String es384(Consumer<JWTClaimsSet.Builder> change) {
		JWTClaimsSet.Builder claims = claims();
		change.accept(claims);
		return TestIssuer.sign(JWSAlgorithm.ES384, EC, claims.build());
	}

	private HttpResponse<String> call(String token) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(service()))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString("{\"hook\":\"order-sign\",\"hookInstance\":\"" + UUID.randomUUID()
						+ "\",\"context\":{\"userId\":\"Practitioner/1\",\"patientId\":\"1\"},"
						+ "\"prefetch\":{\"patient\":null,\"observations\":null,\"medications\":null}}"));
		if (token != null) {
			request.header("Authorization", "Bearer " + token);
		}
		return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	private void assertRefused(String token, String reason) throws Exception {
		HttpResponse<String> response = call(token);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
		assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
		assertThat(response.body()).startsWith("{\"error\":").containsIgnoringCase(reason).doesNotContain("\tat ");
	}

	private void assertAccepted(String token) throws Exception {
		HttpResponse<String> response = call(token);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("{\"cards\":[]}");
	}

	@Test
	void es384TokenFromTheConfiguredJwksIsAccepted() throws Exception {
		assertAccepted(es384(c -> {}));
	}

	/** Issue 14: the sandbox's token names its jku; its key set is configured, so the jku is never fetched. */
	@Test
	void aJkuTokenIsVerifiedWithTheConfiguredKeySetWithoutFetchingTheJku() throws Exception {
		JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.ES384).type(JOSEObjectType.JWT).keyID(SANDBOX_KEY.getKeyID())
				.jwkURL(URI.create(SANDBOX_JKU)).build();
		assertAccepted(TestIssuer.sign(header, SANDBOX_KEY, claims().issuer(SANDBOX).build()));
		JWSHeader notAllowed = new JWSHeader.Builder(JWSAlgorithm.ES384).type(JOSEObjectType.JWT)
				.keyID(SANDBOX_KEY.getKeyID()).jwkURL(URI.create("https://sandbox.invalid/other-jwks.json")).build();
		assertRefused(TestIssuer.sign(notAllowed, SANDBOX_KEY, claims().issuer(SANDBOX).build()), "jku");
		JWSHeader wrongKey = new JWSHeader.Builder(JWSAlgorithm.ES384).type(JOSEObjectType.JWT).keyID(SANDBOX_KEY.getKeyID())
				.jwkURL(URI.create(SANDBOX_JKU)).build();
		assertRefused(TestIssuer.sign(wrongKey, generateEc("sandbox-es384"), claims().issuer(SANDBOX).build()), "");
	}

	@Test
	void rs384TokenWithAnAllowListedJkuIsAcceptedAndItsKeysAreCached() throws Exception {
		JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.RS384).type(JOSEObjectType.JWT).keyID(RSA.getKeyID())
				.jwkURL(URI.create(TestIssuer.get().url("/cds-jku"))).build();
		assertAccepted(TestIssuer.sign(header, RSA, claims().build()));
		int served = TestIssuer.get().requestsServed();
		assertAccepted(TestIssuer.sign(header, RSA, claims().build()));
		assertThat(TestIssuer.get().requestsServed()).as("second token verified from the cached key set").isEqualTo(served);
	}

	/**
	 * Issue 16, F11: with no public base URL configured, the audience was taken from the Host header, which the caller
	 * chooses; a token made for another host (here evil.example) was accepted. Now a Host that is not a configured
	 * name (only loopback, without a public base URL) is refused.
	 */
	@Test
	void theAudienceDoesNotFollowTheHostHeader() throws Exception {
		String token = es384(c -> c.audience("http://evil.example/cds-services/adhd-order-sign"));
		String body = "{\"hook\":\"order-sign\",\"hookInstance\":\"" + UUID.randomUUID()
				+ "\",\"context\":{\"userId\":\"Practitioner/1\",\"patientId\":\"1\"},"
				+ "\"prefetch\":{\"patient\":null,\"observations\":null,\"medications\":null}}";
		byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
		try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
			socket.setSoTimeout(30_000);
			socket.getOutputStream().write(("POST /cds-services/adhd-order-sign HTTP/1.1\r\nHost: evil.example\r\n"
					+ "Content-Type: application/json\r\nAuthorization: Bearer " + token + "\r\nContent-Length: " + bytes.length
					+ "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
			socket.getOutputStream().write(bytes);
			String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
			assertThat(answer).startsWith("HTTP/1.1 401").contains("{\"error\":").contains("public-base-url");
		}
	}

	@Test
	void noTokenIsRefused() throws Exception {
		assertRefused(null, "bearer");
	}

	@Test
	void algNoneIsRefused() throws Exception {
		assertRefused(new PlainJWT(claims().build()).serialize(), "alg");
	}

	@Test
	void hmacIsRefused() throws Exception {
		SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).keyID(EC.getKeyID()).build(),
				claims().build());
		jwt.sign(new MACSigner(new byte[32]));
		assertRefused(jwt.serialize(), "HS256");
	}

	@Test
	void unknownKidIsRefused() throws Exception {
		ECKey other = generateEc("no-such-kid");
		assertRefused(TestIssuer.sign(JWSAlgorithm.ES384, other, claims().build()), "kid");
	}

	@Test
	void wrongSignatureIsRefused() throws Exception {
		ECKey impostor = generateEc(EC.getKeyID());
		assertRefused(TestIssuer.sign(JWSAlgorithm.ES384, impostor, claims().build()), "signature");
	}

	@Test
	void wrongAudienceIsRefused() throws Exception {
		assertRefused(es384(c -> c.audience("http://localhost:" + port + "/cds-services/another-service")), "aud");
		assertRefused(es384(c -> c.audience("https://elsewhere.example/cds-services/adhd-order-sign")), "aud");
	}

	@Test
	void expiredTokenIsRefused() throws Exception {
		assertRefused(es384(c -> c.expirationTime(Date.from(Instant.now().minusSeconds(120)))), "expired");
	}

	@Test
	void missingExpIatOrJtiIsRefused() throws Exception {
		assertRefused(es384(c -> c.expirationTime(null)), "exp");
		assertRefused(es384(c -> c.issueTime(null)), "iat");
		assertRefused(es384(c -> c.jwtID(null)), "jti");
	}

	@Test
	void tokenLivingLongerThanFiveMinutesIsRefused() throws Exception {
		assertRefused(es384(c -> c.expirationTime(Date.from(Instant.now().plusSeconds(3600)))), "five minutes");
	}

	@Test
	void replayedJtiIsRefused() throws Exception {
		String token = es384(c -> {});
		assertAccepted(token);
		assertRefused(token, "already used");
	}

	@Test
	void issuerNotOnTheAllowListIsRefused() throws Exception {
		assertRefused(es384(c -> c.issuer("https://stranger.example")), "not allowed");
	}

	@Test
	void jkuNotOnTheAllowListIsRefused() throws Exception {
		JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.RS384).type(JOSEObjectType.JWT).keyID(STRANGER.getKeyID())
				.jwkURL(URI.create(TestIssuer.get().url("/evil-jku"))).build();
		assertRefused(TestIssuer.sign(header, STRANGER, claims().build()), "jku");
	}

	@Test
	void garbageIsRefused() throws Exception {
		assertRefused("not-a-jwt", "not a JWT");
		assertRefused(Base64URL.encode("{\"alg\":\"ES384\"}") + ".." , "JWT");
	}

	// --- CORS -----------------------------------------------------------------------------------------------------

	private HttpResponse<String> preflight(String path, String origin) throws Exception {
		return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
				.method("OPTIONS", HttpRequest.BodyPublishers.noBody())
				.header("Origin", origin).header("Access-Control-Request-Method", "POST")
				.header("Access-Control-Request-Headers", "authorization,content-type").build(), HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void corsPreflightForTheAllowedOriginOnCdsServicesAndFhir() throws Exception {
		for (String path : new String[] {"/cds-services", "/cds-services/adhd-order-sign", "/fhir/Patient"}) {
			HttpResponse<String> response = preflight(path, "https://ehr.example");
			assertThat(response.statusCode()).as(path).isEqualTo(200);
			assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).as(path).hasValue("https://ehr.example");
			assertThat(response.headers().firstValue("Access-Control-Allow-Headers").orElse("").toLowerCase())
					.contains("authorization").contains("content-type");
		}
		assertThat(preflight("/cds-services/adhd-order-sign", "https://evil.example").statusCode()).isEqualTo(403);
	}

	// --- reads that require a token --------------------------------------------------------------------------------

	@Test
	void readsNeedATokenAndAnAnonymousReadIsNeverServedFromTheCache() throws Exception {
		String fhir = "http://localhost:" + port + "/fhir";
		HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(fhir + "/Patient/locked"))
				.header("Content-Type", "application/fhir+json").header("Authorization", "Bearer " + TestIssuer.authorToken())
				.PUT(HttpRequest.BodyPublishers.ofString("{\"resourceType\":\"Patient\",\"id\":\"locked\"}")).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(created.statusCode()).isEqualTo(201);

		HttpRequest anonymous = HttpRequest.newBuilder(URI.create(fhir + "/Patient/locked")).build();
		HttpRequest reader = HttpRequest.newBuilder(URI.create(fhir + "/Patient/locked"))
				.header("Authorization", "Bearer " + TestIssuer.get().token("user/*.rs")).build();
		for (HttpRequest request : new HttpRequest[] {anonymous, reader, reader, anonymous, anonymous}) {
			HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
			boolean withToken = request.headers().firstValue("Authorization").isPresent();
			assertThat(response.statusCode()).isEqualTo(withToken ? 200 : 401);
			assertThat(response.headers().firstValue("X-Adhdkb-Cache")).as("never from the cache").isEmpty();
			if (!withToken) {
				assertThat(response.body()).contains("OperationOutcome");
				assertThat(response.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Bearer");
			}
		}
		assertThat(http.send(HttpRequest.newBuilder(URI.create(fhir + "/metadata")).build(),
				HttpResponse.BodyHandlers.discarding()).statusCode()).as("the CapabilityStatement stays open").isEqualTo(200);
	}

	private static ECKey generateEc(String kid) {
		try {
			return new ECKeyGenerator(Curve.P_384).keyID(kid).generate();
		} catch (com.nimbusds.jose.JOSEException e) {
			throw new IllegalStateException(e);
		}
	}

	private static RSAKey generateRsa(String kid) {
		try {
			return new RSAKeyGenerator(2048).keyID(kid).generate();
		} catch (com.nimbusds.jose.JOSEException e) {
			throw new IllegalStateException(e);
		}
	}
}
