package org.adhdkb.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import org.adhdkb.server.FhirServerCustomizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.apache.catalina.core.StandardHost;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import org.springframework.web.filter.CorsFilter;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Who may do what on /fhir and /cds-services. Servlet filters, in this order, all before the response cache (which
 * has the lowest precedence): CORS (a browser's preflight carries no token), the request size limit, the bearer token
 * on /fhir, the CDS client JWT on /cds-services. Then inside HAPI: the scope rules and the audit trail of writes.
 */
@Configuration
@EnableConfigurationProperties(SecurityProperties.class)
public class SecurityConfig {

	private static final Logger LOG = LoggerFactory.getLogger(SecurityConfig.class);
	private static final List<String> FHIR = List.of("/fhir/*");
	private static final List<String> CDS = List.of("/cds-services", "/cds-services/*");

	@Bean
	JwkSources jwkSources() {
		return new JwkSources();
	}

	@Bean
	FilterRegistrationBean<CorsFilter> corsFilter(SecurityProperties properties) {
		CorsConfiguration cors = new CorsConfiguration();
		cors.setAllowedOriginPatterns(properties.getCors().getAllowedOrigins());
		cors.setAllowedMethods(List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"));
		cors.setAllowedHeaders(List.of("Authorization", "Content-Type", "Accept", "Prefer", "If-Match",
				"If-None-Match", "If-None-Exist", "If-Modified-Since", "X-Requested-With"));
		cors.setExposedHeaders(List.of("Location", "Content-Location", "ETag", "Last-Modified", "WWW-Authenticate"));
		cors.setAllowCredentials(false);
		cors.setMaxAge(Duration.ofHours(1));
		UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
		// the filter is mapped to /fhir and /cds-services only; inside it every path gets the same rules
		source.registerCorsConfiguration("/**", cors);
		return register(new CorsFilter(source), Ordered.HIGHEST_PRECEDENCE + 10, concat(FHIR, CDS));
	}

	/** On every path, so the error page, the actuator and the HTML views carry the headers too. */
	@Bean
	FilterRegistrationBean<SecurityHeadersFilter> securityHeadersFilter() {
		return register(new SecurityHeadersFilter(), Ordered.HIGHEST_PRECEDENCE + 5, List.of("/*"));
	}

	/** After the token filters: an invalid token is refused before its body is received. */
	@Bean
	FilterRegistrationBean<RequestBodyFilter> requestBodyFilter(SecurityProperties properties) {
		return register(new RequestBodyFilter(new RequestBodyFilter.Limits(
						properties.getMaxRequestSize().toBytes(), properties.getMaxApplyRequestSize().toBytes(),
						properties.getLargeRequestSize().toBytes(), properties.getMaxConcurrentLargeRequests(),
						properties.getBodyReadTimeout(), properties.getMaxConcurrentBodyReads())),
				Ordered.HIGHEST_PRECEDENCE + 50, concat(FHIR, CDS));
	}

	@Bean
	FilterRegistrationBean<BearerTokenFilter> bearerTokenFilter(SecurityProperties properties, JwkSources keys) {
		if (properties.isLocalWrites()) {
			LOG.warn("adhdkb.security.local-writes is on: anyone who can reach this server may change its content");
		} else if (properties.getIssuer().isBlank()) {
			LOG.info("No token issuer configured (adhdkb.security.issuer): /fhir is read-only");
		}
		return register(new BearerTokenFilter(new BearerTokenVerifier(properties, keys), properties.isReadRequiresToken()),
				Ordered.HIGHEST_PRECEDENCE + 30, FHIR);
	}

	@Bean
	FilterRegistrationBean<CdsClientAuthFilter> cdsClientAuthFilter(SecurityProperties properties, JwkSources keys) {
		SecurityProperties.Cds cds = properties.getCds();
		FilterRegistrationBean<CdsClientAuthFilter> registration = register(
				new CdsClientAuthFilter(new CdsClientTokenVerifier(cds, keys, Clock.systemUTC()), cds.getPublicBaseUrl()),
				Ordered.HIGHEST_PRECEDENCE + 40, CDS);
		registration.setEnabled(cds.isEnabled());
		return registration;
	}

	@Bean
	FhirServerCustomizer securityInterceptors(
			FhirContext fhirContext, DaoRegistry daos, SecurityProperties properties) {
		return server -> {
			server.registerInterceptor(new ScopeAuthorizationInterceptor(fhirContext, properties));
			server.registerInterceptor(new WriteAuditTrail(daos));
			server.registerInterceptor(new RequestInputGuard());
			server.registerInterceptor(new NarrativeSanitizer(fhirContext));
			server.registerInterceptor(new BundleEntryLimit(properties.getMaxBundleEntries(), properties.getMaxBundleReadEntries()));
		};
	}

	/** Tomcat's own refusals (before any filter) as OperationOutcomes rather than HTML pages. */
	@Bean
	WebServerFactoryCustomizer<TomcatServletWebServerFactory> errorReportValve() {
		return factory -> factory.addContextCustomizers(context ->
				((StandardHost) context.getParent()).setErrorReportValveClass(ErrorReportValve.class.getName()));
	}

	private static <F extends jakarta.servlet.Filter> FilterRegistrationBean<F> register(F filter, int order, List<String> urls) {
		FilterRegistrationBean<F> registration = new FilterRegistrationBean<>(filter);
		registration.setOrder(order);
		registration.setUrlPatterns(urls);
		return registration;
	}

	private static List<String> concat(List<String> a, List<String> b) {
		return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
	}
}
