package org.adhdkb.testing;

import org.adhdkb.AdhdkbApplication;
import org.adhdkb.security.TestIssuer;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts and stops whole server instances, for tests that restart a server or run several on one database. */
public final class TestServers {

	private TestServers() {}

	/**
	 * Starts a server on a free port with the given properties (as {@code --key=value} arguments). It trusts the tests'
	 * {@link TestIssuer} unless the properties say otherwise.
	 */
	public static ConfigurableApplicationContext start(Map<String, String> properties, String... profiles) {
		List<String> args = new ArrayList<>();
		args.add("--server.port=0");
		Map<String, String> all = new java.util.LinkedHashMap<>(TestIssuer.serverProperties());
		all.putAll(properties);
		all.forEach((key, value) -> args.add("--" + key + "=" + value));
		return new SpringApplicationBuilder(AdhdkbApplication.class)
				.profiles(profiles)
				.run(args.toArray(String[]::new));
	}

	/** HAPI's generic client for a started server; its writes carry a token with the authoring scope. */
	public static ca.uhn.fhir.rest.client.api.IGenericClient client(ConfigurableApplicationContext context) {
		ca.uhn.fhir.rest.client.api.IGenericClient client =
				ca.uhn.fhir.context.FhirContext.forR4Cached().newRestfulGenericClient(fhirBase(context));
		client.registerInterceptor(TestIssuer.authorWrites());
		return client;
	}

	public static String fhirBase(ConfigurableApplicationContext context) {
		return "http://localhost:" + context.getEnvironment().getProperty("local.server.port") + "/fhir";
	}
}
