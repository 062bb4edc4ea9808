package org.adhdkb.security;

import ca.uhn.fhir.rest.client.api.IClientInterceptor;
import ca.uhn.fhir.rest.client.api.IHttpRequest;
import ca.uhn.fhir.rest.client.api.IHttpResponse;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A token issuer for the tests: real keys made at start (RSA and P-384), their public JWK Sets served over HTTP on
 * loopback by the JDK's own server, and real signed JWTs. One per test JVM, shared by every server the tests start.
 */
public final class TestIssuer {

	/** The scope a knowledge engineer's authoring client has. */
	public static final String AUTHOR_SCOPE = "system/*.cruds";

	private static final TestIssuer INSTANCE = new TestIssuer();

	private final RSAKey rsa;
	private final ECKey ec;
	private final HttpServer http;
	private final Map<String, String> documents = new ConcurrentHashMap<>();
	private final AtomicInteger requests = new AtomicInteger();

	private TestIssuer() {
		try {
			rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
			ec = new ECKeyGenerator(Curve.P_384).keyID("ec-1").generate();
			http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		} catch (JOSEException e) {
			throw new IllegalStateException(e);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		http.setExecutor(Executors.newCachedThreadPool(r -> {
			Thread thread = new Thread(r, "test-issuer");
			thread.setDaemon(true);
			return thread;
		}));
		http.createContext("/", exchange -> {
			requests.incrementAndGet();
			String body = documents.get(exchange.getRequestURI().getPath());
			byte[] bytes = (body == null ? "{}" : body).getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().set("Content-Type", "application/json");
			exchange.sendResponseHeaders(body == null ? 404 : 200, bytes.length);
			exchange.getResponseBody().write(bytes);
			exchange.close();
		});
		http.start();
		serve("/jwks", rsa, ec);
	}

	public static TestIssuer get() {
		return INSTANCE;
	}

	public String issuer() {
		return "http://127.0.0.1:" + http.getAddress().getPort() + "/issuer";
	}

	public String url(String path) {
		return "http://127.0.0.1:" + http.getAddress().getPort() + path;
	}

	/** Serves the public halves of these keys as a JWK Set at {@code path}. */
	public void serve(String path, JWK... keys) {
		documents.put(path, new JWKSet(java.util.Arrays.stream(keys).map(JWK::toPublicJWK).toList()).toString());
	}

	public int requestsServed() {
		return requests.get();
	}

	public RSAKey rsaKey() {
		return rsa;
	}

	public ECKey ecKey() {
		return ec;
	}

	/** The properties that make a server trust this issuer for bearer tokens on /fhir. */
	public static Map<String, String> serverProperties() {
		return Map.of(
				"adhdkb.security.issuer", INSTANCE.issuer(),
				"adhdkb.security.jwks-uri", INSTANCE.url("/jwks"));
	}

	/** A bearer token for /fhir with these scopes, valid for five minutes. */
	public String token(String scope) {
		Instant now = Instant.now();
		return sign(JWSAlgorithm.RS256, rsa, new JWTClaimsSet.Builder()
				.issuer(issuer())
				.subject("test-user")
				.claim("client_id", "adhdkb-tests")
				.claim("scope", scope)
				.issueTime(Date.from(now))
				.expirationTime(Date.from(now.plusSeconds(300)))
				.jwtID(UUID.randomUUID().toString())
				.build());
	}

	public static String authorToken() {
		return INSTANCE.token(AUTHOR_SCOPE);
	}

	public static String sign(JWSAlgorithm algorithm, JWK key, JWTClaimsSet claims) {
		return sign(new JWSHeader.Builder(algorithm).type(JOSEObjectType.JWT).keyID(key.getKeyID()).build(), key, claims);
	}

	public static String sign(JWSHeader header, JWK key, JWTClaimsSet claims) {
		try {
			SignedJWT jwt = new SignedJWT(header, claims);
			jwt.sign(key instanceof ECKey ecKey ? new ECDSASigner(ecKey) : new RSASSASigner((RSAKey) key));
			return jwt.serialize();
		} catch (JOSEException e) {
			throw new IllegalStateException(e);
		}
	}

	/** For HAPI's generic client: every request but a read carries a token with the authoring scope. */
	public static IClientInterceptor authorWrites() {
		return new IClientInterceptor() {
			@Override
			public void interceptRequest(IHttpRequest request) {
				if (!"GET".equals(request.getHttpVerbName())) {
					request.addHeader("Authorization", "Bearer " + authorToken());
				}
			}

			@Override
			public void interceptResponse(IHttpResponse response) {}
		};
	}
}
