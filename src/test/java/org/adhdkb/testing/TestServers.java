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
		if (all.containsKey("adhdkb.data-dir") && profiles.length == 0) {
			awaitH2Closed(all.get("adhdkb.data-dir"));
		}
		return new SpringApplicationBuilder(AdhdkbApplication.class)
				.profiles(profiles)
				.run(args.toArray(String[]::new));
	}

	/**
	 * A test that restarts a server in the same JVM on the same H2 file can reach the database while the engine is
	 * still closing it from the previous context ("The database has been closed", 90098). A new JVM never can, so
	 * the wait belongs here, not in the server: open the file until the engine answers, then let it go.
	 */
	private static void awaitH2Closed(String dataDir) {
		String url = "jdbc:h2:retry:file:" + java.nio.file.Path.of(dataDir).toAbsolutePath() + "/adhdkb;IFEXISTS=TRUE;DB_CLOSE_ON_EXIT=FALSE";
		for (int attempt = 0; attempt < 100; attempt++) {
			try (java.sql.Connection ignored = java.sql.DriverManager.getConnection(url, "sa", "")) {
				return;
			} catch (java.sql.SQLException e) {
				if (e.getErrorCode() != org.h2.api.ErrorCode.DATABASE_IS_CLOSED) {
					return; // no database yet (first start), or one the server will report on itself
				}
				try {
					Thread.sleep(100);
				} catch (InterruptedException interrupted) {
					Thread.currentThread().interrupt();
					return;
				}
			}
		}
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
