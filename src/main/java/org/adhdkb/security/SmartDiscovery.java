package org.adhdkb.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.adhdkb.server.FhirServerCustomizer;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestSecurityComponent;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.UriType;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * SMART App Launch discovery, published when a token issuer is configured ({@code adhdkb.security.issuer}): the
 * {@code [base]/.well-known/smart-configuration} document (SMART App Launch 2.x, "Conformance") at
 * {@code /fhir/.well-known/smart-configuration}, and the CapabilityStatement's {@code rest.security} with the
 * SMART-on-FHIR service and the {@code oauth-uris} extension. Both say what this server does: it accepts bearer
 * tokens of that issuer, checked against its JWK Set, with the SMART scopes {@link SmartScopes} understands.
 *
 * <p>Written here because neither HAPI nor Spring publishes SMART discovery. The document is answered by a servlet
 * filter ahead of the bearer-token filter: discovery is how a client learns where to get a token, so it never needs
 * one, even when reads do.
 */
@Configuration
@EnableConfigurationProperties(SmartDiscovery.Settings.class)
public class SmartDiscovery {

	static final String PATH = "/fhir/.well-known/smart-configuration";
	static final String SECURITY_SERVICE_SYSTEM = "http://terminology.hl7.org/CodeSystem/restful-security-service";
	static final String OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

	/** The authorization server's endpoints and what this server supports, under {@code adhdkb.security.smart}. */
	@ConfigurationProperties(prefix = "adhdkb.security.smart")
	public static class Settings {
		/** The issuer's OAuth token endpoint; published when set. */
		private String tokenEndpoint = "";
		/** The issuer's OAuth authorization endpoint (for user-facing launches); published when set. */
		private String authorizationEndpoint = "";
		/** Scopes this server honours (see SmartScopes): system and user scopes, SMART v2 and v1 syntax. */
		private List<String> scopesSupported = new ArrayList<>(List.of(
				"system/*.cruds", "system/*.rs", "system/*.cud", "user/*.cruds", "user/*.rs", "user/*.cud",
				"system/*.read", "system/*.write", "user/*.read", "user/*.write"));
		/**
		 * SMART capabilities: asymmetric client authentication (backend services, as knowledge-authoring tools use),
		 * user-level scopes, and both scope syntaxes. Add launch capabilities when the authorization server offers them.
		 */
		private List<String> capabilities = new ArrayList<>(List.of(
				"client-confidential-asymmetric", "permission-user", "permission-v1", "permission-v2"));
		/** OAuth grant types the authorization server offers; by default client_credentials, plus authorization_code when an authorization endpoint is set. */
		private List<String> grantTypesSupported = new ArrayList<>();

		public String getTokenEndpoint() {
			return tokenEndpoint;
		}

		public void setTokenEndpoint(String tokenEndpoint) {
			this.tokenEndpoint = tokenEndpoint;
		}

		public String getAuthorizationEndpoint() {
			return authorizationEndpoint;
		}

		public void setAuthorizationEndpoint(String authorizationEndpoint) {
			this.authorizationEndpoint = authorizationEndpoint;
		}

		public List<String> getScopesSupported() {
			return scopesSupported;
		}

		public void setScopesSupported(List<String> scopesSupported) {
			this.scopesSupported = scopesSupported;
		}

		public List<String> getCapabilities() {
			return capabilities;
		}

		public void setCapabilities(List<String> capabilities) {
			this.capabilities = capabilities;
		}

		public List<String> getGrantTypesSupported() {
			return grantTypesSupported;
		}

		public void setGrantTypesSupported(List<String> grantTypesSupported) {
			this.grantTypesSupported = grantTypesSupported;
		}
	}

	@Bean
	FilterRegistrationBean<DiscoveryFilter> smartConfigurationFilter(SecurityProperties security, Settings settings) {
		FilterRegistrationBean<DiscoveryFilter> registration =
				new FilterRegistrationBean<>(new DiscoveryFilter(document(security, settings)));
		// after CORS (+10) and the request size limit (+20), before the bearer-token filter (+30)
		registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 25);
		registration.setUrlPatterns(List.of(PATH));
		registration.setEnabled(!security.getIssuer().isBlank());
		return registration;
	}

	@Bean
	FhirServerCustomizer smartCapabilityStatement(SecurityProperties security, Settings settings) {
		return server -> {
			if (!security.getIssuer().isBlank()) {
				server.registerInterceptor(new CapabilityStatementSecurity(settings));
			}
		};
	}

	/** The smart-configuration document, fixed for the server's life. */
	static String document(SecurityProperties security, Settings settings) {
		ObjectNode json = new ObjectMapper().createObjectNode();
		json.put("issuer", security.getIssuer());
		if (!security.getJwksUri().isBlank()) {
			json.put("jwks_uri", security.getJwksUri());
		}
		if (!settings.getAuthorizationEndpoint().isBlank()) {
			json.put("authorization_endpoint", settings.getAuthorizationEndpoint());
		}
		if (!settings.getTokenEndpoint().isBlank()) {
			json.put("token_endpoint", settings.getTokenEndpoint());
			json.putArray("token_endpoint_auth_methods_supported").add("private_key_jwt");
			json.putArray("token_endpoint_auth_signing_alg_values_supported").add("RS384").add("ES384");
		}
		List<String> grantTypes = new ArrayList<>(settings.getGrantTypesSupported());
		if (grantTypes.isEmpty()) {
			grantTypes.add("client_credentials");
			if (!settings.getAuthorizationEndpoint().isBlank()) {
				grantTypes.add("authorization_code");
			}
		}
		strings(json.putArray("grant_types_supported"), grantTypes);
		if (!settings.getAuthorizationEndpoint().isBlank()) {
			json.putArray("code_challenge_methods_supported").add("S256");
			json.putArray("response_types_supported").add("code");
		}
		strings(json.putArray("scopes_supported"), settings.getScopesSupported());
		strings(json.putArray("capabilities"), settings.getCapabilities());
		return json.toString();
	}

	private static void strings(ArrayNode array, List<String> values) {
		values.stream().filter(value -> !value.isBlank()).forEach(array::add);
	}

	/** Answers GET (and HEAD) of the document itself; any other method is 405. */
	static final class DiscoveryFilter extends OncePerRequestFilter {
		private final byte[] document;

		DiscoveryFilter(String document) {
			this.document = document.getBytes(StandardCharsets.UTF_8);
		}

		@Override
		protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
				throws ServletException, IOException {
			if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
				response.setStatus(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
				response.setHeader("Allow", "GET, HEAD");
				response.setContentType("application/json");
				response.getOutputStream().write("{\"error\":\"only GET\"}".getBytes(StandardCharsets.UTF_8));
				return;
			}
			response.setStatus(HttpServletResponse.SC_OK);
			response.setContentType("application/json");
			response.setContentLength(document.length);
			if ("GET".equals(request.getMethod())) {
				response.getOutputStream().write(document);
			}
		}
	}

	/** The CapabilityStatement's {@code rest.security}: SMART-on-FHIR, and the OAuth endpoints that are known. */
	@Interceptor
	static final class CapabilityStatementSecurity {
		private final Settings settings;

		CapabilityStatementSecurity(Settings settings) {
			this.settings = settings;
		}

		@Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
		public void describeSecurity(IBaseConformance conformance) {
			if (!(conformance instanceof CapabilityStatement capabilities)) {
				return;
			}
			for (CapabilityStatement.CapabilityStatementRestComponent rest : capabilities.getRest()) {
				CapabilityStatementRestSecurityComponent security = rest.getSecurity();
				security.setCors(true);
				security.addService().setText("OAuth2 bearer tokens with SMART App Launch scopes")
						.addCoding().setSystem(SECURITY_SERVICE_SYSTEM).setCode("SMART-on-FHIR").setDisplay("SMART-on-FHIR");
				security.setDescription("Reads are open unless configured otherwise; writes need a bearer token of the "
						+ "configured issuer with SMART scopes. Discovery: .well-known/smart-configuration.");
				if (!settings.getTokenEndpoint().isBlank() || !settings.getAuthorizationEndpoint().isBlank()) {
					Extension oauth = security.addExtension().setUrl(OAUTH_URIS);
					if (!settings.getTokenEndpoint().isBlank()) {
						oauth.addExtension("token", new UriType(settings.getTokenEndpoint()));
					}
					if (!settings.getAuthorizationEndpoint().isBlank()) {
						oauth.addExtension("authorize", new UriType(settings.getAuthorizationEndpoint()));
					}
				}
			}
		}
	}
}
