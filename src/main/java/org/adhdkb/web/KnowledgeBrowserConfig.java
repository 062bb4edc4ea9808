package org.adhdkb.web;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The knowledge browser is static files (HTML, CSS, ES modules in {@code src/main/resources/static/}) that Spring Boot
 * serves at {@code /}, with {@code index.html} as the welcome page; they read everything from {@code /fhir} and
 * {@code /cds-services} like any other client. Only their response headers need wiring.
 */
@Configuration
public class KnowledgeBrowserConfig {

	@Bean
	FilterRegistrationBean<KnowledgeBrowserHeaders> knowledgeBrowserHeaders() {
		FilterRegistrationBean<KnowledgeBrowserHeaders> registration = new FilterRegistrationBean<>(new KnowledgeBrowserHeaders());
		registration.addUrlPatterns("/*");
		registration.setName("knowledgeBrowserHeaders");
		return registration;
	}
}
