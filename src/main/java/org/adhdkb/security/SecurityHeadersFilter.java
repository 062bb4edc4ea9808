package org.adhdkb.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;

/**
 * Headers every answer carries: browsers may not guess a content type, frame the HTML views or send our URLs as
 * referrers; and {@code X-Powered-By} no longer names HAPI's version and the FHIR version (HAPI sets it on every
 * answer; a version tells an attacker which published flaws to try).
 */
class SecurityHeadersFilter extends OncePerRequestFilter {

	static final String POWERED_BY = "adhdkb";

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		response.setHeader("X-Content-Type-Options", "nosniff");
		response.setHeader("X-Frame-Options", "DENY");
		response.setHeader("Content-Security-Policy", "frame-ancestors 'none'");
		response.setHeader("Referrer-Policy", "no-referrer");
		response.setHeader("X-Powered-By", POWERED_BY);
		chain.doFilter(request, new HttpServletResponseWrapper(response) {
			@Override
			public void setHeader(String name, String value) {
				super.setHeader(name, "X-Powered-By".equalsIgnoreCase(name) ? POWERED_BY : value);
			}

			@Override
			public void addHeader(String name, String value) {
				if ("X-Powered-By".equalsIgnoreCase(name)) {
					super.setHeader(name, POWERED_BY);
				} else {
					super.addHeader(name, value);
				}
			}
		});
	}
}
