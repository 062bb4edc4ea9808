package org.adhdkb.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;

/**
 * Refuses a CDS Hooks call without a valid client JWT with 401 and {@code {"error": ...}}, before it reaches the
 * endpoints. The JWT's audience must be the URL called: behind a proxy the configured public base URL, else the URL of
 * the request as it arrived here.
 */
class CdsClientAuthFilter extends OncePerRequestFilter {

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
		try {
			verifier.verify(authorization.substring(7).trim(), calledUrl(request));
		} catch (InvalidTokenException e) {
			refuse(response, e.getMessage());
			return;
		}
		chain.doFilter(request, response);
	}

	private String calledUrl(HttpServletRequest request) {
		return publicBaseUrl.isEmpty()
				? request.getRequestURL().toString()
				: publicBaseUrl + request.getRequestURI();
	}

	private static void refuse(HttpServletResponse response, String message) throws IOException {
		response.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
		ErrorResponses.json(response, 401, message);
	}
}
