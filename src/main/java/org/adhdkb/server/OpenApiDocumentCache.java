package org.adhdkb.server;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;

import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds the OpenAPI document ({@code /fhir/api-docs}, HAPI's OpenApiInterceptor) once per server and serves it from
 * memory. HAPI builds it from scratch on every request: 6.8 CPU-seconds and 5.7 MB each, so a few anonymous requests
 * a second kept the server busy, and a query string defeated the response cache (whose key includes it). The document
 * depends on nothing a request can say but the format asked for, so the query string is dropped here, and the
 * document is built by one request at a time. It describes the server's capabilities, which change only with a
 * restart (new SearchParameters are rare; a restart refreshes it).
 */
public class OpenApiDocumentCache extends OncePerRequestFilter {

	private record Document(int status, String contentType, byte[] body) {}

	private final Map<String, Document> documents = new ConcurrentHashMap<>();

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		if (!"GET".equals(request.getMethod())) {
			chain.doFilter(request, response);
			return;
		}
		String accept = request.getHeader("Accept");
		String key = accept != null && accept.contains("yaml") ? "yaml" : accept != null && accept.contains("html") ? "html" : "json";
		Document document = documents.get(key);
		if (document == null) {
			synchronized (this) {
				document = documents.get(key);
				if (document == null) {
					ContentCachingResponseWrapper wrapper = new ContentCachingResponseWrapper(response);
					chain.doFilter(new WithoutQuery(request), wrapper);
					document = new Document(wrapper.getStatus(), wrapper.getContentType(), wrapper.getContentAsByteArray());
					if (document.status() == 200) {
						documents.put(key, document);
					}
					wrapper.copyBodyToResponse();
					return;
				}
			}
		}
		response.setStatus(document.status());
		if (document.contentType() != null) {
			response.setContentType(document.contentType());
		}
		response.setContentLength(document.body().length);
		response.getOutputStream().write(document.body());
	}

	/** The request as if it had no query string: the document must not depend on one. */
	private static final class WithoutQuery extends HttpServletRequestWrapper {
		WithoutQuery(HttpServletRequest request) {
			super(request);
		}

		@Override
		public String getQueryString() {
			return null;
		}

		@Override
		public String getParameter(String name) {
			return null;
		}

		@Override
		public Map<String, String[]> getParameterMap() {
			return Collections.emptyMap();
		}

		@Override
		public Enumeration<String> getParameterNames() {
			return Collections.emptyEnumeration();
		}

		@Override
		public String[] getParameterValues(String name) {
			return null;
		}
	}

	@Configuration
	static class Registration {
		@Bean
		FilterRegistrationBean<OpenApiDocumentCache> openApiDocumentCache() {
			FilterRegistrationBean<OpenApiDocumentCache> registration = new FilterRegistrationBean<>(new OpenApiDocumentCache());
			registration.addUrlPatterns(FhirRestConfig.FHIR_PATH + "/api-docs");
			// before the response cache, whose key has the query string
			registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 60);
			return registration;
		}
	}
}
