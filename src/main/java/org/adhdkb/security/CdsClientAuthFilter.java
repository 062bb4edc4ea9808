package org.adhdkb.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;

/**
 * Refuses a CDS Hooks call without a valid client JWT with 401 and {@code {"error": ...}}, before it reaches the
 * endpoints. The JWT's audience must be the URL called: the configured public base URL plus the path; without one,
 * only a call made to a loopback name (localhost) is accepted, checked against the URL as it arrived here.
 */
class CdsClientAuthFilter extends OncePerRequestFilter {

	private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CdsClientAuthFilter.class);

	private final CdsClientTokenVerifier verifier;
	private final String publicBaseUrl;

	CdsClientAuthFilter(CdsClientTokenVerifier verifier, String publicBaseUrl) {
		this.verifier = verifier;
		this.publicBaseUrl = publicBaseUrl.endsWith("/")
				? publicBaseUrl.substring(0, publicBaseUrl.length() - 1) : publicBaseUrl;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String authorization = request.getHeader("Authorization");
		if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
			refuse(response, "a bearer JWT is required");
			return;
		}
		if (publicBaseUrl.isEmpty() && !LOOPBACK_NAMES.contains(request.getServerName().toLowerCase(java.util.Locale.ROOT))) {
			// the audience would follow the Host header, which the caller chooses: a token made for any host would do
			refuse(response, "this server checks a JWT's aud only against its configured public base URL; "
					+ "the host " + request.getServerName() + " is not configured (adhdkb.security.cds.public-base-url)");
			return;
		}
		try {
			verifier.verify(authorization.substring(7).trim(), calledUrl(request));
		} catch (InvalidTokenException e) {
			refuse(response, e.getMessage());
			return;
		}
		chain.doFilter(request, response);
	}

	/** Without a configured public base URL, only calls to a loopback name are checked (a local or test set-up). */
	private static final java.util.Set<String> LOOPBACK_NAMES = java.util.Set.of("localhost", "127.0.0.1", "[::1]", "::1");

	private String calledUrl(HttpServletRequest request) {
		return publicBaseUrl.isEmpty()
				? request.getRequestURL().toString()
				: publicBaseUrl + request.getRequestURI();
	}

	private static void refuse(HttpServletResponse response, String message) throws IOException {
		// an integrator whose client gets 401 (and shows "All clear!") needs the reason on the server side too
		LOG.info("CDS client JWT refused: {}", message);
		response.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
		ErrorResponses.json(response, 401, message);
	}
}
