package org.adhdkb.server;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

import java.nio.file.Path;
import java.util.Map;

/**
 * Makes {@code adhdkb.data-dir} absolute before the H2 URL is built from it: H2 refuses paths that are implicitly
 * relative ({@code data} rather than {@code ./data}), and users should not have to know that.
 */
public class DataDirectoryResolver implements EnvironmentPostProcessor {

	static final String PROPERTY = "adhdkb.data-dir";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		String configured = environment.getProperty(PROPERTY, "./data");
		String absolute = Path.of(configured).toAbsolutePath().normalize().toString();
		environment.getPropertySources().addFirst(new MapPropertySource("adhdkbDataDir", Map.of(PROPERTY, absolute)));
	}
}
