package org.adhdkb.content;

import org.adhdkb.cql.CompiledLibraries;
import org.adhdkb.cql.CqlTranslation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * The build's CQL step ({@code process-classes}): translates the CQL of the packaged content ({@code
 * target/classes/fhir-resources}) and writes each Library with its CQL, ELM, data requirements and dependencies, so
 * that the jar carries complete Libraries and the server never translates at start-up. A translation error stops the
 * build with the file, line, column and message.
 */
public final class CqlBuildCommand {

	private CqlBuildCommand() {}

	static int run(Path packageFolder) {
		ContentPackage original = readWithoutAssembly(packageFolder);
		ContentPackage assembled = ContentPackage.read(packageFolder.toString());
		if (!assembled.assemblyProblems().isEmpty()) {
			System.out.println(InvalidContentException.describe(assembled.assemblyProblems()));
			return 1;
		}
		int written = 0;
		for (ContentFile file : assembled.files()) {
			ContentFile before = original.files().stream().filter(f -> f.path().equals(file.path())).findFirst().orElse(null);
			if (before != null && Arrays.equals(before.content(), file.content())) {
				continue;
			}
			try {
				Files.write(packageFolder.resolve(file.path()), file.content());
			} catch (IOException e) {
				throw new UncheckedIOException("Cannot write " + file.path(), e);
			}
			written++;
		}
		// FHIRHelpers, which the content's libraries include, as ELM beside the classes: the server reads ELM only.
		Path fhirHelpers = packageFolder.toAbsolutePath().getParent().resolve(CompiledLibraries.FHIR_HELPERS_ELM);
		try {
			if (!Files.exists(fhirHelpers)) {
				Files.createDirectories(fhirHelpers.getParent());
				Files.writeString(fhirHelpers, CqlTranslation.fhirHelpersElm());
			}
		} catch (IOException e) {
			throw new UncheckedIOException("Cannot write " + fhirHelpers, e);
		}
		System.out.printf("%s: CQL translated, %d Libraries written%n", packageFolder, written);
		return 0;
	}

	/** The files exactly as they are on disk, to write back only what assembly changed. */
	private static ContentPackage readWithoutAssembly(Path packageFolder) {
		return ContentPackage.readFiles(packageFolder.toString());
	}

	public static void main(String[] args) {
		Path packageFolder = Path.of(args.length == 0 ? "target/classes/fhir-resources" : args[0]).toAbsolutePath();
		// Every `./mvnw spring-boot:run` passes this phase; when neither the content nor our classes changed since the
		// last translation, its output is already in place, and translating again costs the run command two seconds.
		Path stamp = packageFolder.getParent().resolveSibling("cql-build.sha256");
		// the content check's record (written at prepare-package) is no input of the translation
		Set<String> ignored = Set.of(ContentPackage.VALIDATION_RECORD);
		String inputs = BuildStamp.of(ignored, packageFolder, packageFolder.getParent().resolve("org"));
		if (BuildStamp.matches(stamp, inputs)
				&& Files.exists(packageFolder.getParent().resolve(CompiledLibraries.FHIR_HELPERS_ELM))) {
			System.out.printf("%s: CQL unchanged since the last translation%n", packageFolder);
			return;
		}
		int exitCode = run(packageFolder);
		if (exitCode != 0) {
			System.exit(exitCode);
		}
		// the stamp of what this run left behind (the Libraries it wrote included), so that the next run can skip
		BuildStamp.write(stamp, BuildStamp.of(ignored, packageFolder, packageFolder.getParent().resolve("org")));
	}
}
