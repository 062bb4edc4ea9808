package org.adhdkb.cache;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Serves repeated FHIR reads from memory. The knowledge is read-mostly and HAPI rebuilds every response from the
 * database (parsing and re-encoding a large MedicationKnowledge, narrative included, costs tens of milliseconds), so
 * a cached response is served for as long as the {@link ChangeCounter} says nothing was written since: through any
 * instance, a committed write retires every cached response before the next request.
 *
 * <p>Only plain GETs answered 200 are kept; not conditional reads (HAPI answers those), not paged search results
 * (their next links point at server-side state that expires), not {@code $apply} (its result is dated), and not
 * requests that carry credentials (a response may then depend on who asks).
 */
public class ResponseCacheFilter extends OncePerRequestFilter {

	static final String HEADER = "X-Adhdkb-Cache";
	private static final List<String> REPLAYED_HEADERS =
			List.of("Content-Type", "Content-Encoding", "Vary", "ETag", "Last-Modified", "Content-Location");

	private record CachedResponse(byte[] body, Map<String, String> headers) {}

	private final VersionedCache<String, CachedResponse> cache;

	/** Keeps at most {@code maximumBytes} of response bodies (a 74 KB MedicationKnowledge counts 74 KB). */
	public ResponseCacheFilter(ChangeCounter counter, long maximumBytes) {
		this.cache = new VersionedCache<>(counter, maximumBytes, response -> response.body().length + 256L);
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		if (!cacheable(request)) {
			chain.doFilter(request, response);
			return;
		}
		String key = key(request);
		long version = cache.currentVersion();
		CachedResponse cached = cache.getIfCurrent(key, version);
		if (cached != null) {
			response.setStatus(200);
			cached.headers().forEach(response::setHeader);
			response.setHeader(HEADER, "hit");
			response.setContentLength(cached.body().length);
			response.getOutputStream().write(cached.body());
			return;
		}
		ContentCachingResponseWrapper wrapper = new ContentCachingResponseWrapper(response);
		chain.doFilter(request, wrapper);
		byte[] body = wrapper.getContentAsByteArray();
		if (wrapper.getStatus() == 200 && !hasNextPage(body)) {
			Map<String, String> headers = new LinkedHashMap<>();
			for (String name : REPLAYED_HEADERS) {
				if (wrapper.getHeader(name) != null) {
					headers.put(name, wrapper.getHeader(name));
				}
			}
			cache.put(key, version, new CachedResponse(body, headers));
		}
		wrapper.setHeader(HEADER, "miss");
		wrapper.copyBodyToResponse();
	}

	private static boolean cacheable(HttpServletRequest request) {
		if (!"GET".equals(request.getMethod()) || request.getHeader("Authorization") != null
				|| request.getHeader("If-None-Match") != null || request.getHeader("If-Modified-Since") != null) {
			return false;
		}
		String cacheControl = request.getHeader("Cache-Control");
		if (cacheControl != null && cacheControl.contains("no-cache")) {
			return false;
		}
		String uri = request.getRequestURI();
		String query = request.getQueryString();
		return !uri.contains("$apply") && (query == null || !query.contains("_getpages"));
	}

	private static String key(HttpServletRequest request) {
		return request.getRequestURI() + '?' + request.getQueryString()
				+ "|accept=" + request.getHeader("Accept")
				// HAPI compresses for clients that accept gzip: the bytes differ by encoding
				+ "|encoding=" + request.getHeader("Accept-Encoding")
				+ "|prefer=" + request.getHeader("Prefer")
				+ "|host=" + request.getHeader("Host")
				+ "|forwarded=" + request.getHeader("X-Forwarded-Host") + request.getHeader("X-Forwarded-Proto");
	}

	private static boolean hasNextPage(byte[] body) {
		String text = new String(body, StandardCharsets.UTF_8);
		return text.contains("\"relation\":\"next\"") || text.contains("\"relation\": \"next\"")
				|| text.contains("<relation value=\"next\"/>");
	}

	@Configuration
	static class Registration {
		@Bean
		FilterRegistrationBean<ResponseCacheFilter> responseCache(ChangeCounter counter) {
			FilterRegistrationBean<ResponseCacheFilter> registration =
					new FilterRegistrationBean<>(new ResponseCacheFilter(counter, 64L * 1024 * 1024));
			registration.addUrlPatterns("/fhir/*");
			return registration;
		}
	}
}
