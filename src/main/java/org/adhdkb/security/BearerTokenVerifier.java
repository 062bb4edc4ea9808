package org.adhdkb.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;

import java.text.ParseException;
import java.util.List;
import java.util.HashSet;

/** Verifies bearer tokens on /fhir: signed by the configured issuer's keys, not expired, for us if an audience is set. */
class BearerTokenVerifier {

	/** How far ahead of our clock an issuer's {@code iat} may be (clocks differ a little, never by minutes). */
	static final java.time.Duration CLOCK_SKEW = java.time.Duration.ofSeconds(60);

	private final DefaultJWTProcessor<SecurityContext> processor;
	private final java.time.Duration maxLifetime;
	private final java.time.Clock clock;

	BearerTokenVerifier(SecurityProperties properties, JwkSources keys) {
		this(properties, keys, java.time.Clock.systemUTC());
	}

	BearerTokenVerifier(SecurityProperties properties, JwkSources keys, java.time.Clock clock) {
		this.maxLifetime = properties.getMaxTokenLifetime();
		this.clock = clock;
		if (properties.getIssuer().isBlank() || properties.getJwksUri().isBlank()) {
			processor = null;
			return;
		}
		processor = new DefaultJWTProcessor<>();
		processor.setJWSKeySelector(
				new JWSVerificationKeySelector<>(JwkSources.ALGORITHMS, keys.forUrl(properties.getJwksUri())));
		String audience = properties.getAudience();
		processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(
				// mutable sets: nimbus asks them contains(null), which Set.of answers with a NullPointerException
				audience.isBlank() ? null : new HashSet<>(List.of(audience)),
				new JWTClaimsSet.Builder().issuer(properties.getIssuer()).build(),
				new HashSet<>(List.of("exp")),
				null));
	}

	AccessToken verify(String token) throws InvalidTokenException {
		if (processor == null) {
			throw new InvalidTokenException("this server accepts no bearer tokens: no issuer is configured");
		}
		try {
			JWTClaimsSet claims = processor.process(token, null);
			checkLifetime(claims);
			String clientId = claims.getStringClaim("client_id");
			if (clientId == null) {
				clientId = claims.getStringClaim("azp");
			}
			return new AccessToken(claims.getIssuer(), claims.getSubject(), clientId, SmartScopes.parse(scope(claims)));
		} catch (ParseException e) {
			throw new InvalidTokenException("the bearer token is not a JWT");
		} catch (BadJOSEException | JOSEException e) {
			throw new InvalidTokenException("the bearer token is not valid: " + e.getMessage());
		}
	}

	/**
	 * A stolen token is useful for as long as it lives: one that lives longer than the configured maximum (a 10-year
	 * token) or claims to be issued in the future is refused, whatever its issuer says.
	 */
	private void checkLifetime(JWTClaimsSet claims) throws InvalidTokenException {
		java.time.Instant now = clock.instant();
		java.time.Instant expiry = claims.getExpirationTime().toInstant();
		java.time.Instant issued = claims.getIssueTime() == null ? null : claims.getIssueTime().toInstant();
		if (issued != null && issued.isAfter(now.plus(CLOCK_SKEW))) {
			throw new InvalidTokenException("the bearer token's iat is in the future");
		}
		java.time.Instant from = issued == null ? now : issued;
		if (java.time.Duration.between(from, expiry).compareTo(maxLifetime.plus(CLOCK_SKEW)) > 0) {
			throw new InvalidTokenException("the bearer token lives longer than this server accepts (" + maxLifetime + ")");
		}
	}

	/** {@code scope} is a space-separated string (RFC 8693); some issuers send an array as {@code scp}. */
	private static String scope(JWTClaimsSet claims) throws ParseException {
		Object scope = claims.getClaim("scope");
		if (scope == null) {
			scope = claims.getClaim("scp");
		}
		if (scope instanceof List<?> list) {
			return String.join(" ", list.stream().map(String::valueOf).toList());
		}
		return scope == null ? "" : String.valueOf(scope);
	}
}
