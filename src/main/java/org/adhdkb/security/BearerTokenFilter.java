package org.adhdkb.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;

/**
 * Verifies the bearer token of a /fhir request, if it has one, and keeps it on the request for the authorization rules.
 * A token that is sent must be valid (401 otherwise). When reads require a token, a request without one is refused here.
 *
 * <p>This runs before the response cache: a request without a token must never be answered from the cache when
 * tokens are required (HAPI's AuthorizationInterceptor runs only behind the cache).
 */
class BearerTokenFilter extends OncePerRequestFilter {

	static final String REALM = "adhdkb";

	private final BearerTokenVerifier verifier;
	private final boolean readRequiresToken;

	BearerTokenFilter(BearerTokenVerifier verifier, boolean readRequiresToken) {
		this.verifier = verifier;
		this.readRequiresToken = readRequiresToken;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String authorization = request.getHeader("Authorization");
		if (authorization == null) {
			if (readRequiresToken && !isPublic(request)) {
				response.setHeader("WWW-Authenticate", "Bearer realm=\"" + REALM + "\"");
				ErrorResponses.operationOutcome(request, response, 401, OperationOutcome.IssueType.LOGIN,
						"a bearer token is required");
				return;
			}
			chain.doFilter(request, response);
			return;
		}
		if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
			refuse(request, response, "only bearer tokens are accepted");
			return;
		}
		try {
			verifier.verify(authorization.substring(7).trim()).attachTo(request);
		} catch (InvalidTokenException e) {
			refuse(request, response, e.getMessage());
			return;
		}
		chain.doFilter(request, response);
	}

	private static void refuse(HttpServletRequest request, HttpServletResponse response, String message)
			throws IOException {
		response.setHeader("WWW-Authenticate", "Bearer realm=\"" + REALM + "\", error=\"invalid_token\", error_description=\""
				+ message.replace('"', '\'').replaceAll("[\\r\\n]", " ") + "\"");
		ErrorResponses.operationOutcome(request, response, 401, OperationOutcome.IssueType.LOGIN, message);
	}

	/** The CapabilityStatement tells a client how to authenticate, so it stays readable. */
	private static boolean isPublic(HttpServletRequest request) {
		return "GET".equals(request.getMethod()) && request.getRequestURI().equals(request.getContextPath() + "/fhir/metadata");
	}
}
