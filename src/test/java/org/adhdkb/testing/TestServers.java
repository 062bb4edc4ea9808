package org.adhdkb.testing;

import org.adhdkb.AdhdkbApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts and stops whole server instances, for tests that restart a server or run several on one database. */
public final class TestServers {

	private TestServers() {}

	/** Starts a server on a free port with the given properties (as {@code --key=value} arguments). */
	public static ConfigurableApplicationContext start(Map<String, String> properties, String... profiles) {
		List<String> args = new ArrayList<>();
		args.add("--server.port=0");
		properties.forEach((key, value) -> args.add("--" + key + "=" + value));
		return new SpringApplicationBuilder(AdhdkbApplication.class)
				.profiles(profiles)
				.run(args.toArray(String[]::new));
	}

	public static String fhirBase(ConfigurableApplicationContext context) {
		return "http://localhost:" + context.getEnvironment().getProperty("local.server.port") + "/fhir";
	}
}
