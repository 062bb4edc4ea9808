package org.adhdkb.content;

import ca.uhn.fhir.context.FhirContext;

import java.io.PrintStream;

/**
 * {@code java -jar adhdkb.jar check-content [DIR]}: checks a content folder exactly as start-up does (parse, validate,
 * references, conventions) without a database or a web server, prints every problem and exits non-zero if any.
 */
public final class ContentCheckCommand {

	public static final String NAME = "check-content";

	private ContentCheckCommand() {}

	public static int run(String[] args) {
		String location = args.length > 1 ? args[1] : "fhir-resources";
		return check(location, System.out);
	}

	static int check(String location, PrintStream out) {
		long started = System.currentTimeMillis();
		ContentChecker.Result result;
		try {
			result = new ContentChecker(FhirContext.forR4Cached()).check(ContentPackage.read(location));
		} catch (InvalidContentException e) {
			out.println(e.getMessage());
			return 1;
		}
		if (result.ok()) {
			out.printf("%s: %d resources, all valid (%d validator warnings) in %d ms%n",
					location, result.resources().size(), result.warnings(), System.currentTimeMillis() - started);
			return 0;
		}
		out.println(InvalidContentException.describe(result.problems()));
		return 1;
	}

	public static void main(String[] args) {
		System.exit(run(new String[] {NAME, args.length > 0 ? args[0] : "fhir-resources"}));
	}
}
