package org.adhdkb.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;

import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Verifies the JWT a CDS client sends with every call, as CDS Hooks 2.0 prescribes: an asymmetric signature
 * ({@code typ} JWT, a {@code kid}) by a key of an allow-listed issuer, from its configured JWK Set or from an
 * allow-listed {@code jku}; {@code aud} equal to the URL called; {@code exp} at most five minutes ahead; {@code iat};
 * a {@code jti} never seen before. No Java library does this for CDS Hooks: nimbus does the signature and claims,
 * this class the CDS Hooks rules around them.
 */
class CdsClientTokenVerifier {

	/** CDS Hooks: "exp ... SHALL be no more than five minutes in the future". */
	static final Duration MAX_LIFETIME = Duration.ofMinutes(5);
	static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

	private final Map<String, SecurityProperties.Client> clients;
	private final JwkSources keys;
	private final ReplayCache replays;
	private final Clock clock;

	CdsClientTokenVerifier(SecurityProperties.Cds properties, JwkSources keys, Clock clock) {
		this.clients = properties.getClients().stream()
				.collect(Collectors.toMap(SecurityProperties.Client::getIssuer, Function.identity(), (a, b) -> a));
		this.keys = keys;
		this.replays = new ReplayCache(properties.getReplayCacheSize(), clock);
		this.clock = clock;
	}

	/** Returns the issuer of a valid token for a call to {@code audience}, or says why the token is refused. */
	String verify(String token, String audience) throws InvalidTokenException {
		SignedJWT jwt = parse(token);
		JWSHeader header = jwt.getHeader();
		if (!JwkSources.ALGORITHMS.contains(header.getAlgorithm())) {
			throw new InvalidTokenException("alg " + header.getAlgorithm() + " is not accepted; sign with RS384 or ES384");
		}
		if (!JOSEObjectType.JWT.equals(header.getType())) {
			throw new InvalidTokenException("the JWT header must have typ JWT");
		}
		if (header.getKeyID() == null) {
			throw new InvalidTokenException("the JWT header has no kid");
		}
		String issuer = unverifiedIssuer(jwt);
		SecurityProperties.Client client = clients.get(issuer);
		if (client == null) {
			throw new InvalidTokenException("issuer " + issuer + " is not allowed");
		}
		JWTClaimsSet claims = verifySignatureAndClaims(jwt, keySource(client, header), issuer, audience);

		Instant now = clock.instant();
		Instant expiry = claims.getExpirationTime().toInstant();
		if (expiry.isAfter(now.plus(MAX_LIFETIME).plus(CLOCK_SKEW))) {
			throw new InvalidTokenException("exp is more than five minutes ahead");
		}
		if (claims.getIssueTime().toInstant().isAfter(now.plus(CLOCK_SKEW))) {
			throw new InvalidTokenException("iat is in the future");
		}
		switch (replays.record(issuer, claims.getJWTID(), expiry.plus(CLOCK_SKEW))) {
			case REPLAY -> throw new InvalidTokenException("jti " + claims.getJWTID() + " was already used");
			case FULL -> throw new InvalidTokenException("too many recent tokens; retry with a new token shortly");
			case FIRST_USE -> { }
		}
		return issuer;
	}

	private static SignedJWT parse(String token) throws InvalidTokenException {
		JWT jwt;
		try {
			jwt = JWTParser.parse(token);
		} catch (ParseException e) {
			throw new InvalidTokenException("the bearer token is not a JWT");
		}
		if (!(jwt instanceof SignedJWT signed)) {
			throw new InvalidTokenException("alg " + jwt.getHeader().getAlgorithm() + " is not accepted: the JWT must be signed");
		}
		return signed;
	}

	private static String unverifiedIssuer(SignedJWT jwt) throws InvalidTokenException {
		try {
			String issuer = jwt.getJWTClaimsSet().getIssuer();
			if (issuer == null) {
				throw new InvalidTokenException("the JWT has no iss");
			}
			return issuer;
		} catch (ParseException e) {
			throw new InvalidTokenException("the JWT claims are not readable");
		}
	}

	private JWKSource<SecurityContext> keySource(SecurityProperties.Client client, JWSHeader header)
			throws InvalidTokenException {
		if (header.getJWKURL() != null) {
			String jku = header.getJWKURL().toString();
			if (!client.getAllowedJku().contains(jku)) {
				throw new InvalidTokenException("jku " + jku + " is not allowed for issuer " + client.getIssuer());
			}
			if (!client.getJwksUri().isBlank()) {
				// the key set configured for the client is used first: the jku is fetched only for a kid it lacks
				// (a client behind a firewall, such as the CDS Hooks Sandbox, names a jku we need not reach)
				return JwkSources.firstOf(keys.forUrl(client.getJwksUri()), keys.forUrl(jku));
			}
			return keys.forUrl(jku);
		}
		if (client.getJwksUri().isBlank()) {
			throw new InvalidTokenException("no keys are configured for issuer " + client.getIssuer() + "; send a jku");
		}
		return keys.forUrl(client.getJwksUri());
	}

	private static JWTClaimsSet verifySignatureAndClaims(
			SignedJWT jwt, JWKSource<SecurityContext> source, String issuer, String audience)
			throws InvalidTokenException {
		DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
		processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT));
		processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JwkSources.ALGORITHMS, source));
		// mutable sets: nimbus asks them contains(null), which Set.of answers with a NullPointerException
		DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
				new HashSet<>(List.of(audience, audience + "/")),
				new JWTClaimsSet.Builder().issuer(issuer).build(),
				new HashSet<>(List.of("iss", "aud", "exp", "iat", "jti")),
				null);
		claims.setMaxClockSkew((int) CLOCK_SKEW.toSeconds());
		processor.setJWTClaimsSetVerifier(claims);
		try {
			return processor.process(jwt, null);
		} catch (BadJOSEException e) {
			String message = e.getMessage();
			if (message != null && message.contains("no matching key")) {
				throw new InvalidTokenException("no key of issuer " + issuer + " has kid " + jwt.getHeader().getKeyID());
			}
			throw new InvalidTokenException("the JWT is not valid: " + message);
		} catch (JOSEException e) {
			throw new InvalidTokenException("the JWT signature could not be checked: " + e.getMessage());
		}
	}
}
