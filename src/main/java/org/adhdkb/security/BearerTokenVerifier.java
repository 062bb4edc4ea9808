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

	private final DefaultJWTProcessor<SecurityContext> processor;

	BearerTokenVerifier(SecurityProperties properties, JwkSources keys) {
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
