package org.adhdkb.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.adhdkb.content.ContentFile;
import org.adhdkb.content.ContentPackage;
import org.hl7.fhir.r5.utils.NPMPackageGenerator;
import org.hl7.fhir.utilities.json.model.JsonObject;
import org.hl7.fhir.utilities.json.parser.JsonParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The content package as a standard FHIR NPM package: a gzipped tar with {@code package/package.json},
 * {@code package/.index.json} and one {@code package/{Type}-{id}.json} per resource, the layout the HL7 validator, IG
 * tooling and HAPI's package installer read.
 *
 * <p>The archive is written by the HL7 core library's {@link NPMPackageGenerator} (the one the IG Publisher uses), which
 * also builds {@code .index.json} with the library's own indexer; we only supply package.json and the files. The
 * package.json is the content's own ({@code fhir-resources/package.json}: name, version, canonical, fhirVersions,
 * dependencies), so the package says exactly what the content says.
 *
 * <p>The build runs {@link #main} at {@code package}, over the content it has already copied and validated
 * ({@code target/classes/fhir-resources}); the server builds the same archive for its package feed.
 */
public final class ContentPackageArchive {

	private static final ObjectMapper JSON = new ObjectMapper();

	private ContentPackageArchive() {}

	/** {@code main CONTENT_DIR OUTPUT_DIR}: writes {@code OUTPUT_DIR/<name>-<version>.tgz} and prints its path. */
	public static void main(String[] args) throws IOException {
		if (args.length != 2) {
			throw new IllegalArgumentException("usage: ContentPackageArchive CONTENT_DIR OUTPUT_DIR");
		}
		ContentPackage content = ContentPackage.read(args[0]);
		Path output = Path.of(args[1]).resolve(fileName(content));
		Files.createDirectories(output.getParent());
		Files.write(output, build(content));
		System.out.printf("FHIR package %s: %d resources%n", output, content.files().size());
	}

	/** The standard file name of the package: {@code <name>-<version>.tgz}. */
	public static String fileName(ContentPackage content) {
		return name(content) + "-" + content.version() + ".tgz";
	}

	public static String name(ContentPackage content) {
		if (content.manifest() == null || content.manifest().path("name").asText("").isBlank()) {
			throw new IllegalStateException("The content at " + content.location() + " has no package.json with a name");
		}
		return content.manifest().path("name").asText();
	}

	/** The package as a .tgz, in memory. */
	public static byte[] build(ContentPackage content) {
		name(content);
		Path archive = null;
		try {
			// The generator writes to a file (and a .manifest.json beside it): a temporary folder keeps both apart.
			Path folder = Files.createTempDirectory("adhdkb-package");
			archive = folder.resolve("package.tgz");
			JsonObject packageJson = JsonParser.parseObject(JSON.writeValueAsBytes(content.manifest()));
			NPMPackageGenerator generator = new NPMPackageGenerator(archive.toString(), packageJson);
			for (ContentFile file : content.files()) {
				generator.addFile(NPMPackageGenerator.Category.RESOURCE, packageFileName(file), file.content());
			}
			generator.finish();
			return Files.readAllBytes(archive);
		} catch (IOException e) {
			throw new UncheckedIOException("Cannot build the FHIR package of " + content.location(), e);
		} finally {
			if (archive != null) {
				deleteFolder(archive.getParent());
			}
		}
	}

	/** {@code {resourceType}-{id}.json}, the name the FHIR package specification and the IG Publisher use. */
	static String packageFileName(ContentFile file) {
		try {
			JsonNode resource = JSON.readTree(file.content());
			String type = resource.path("resourceType").asText("");
			String id = resource.path("id").asText("");
			if (type.isEmpty() || id.isEmpty()) {
				throw new IllegalStateException(file.path() + " has no resourceType or id");
			}
			return type + "-" + id + ".json";
		} catch (IOException e) {
			throw new UncheckedIOException(file.path() + " is not JSON", e);
		}
	}

	private static void deleteFolder(Path folder) {
		try (var files = Files.list(folder)) {
			for (Path file : files.toList()) {
				Files.deleteIfExists(file);
			}
			Files.deleteIfExists(folder);
		} catch (IOException e) {
			// a temporary folder left behind is harmless
		}
	}
}
