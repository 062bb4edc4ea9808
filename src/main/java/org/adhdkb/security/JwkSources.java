package org.adhdkb.security;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;

import java.net.MalformedURLException;
import java.net.URI;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Signing keys of trusted issuers, one nimbus source per JWK Set URL. Nimbus caches a set for five minutes and
 * refetches it when a token names a kid it does not hold, at most once every 30 seconds, so unknown kids cannot
 * make us hammer an issuer.
 */
final class JwkSources {

	/** Asymmetric signatures only: never {@code none}, never HMAC (a shared secret is no proof of who signed). */
	static final Set<JWSAlgorithm> ALGORITHMS = Set.of(
			JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
			JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512,
			JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);

	private final Map<String, JWKSource<SecurityContext>> byUrl = new ConcurrentHashMap<>();

	JWKSource<SecurityContext> forUrl(String url) {
		return byUrl.computeIfAbsent(url, u -> {
			try {
				return JWKSourceBuilder.create(URI.create(u).toURL()).build();
			} catch (MalformedURLException | IllegalArgumentException e) {
				throw new IllegalArgumentException("not a JWK Set URL: " + u, e);
			}
		});
	}
}
