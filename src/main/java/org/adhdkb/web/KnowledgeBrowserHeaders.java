package org.adhdkb.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;

/**
 * Response headers of the knowledge browser (the static pages Spring Boot serves from {@code classpath:/static/} at
 * {@code /}; {@code /fhir} and {@code /cds-services} are not touched).
 *
 * <p>The pages load only their own scripts, styles and data, so the browser is told to refuse anything else: a strict
 * Content-Security-Policy with no inline script or style and no other origin. The browser tests run under it, so a
 * page that needed an inline handler would fail there. {@code no-cache} makes a browser revalidate the ES modules on
 * each visit (a 304 on an unchanged file), so an upgraded server never runs old and new modules side by side.
 */
class KnowledgeBrowserHeaders extends OncePerRequestFilter {

	static final String CONTENT_SECURITY_POLICY = String.join("; ",
			"default-src 'none'",
			"script-src 'self'",
			"style-src 'self'",
			"img-src 'self' data:",
			"connect-src 'self'",
			"base-uri 'none'",
			"form-action 'self'",
			"frame-ancestors 'none'");

	/** Only the browser's own files: the welcome page and everything under /ui/. */
	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		String path = request.getRequestURI().substring(request.getContextPath().length());
		return !(path.equals("/") || path.equals("/index.html") || path.startsWith("/ui/"));
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		response.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
		response.setHeader("X-Content-Type-Options", "nosniff");
		response.setHeader("Referrer-Policy", "no-referrer");
		response.setHeader("Cache-Control", "no-cache");
		chain.doFilter(request, response);
	}
}
