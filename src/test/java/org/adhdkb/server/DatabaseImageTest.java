package org.adhdkb.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.adhdkb.content.ContentLoader;
import org.adhdkb.content.ContentPackage;
import org.adhdkb.testing.TestFiles;
import org.adhdkb.testing.TestServers;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A first start copies the build's database image only when the content it serves is the content the image was made
 * from; with any other content it creates the database and loads the content itself, so it never serves stale content.
 */
class DatabaseImageTest {

	private static final String PACKAGED = "classpath:fhir-resources/";

	@Test
	void aNewDatabaseStartsFromTheImageOnlyWhenTheContentHashMatches(@TempDir Path temp) throws IOException {
		Path image = temp.resolve("image");
		int resources;
		try (ConfigurableApplicationContext first = TestServers.start(Map.of("adhdkb.data-dir", temp.resolve("a").toString()))) {
			resources = first.getBean(ContentLoader.class).getLastReport().totalWritten();
			assertThat(resources).as("a first start without an image writes the content").isPositive();
		}
		closeDatabase(temp.resolve("a"));
		DatabaseImage.save(temp.resolve("a"), image, ContentPackage.read(PACKAGED).contentHash());

		try (ConfigurableApplicationContext fromImage = TestServers.start(Map.of(
				"adhdkb.data-dir", temp.resolve("b").toString(),
				DataDirectoryResolver.DATABASE_IMAGE, image.toString()))) {
			assertThat(fromImage.getBean(ContentLoader.class).getLastReport().totalWritten())
					.as("the same content: the image is the database, nothing to write").isZero();
			ValueSet served = TestServers.client(fromImage).read().resource(ValueSet.class)
					.withId("atomoxetine-products").execute();
			assertThat(served.getTitle()).isEqualTo("Atomoxetine and its products");
		}

		// one title changed: the content hash differs from the image's
		Path edited = temp.resolve("content");
		TestFiles.copyTree(Path.of("target/classes/fhir-resources"), edited);
		Path file = edited.resolve("ValueSet/atomoxetine-products.json");
		ObjectMapper json = new ObjectMapper();
		ObjectNode valueSet = (ObjectNode) json.readTree(file.toFile());
		valueSet.put("title", "Atomoxetine products, edited");
		json.writeValue(file.toFile(), valueSet);

		try (ConfigurableApplicationContext changed = TestServers.start(Map.of(
				"adhdkb.data-dir", temp.resolve("c").toString(),
				"adhdkb.content.location", "file:" + edited + "/",
				DataDirectoryResolver.DATABASE_IMAGE, image.toString()))) {
			assertThat(changed.getBean(ContentLoader.class).getLastReport().totalWritten())
					.as("other content: the image is not used, every resource is written to a new database")
					.isEqualTo(resources);
			ValueSet served = TestServers.client(changed).read().resource(ValueSet.class)
					.withId("atomoxetine-products").execute();
			assertThat(served.getTitle()).isEqualTo("Atomoxetine products, edited");
		}
	}

	/** The engine may still be closing the stopped server's database: open it once more, so that its file is whole. */
	private static void closeDatabase(Path dataDir) {
		String url = "jdbc:h2:retry:file:" + dataDir.toAbsolutePath() + "/adhdkb;IFEXISTS=TRUE";
		for (int attempt = 0; ; attempt++) {
			try (java.sql.Connection ignored = java.sql.DriverManager.getConnection(url, "sa", "")) {
				return;
			} catch (java.sql.SQLException e) {
				if (attempt == 100) {
					throw new IllegalStateException(e);
				}
				try {
					Thread.sleep(100);
				} catch (InterruptedException interrupted) {
					throw new IllegalStateException(interrupted);
				}
			}
		}
	}
}
