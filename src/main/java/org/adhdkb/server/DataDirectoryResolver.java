package org.adhdkb.server;

import org.adhdkb.content.ContentPackage;
import org.apache.commons.logging.Log;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

import java.nio.file.Path;
import java.util.Map;

/**
 * Makes {@code adhdkb.data-dir} absolute before the H2 URL is built from it: H2 refuses paths that are implicitly
 * relative ({@code data} rather than {@code ./data}), and users should not have to know that. A new data directory of
 * the embedded database starts from the {@link DatabaseImage} named by {@code adhdkb.startup.database-image} when it
 * was made from the same content.
 */
public class DataDirectoryResolver implements EnvironmentPostProcessor {

	static final String PROPERTY = "adhdkb.data-dir";
	static final String DATABASE_IMAGE = "adhdkb.startup.database-image";

	private final Log log;

	public DataDirectoryResolver(DeferredLogFactory logFactory) {
		this.log = logFactory.getLog(DataDirectoryResolver.class);
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		String configured = environment.getProperty(PROPERTY, "./data");
		Path absolute = Path.of(configured).toAbsolutePath().normalize();
		environment.getPropertySources().addFirst(new MapPropertySource("adhdkbDataDir", Map.of(PROPERTY, absolute.toString())));

		String image = environment.getProperty(DATABASE_IMAGE, "");
		String url = environment.getProperty("spring.datasource.url", "");
		boolean embedded = url.startsWith("jdbc:h2:") && url.contains(absolute.resolve("adhdkb") + ";");
		if (!image.isBlank() && embedded && environment.getProperty("adhdkb.content.load", Boolean.class, true)) {
			String location = environment.getProperty("adhdkb.content.location", "classpath:fhir-resources/");
			DatabaseImage.seed(absolute, Path.of(image), () -> ContentPackage.read(location).contentHash(), log::info);
		}
	}
}
