package org.adhdkb.content;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import org.adhdkb.cache.ChangeCounter;
import org.adhdkb.testing.ServerTestBase;
import org.adhdkb.testing.TestFiles;
import org.adhdkb.testing.TestServers;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Loading the content package into a running server: idempotent, change-aware, and refusing bad content. */
class ContentLoadingTest extends ServerTestBase {

	@Autowired
	ContentLoader loader;

	@Autowired
	ContentState state;

	@Autowired
	ChangeCounter changeCounter;

	@Test
	void everyFileOfThePackageIsServed() {
		ContentPackage contentPackage = ContentPackage.read("fhir-resources");
		IGenericClient client = client();
		for (ContentFile file : contentPackage.files()) {
			var resource = client.read().resource(file.folder()).withId(file.stem()).execute();
			assertThat(resource.getIdElement().getIdPart()).isEqualTo(file.stem());
		}
	}

	@Test
	void loadingUnchangedContentAgainWritesNothing() {
		ContentLoader.LoadReport report = loader.load(ContentPackage.read("fhir-resources"));
		assertThat(report.totalWritten()).isZero();
		assertThat(report.unchanged().values().stream().mapToInt(Integer::intValue).sum())
				.isEqualTo(ContentPackage.read("fhir-resources").files().size());
	}

	@Test
	void aWriteThroughRestIsUndoneByTheNextLoadEvenWhenThePackageIsUnchanged() {
		ContentPackage shipped = ContentPackage.read("fhir-resources");
		loader.load(shipped);
		loader.load(shipped);
		assertThat(state.isLoaded(shipped.hash(ContentChecker.RULES), changeCounter.current()))
				.as("an unchanged package loaded twice is recorded as loaded").isTrue();

		ValueSet edited = client().read().resource(ValueSet.class).withId("atomoxetine-products").execute();
		edited.setTitle("Edited over REST");
		client().update().resource(edited).execute();

		ContentLoader.LoadReport report = loader.load(shipped);
		assertThat(report.written()).containsExactly(Map.entry("ValueSet", 1));
		assertThat(client().read().resource(ValueSet.class).withId("atomoxetine-products").execute().getTitle())
				.isNotEqualTo("Edited over REST");
	}

	@Test
	void aChangedFileIsWrittenAndOnlyThatOne(@TempDir Path dir) throws IOException {
		TestFiles.copyTree(Path.of("fhir-resources"), dir);
		Path valueSet = dir.resolve("ValueSet/atomoxetine-products.json");
		String original = Files.readString(valueSet);
		String edited = original.replaceFirst("\"title\": \"[^\"]*\"", "\"title\": \"Atomoxetine products (edited)\"");
		assertThat(edited).isNotEqualTo(original);
		Files.writeString(valueSet, edited);
		try {
			ContentLoader.LoadReport report = loader.load(ContentPackage.read(dir.toString()));
			assertThat(report.written()).containsExactly(Map.entry("ValueSet", 1));
			ValueSet served = client().read().resource(ValueSet.class).withId("atomoxetine-products").execute();
			assertThat(served.getTitle()).isEqualTo("Atomoxetine products (edited)");
		} finally {
			// put the shipped content back for the other tests sharing this server
			loader.load(ContentPackage.read("fhir-resources"));
		}
		assertThat(client().read().resource(ValueSet.class).withId("atomoxetine-products").execute().getTitle())
				.isNotEqualTo("Atomoxetine products (edited)");
	}

	@Test
	void invalidContentIsRefusedWithoutWritingAnything(@TempDir Path dir) throws IOException {
		TestFiles.copyTree(Path.of("fhir-resources"), dir);
		Path valueSet = dir.resolve("ValueSet/atomoxetine-products.json");
		Files.writeString(valueSet, Files.readString(valueSet).replaceFirst("\"title\": \"[^\"]*\"", "\"title\": \"Changed\""));
		Files.writeString(dir.resolve("ValueSet/broken.json"), "{\"resourceType\":\"ValueSet\",\"id\":\"broken\",\"bogus\":1}");

		assertThatThrownBy(() -> loader.load(ContentPackage.read(dir.toString())))
				.isInstanceOf(InvalidContentException.class)
				.hasMessageContaining("ValueSet/broken.json");
		assertThat(client().read().resource(ValueSet.class).withId("atomoxetine-products").execute().getTitle())
				.as("a refused package writes none of its files").isNotEqualTo("Changed");
	}

	@Test
	void invalidContentStopsStartupNamingEveryProblem(@TempDir Path dir) throws IOException {
		TestFiles.copyTree(Path.of("fhir-resources"), dir);
		Files.writeString(dir.resolve("ValueSet/broken-one.json"), "{\"resourceType\":\"ValueSet\",\"id\":\"broken-one\",\"bogus\":1}");
		Files.writeString(dir.resolve("ValueSet/broken-two.json"), "{\"resourceType\":\"ValueSet\",\"id\":\"other\"}");
		assertThatThrownBy(() -> TestServers.start(Map.of(
						"adhdkb.data-dir", dir.resolve("db").toString(),
						"adhdkb.content.location", "file:" + dir + "/")))
				.satisfies(failure -> assertThat(rootCause(failure))
						.isInstanceOf(InvalidContentException.class)
						.hasMessageContaining("ValueSet/broken-one.json")
						.hasMessageContaining("ValueSet/broken-two.json"));
	}

	private static Throwable rootCause(Throwable failure) {
		Throwable cause = failure;
		while (cause.getCause() != null && cause.getCause() != cause) {
			cause = cause.getCause();
		}
		return cause;
	}
}
