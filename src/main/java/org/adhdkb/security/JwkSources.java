package org.adhdkb.security;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.util.List;
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

	/** A JWK Set at an http(s) URL, fetched and cached by nimbus; a {@code file:} URL is read once, as configuration. */
	JWKSource<SecurityContext> forUrl(String url) {
		return byUrl.computeIfAbsent(url, u -> {
			try {
				if (u.startsWith("file:")) {
					return new ImmutableJWKSet<>(JWKSet.load(new File(URI.create(u))));
				}
				return JWKSourceBuilder.create(URI.create(u).toURL()).build();
			} catch (MalformedURLException | IllegalArgumentException e) {
				throw new IllegalArgumentException("not a JWK Set URL: " + u, e);
			} catch (IOException | java.text.ParseException e) {
				throw new IllegalArgumentException("the JWK Set " + u + " cannot be read", e);
			}
		});
	}

	/**
	 * The keys of {@code first} that match; only when it has none (or cannot answer: nimbus refuses a refetch for an
	 * unknown kid within 30 seconds with an exception), those of {@code second}.
	 */
	static JWKSource<SecurityContext> firstOf(JWKSource<SecurityContext> first, JWKSource<SecurityContext> second) {
		return (selector, context) -> {
			try {
				List<JWK> found = first.get(selector, context);
				if (!found.isEmpty()) {
					return found;
				}
			} catch (com.nimbusds.jose.KeySourceException e) {
				// fall through to the second source
			}
			return second.get(selector, context);
		};
	}
}
