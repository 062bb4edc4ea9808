package org.adhdkb.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.adhdkb.testing.ServerTestBase;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestSecurityComponent;
import org.hl7.fhir.r4.model.Extension;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SMART App Launch discovery over HTTP on the shared test server (which trusts the tests' issuer), and the document
 * and CapabilityStatement security with OAuth endpoints configured. What is checked is what SMART App Launch 2 requires
 * of {@code .well-known/smart-configuration} (issuer, jwks_uri, grant_types_supported, scopes_supported, capabilities;
 * token_endpoint and authorization_endpoint when there are such) and of a SMART server's CapabilityStatement
 * (service SMART-on-FHIR of restful-security-service, the oauth-uris extension).
 */
class SmartDiscoveryTest extends ServerTestBase {

	@Test
	void smartConfigurationIsPublishedUnderTheFhirBaseWithoutAToken() throws Exception {
		HttpResponse<String> response = get("/fhir/.well-known/smart-configuration");
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
		JsonNode smart = new ObjectMapper().readTree(response.body());
		assertThat(smart.path("issuer").asText()).isEqualTo(TestIssuer.serverProperties().get("adhdkb.security.issuer"));
		assertThat(smart.path("jwks_uri").asText()).isEqualTo(TestIssuer.serverProperties().get("adhdkb.security.jwks-uri"));
		assertThat(strings(smart.path("grant_types_supported"))).contains("client_credentials");
		assertThat(strings(smart.path("scopes_supported"))).contains("system/*.cruds", "user/*.read");
		assertThat(strings(smart.path("capabilities"))).contains("permission-v2", "client-confidential-asymmetric");
		// no token endpoint is configured for the test server, so none is claimed
		assertThat(smart.has("token_endpoint")).isFalse();

		assertThat(send("POST", "/fhir/.well-known/smart-configuration", "{}").statusCode()).isEqualTo(405);
	}

	@Test
	void theCapabilityStatementNamesSmartOnFhir() {
		CapabilityStatement capabilities = FHIR.newJsonParser()
				.parseResource(CapabilityStatement.class, get("/fhir/metadata").body());
		CapabilityStatementRestSecurityComponent security = capabilities.getRestFirstRep().getSecurity();
		assertThat(security.getService()).anySatisfy(service -> assertThat(service.getCoding()).anySatisfy(coding -> {
			assertThat(coding.getSystem()).isEqualTo("http://terminology.hl7.org/CodeSystem/restful-security-service");
			assertThat(coding.getCode()).isEqualTo("SMART-on-FHIR");
		}));
		assertThat(security.getCors()).isTrue();
	}

	@Test
	void configuredEndpointsArePublishedInBoth() throws Exception {
		SecurityProperties security = new SecurityProperties();
		security.setIssuer("https://auth.example.org/realms/kb");
		security.setJwksUri("https://auth.example.org/realms/kb/certs");
		SmartDiscovery.Settings settings = new SmartDiscovery.Settings();
		settings.setTokenEndpoint("https://auth.example.org/realms/kb/token");
		settings.setAuthorizationEndpoint("https://auth.example.org/realms/kb/auth");

		JsonNode smart = new ObjectMapper().readTree(SmartDiscovery.document(security, settings));
		assertThat(smart.path("token_endpoint").asText()).isEqualTo("https://auth.example.org/realms/kb/token");
		assertThat(smart.path("authorization_endpoint").asText()).isEqualTo("https://auth.example.org/realms/kb/auth");
		assertThat(strings(smart.path("grant_types_supported"))).containsExactly("client_credentials", "authorization_code");
		assertThat(strings(smart.path("code_challenge_methods_supported"))).containsExactly("S256");

		CapabilityStatement capabilities = new CapabilityStatement();
		capabilities.addRest();
		new SmartDiscovery.CapabilityStatementSecurity(settings).describeSecurity(capabilities);
		Extension oauth = capabilities.getRestFirstRep().getSecurity().getExtensionByUrl(SmartDiscovery.OAUTH_URIS);
		assertThat(oauth.getExtensionByUrl("token").getValue().primitiveValue()).isEqualTo("https://auth.example.org/realms/kb/token");
		assertThat(oauth.getExtensionByUrl("authorize").getValue().primitiveValue()).isEqualTo("https://auth.example.org/realms/kb/auth");
	}

	private static List<String> strings(JsonNode array) {
		List<String> values = new ArrayList<>();
		array.forEach(value -> values.add(value.asText()));
		return values;
	}
}
