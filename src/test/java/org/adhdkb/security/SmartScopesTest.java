package org.adhdkb.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import org.adhdkb.security.SmartScopes.Permission;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The scope grammar, and local-writes mode (which has no token at all, so only the rule list can show it). */
class SmartScopesTest {

	@Test
	void smartV2Scopes() {
		SmartScopes scopes = SmartScopes.parse("system/*.cud user/MedicationKnowledge.u user/ValueSet.rs launch openid");
		assertThat(scopes.isAuthor()).isTrue();
		assertThat(scopes.allows("Patient", Permission.CREATE)).isTrue();
		assertThat(scopes.allows("Patient", Permission.READ)).isFalse();
		assertThat(scopes.allows("ValueSet", Permission.SEARCH)).isTrue();
		assertThat(scopes.grants().get("MedicationKnowledge")).contains(Permission.UPDATE, Permission.CREATE, Permission.DELETE);
	}

	@Test
	void updateOnlyIsNotAuthor() {
		SmartScopes scopes = SmartScopes.parse("user/MedicationKnowledge.u");
		assertThat(scopes.isAuthor()).isFalse();
		assertThat(scopes.allows("MedicationKnowledge", Permission.UPDATE)).isTrue();
		assertThat(scopes.allows("MedicationKnowledge", Permission.CREATE)).isFalse();
		assertThat(scopes.allows("Patient", Permission.UPDATE)).isFalse();
	}

	@Test
	void smartV1Scopes() {
		SmartScopes scopes = SmartScopes.parse("user/*.read system/Patient.write");
		assertThat(scopes.allows("ValueSet", Permission.READ)).isTrue();
		assertThat(scopes.allows("Patient", Permission.DELETE)).isTrue();
		assertThat(scopes.allows("ValueSet", Permission.CREATE)).isFalse();
		assertThat(SmartScopes.parse("system/*.*").isAuthor()).isTrue();
	}

	@Test
	void patientScopesQueriesAndJunkGrantNothing() {
		SmartScopes scopes = SmartScopes.parse("patient/*.cruds user/Observation.rs?category=vital-signs user/*.x  system/*.dc");
		assertThat(scopes.grants()).isEmpty();
		assertThat(SmartScopes.parse(null).grants()).isEmpty();
	}

	@Test
	void localWritesAllowAllAndIsOffByDefault() {
		SecurityProperties properties = new SecurityProperties();
		assertThat(properties.isLocalWrites()).isFalse();
		List<IAuthRule> byDefault = new ScopeAuthorizationInterceptor(FhirContext.forR4Cached(), properties).buildRuleList(null);
		assertThat(byDefault.get(byDefault.size() - 1).getName()).isEqualTo("not allowed");
		properties.setLocalWrites(true);
		List<IAuthRule> local = new ScopeAuthorizationInterceptor(FhirContext.forR4Cached(), properties).buildRuleList(null);
		assertThat(local).hasSize(1);
		assertThat(local.get(0).getName()).isEqualTo("local writes are on");
	}
}
