package org.adhdkb.content;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The CQL step skips only when nothing it reads changed: any byte, name or file of the content or the classes. */
class BuildStampTest {

	@TempDir
	Path classes;

	@Test
	void anyChangedAddedOrRenamedFileChangesTheStampButAnIgnoredRecordDoesNot() throws IOException {
		Path content = Files.createDirectories(classes.resolve("fhir-resources/Library"));
		Path cql = Files.writeString(content.resolve("AdhdDosing.cql"), "library AdhdDosing version '1'");
		Path code = Files.createDirectories(classes.resolve("org"));
		Files.write(code.resolve("A.class"), new byte[] {1});
		Set<String> ignored = Set.of(ContentPackage.VALIDATION_RECORD);
		String before = BuildStamp.of(ignored, classes.resolve("fhir-resources"), code);

		assertThat(BuildStamp.of(ignored, classes.resolve("fhir-resources"), code)).isEqualTo(before);

		Files.writeString(classes.resolve("fhir-resources").resolve(ContentPackage.VALIDATION_RECORD), "abc");
		assertThat(BuildStamp.of(ignored, classes.resolve("fhir-resources"), code)).isEqualTo(before);

		Files.writeString(cql, "library AdhdDosing version '2'");
		String edited = BuildStamp.of(ignored, classes.resolve("fhir-resources"), code);
		assertThat(edited).isNotEqualTo(before);

		Files.write(code.resolve("A.class"), new byte[] {2});
		String recompiled = BuildStamp.of(ignored, classes.resolve("fhir-resources"), code);
		assertThat(recompiled).isNotEqualTo(edited);

		Files.move(cql, content.resolve("AdhdDosing2.cql"));
		assertThat(BuildStamp.of(ignored, classes.resolve("fhir-resources"), code)).isNotEqualTo(recompiled);

		Path stamp = classes.resolve("cql-build.sha256");
		assertThat(BuildStamp.matches(stamp, before)).as("no stamp yet").isFalse();
		BuildStamp.write(stamp, before);
		assertThat(BuildStamp.matches(stamp, before)).isTrue();
	}
}
