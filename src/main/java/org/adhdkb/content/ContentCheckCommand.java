package org.adhdkb.content;

import ca.uhn.fhir.context.FhirContext;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * {@code java -jar adhdkb.jar check-content [DIR] [--write-manifest FILE]}: checks a content folder exactly as start-up
 * does (parse, validate, references, conventions) without a database or a web server, prints every problem and exits
 * non-zero if any.
 *
 * <p>The build runs it with {@code --write-manifest} to record which files it validated; the server then trusts that
 * record for byte-identical files and does not validate them again at start-up.
 */
public final class ContentCheckCommand {

	public static final String NAME = "check-content";
	private static final String WRITE_MANIFEST = "--write-manifest";

	private ContentCheckCommand() {}

	/** {@code args[0]} is the command name, as it comes from the jar's main. */
	public static int run(String[] args) {
		return runOptions(Arrays.copyOfRange(args, 1, args.length), System.out);
	}

	static int runOptions(String[] options, PrintStream out) {
		String location = "fhir-resources";
		Path manifest = null;
		for (int i = 0; i < options.length; i++) {
			if (WRITE_MANIFEST.equals(options[i]) && i + 1 < options.length) {
				manifest = Path.of(options[++i]);
			} else {
				location = options[i];
			}
		}
		return check(location, manifest, out);
	}

	static int check(String location, PrintStream out) {
		return check(location, null, out);
	}

	static int check(String location, Path manifest, PrintStream out) {
		long started = System.currentTimeMillis();
		ContentPackage contentPackage;
		ContentChecker.Result result;
		try {
			contentPackage = ContentPackage.read(location);
			result = new ContentChecker(FhirContext.forR4Cached()).check(contentPackage);
		} catch (InvalidContentException e) {
			out.println(e.getMessage());
			return 1;
		}
		if (!result.ok()) {
			out.println(InvalidContentException.describe(result.problems()));
			return 1;
		}
		out.printf("%s: %d resources, all valid (%d validator warnings) in %d ms%n",
				location, result.resources().size(), result.warnings(), System.currentTimeMillis() - started);
		if (manifest != null) {
			writeManifest(contentPackage, manifest);
			out.printf("validation record written to %s%n", manifest);
		}
		return 0;
	}

	private static void writeManifest(ContentPackage contentPackage, Path manifest) {
		String lines = contentPackage.files().stream()
				.map(file -> ContentChecker.validationStamp(file) + "  " + file.path())
				.collect(Collectors.joining("\n", "", "\n"));
		try {
			if (manifest.getParent() != null) {
				Files.createDirectories(manifest.getParent());
			}
			Files.writeString(manifest, lines);
		} catch (IOException e) {
			throw new UncheckedIOException("Cannot write " + manifest, e);
		}
	}

	/** Entry point for {@code exec:java}: returns normally on success, so that the Maven build goes on. */
	public static void main(String[] args) {
		int exitCode = runOptions(args, System.out);
		if (exitCode != 0) {
			System.exit(exitCode);
		}
	}
}
