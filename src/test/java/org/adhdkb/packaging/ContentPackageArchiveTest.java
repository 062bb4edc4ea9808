package org.adhdkb.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.adhdkb.content.ContentFile;
import org.adhdkb.content.ContentPackage;
import org.hl7.fhir.utilities.npm.NpmPackage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The content as a FHIR NPM package, read back by the HL7 core library's own {@link NpmPackage} (the reader of the HL7
 * validator and the IG Publisher): the package's identity and dependencies, and every resource of the content listed
 * and loadable by canonical URL.
 */
class ContentPackageArchiveTest {

	/** What the build copies and validates, and packs at {@code package}. */
	static final String BUILT_CONTENT = "target/classes/fhir-resources";

	private static ContentPackage content;
	private static NpmPackage npm;

	@BeforeAll
	static void buildAndRead() throws IOException {
		content = ContentPackage.read(BUILT_CONTENT);
		npm = NpmPackage.fromPackage(new ByteArrayInputStream(ContentPackageArchive.build(content)));
	}

	@Test
	void thePackageSaysWhatTheContentsPackageJsonSays() {
		JsonNode manifest = content.manifest();
		assertThat(npm.name()).isEqualTo("org.adhdkb.content").isEqualTo(manifest.path("name").asText());
		assertThat(npm.version()).isEqualTo(manifest.path("version").asText());
		assertThat(npm.canonical()).isEqualTo("http://adhdkb.org/fhir");
		assertThat(npm.fhirVersion()).isEqualTo("4.0.1");
		// FHIR R4's core package, by the name and version the FHIR package registry publishes it under
		assertThat(npm.dependencies()).contains("hl7.fhir.r4.core#4.0.1");
	}

	@Test
	void everyResourceOfTheContentIsListedAndIndexed() throws IOException {
		Set<String> expected = content.files().stream().map(ContentPackageArchive::packageFileName).collect(Collectors.toSet());
		assertThat(expected).hasSize(content.files().size());
		List<String> listed = npm.listResources(resourceTypes());
		assertThat(listed).containsExactlyInAnyOrderElementsOf(expected);
		// .index.json is what NpmPackage lists from, and a package without it is not standard
		assertThat(npm.getFolders().get("package").hasFile(".index.json")).isTrue();
		assertThat(npm.getFolders().get("package").hasFile("package.json")).isTrue();
	}

	@Test
	void canonicalResourcesLoadByTheirUrl() throws IOException {
		for (String url : List.of("http://adhdkb.org/fhir/ValueSet/atomoxetine-products",
				"http://adhdkb.org/fhir/PlanDefinition/atomoxetine-titration", "http://loinc.org")) {
			try (InputStream resource = npm.loadByCanonical(url)) {
				assertThat(resource).as(url).isNotNull();
				assertThat(new ObjectMapper().readTree(resource).path("url").asText()).isEqualTo(url);
			}
		}
	}

	@Test
	void theBuildWritesTheStandardFileName(@TempDir Path output) throws IOException {
		ContentPackageArchive.main(new String[] {BUILT_CONTENT, output.toString()});
		Path tgz = output.resolve("org.adhdkb.content-" + content.version() + ".tgz");
		assertThat(tgz).exists();
		try (InputStream in = Files.newInputStream(tgz)) {
			assertThat(NpmPackage.fromPackage(in).name()).isEqualTo("org.adhdkb.content");
		}
	}

	private static Set<String> resourceTypes() {
		return content.files().stream().map(ContentFile::folder).collect(Collectors.toSet());
	}
}
