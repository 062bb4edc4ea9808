package org.adhdkb.server;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the two README commands relaunch onto the start-up kit, and with what command: only onto a kit made from
 * the very jar or dependency jars the command runs with (an AppCDS archive serves nothing else, and a kit from an
 * older build must never run older code), with the user's JVM options kept and the heap cap README asks for added
 * when the user gave none.
 */
class StartupKitTest {

	@TempDir
	Path target;

	Path kit;
	Path jar;
	Path libraryA;
	Path libraryB;

	@BeforeEach
	void aPackagedBuild() throws IOException {
		jar = Files.write(target.resolve("adhdkb.jar"), new byte[] {1, 2, 3});
		kit = Files.createDirectories(target.resolve(StartupKit.DIRECTORY));
		Path lib = Files.createDirectories(kit.resolve("app/lib"));
		libraryA = Files.write(lib.resolve("hapi-fhir-base-8.8.0.jar"), new byte[10]);
		libraryB = Files.write(lib.resolve("spring-core-6.2.jar"), new byte[20]);
		Files.write(kit.resolve("app/adhdkb.jar"), new byte[] {4});
		Files.write(kit.resolve("app.jsa"), new byte[] {5});
		Properties recorded = new Properties();
		recorded.setProperty("jar", StartupKit.jarStamp(jar));
		recorded.setProperty("libraries", libraryA + java.io.File.pathSeparator + libraryB);
		recorded.setProperty("jvm", "-Xmx512m -XX:+ExitOnOutOfMemoryError");
		try (OutputStream out = Files.newOutputStream(kit.resolve("kit.properties"))) {
			recorded.store(out, null);
		}
	}

	@Test
	void javaJarRelaunchesOntoTheArchiveWithReadmesHeapCapAndItsOwnArguments() {
		List<String> command = StartupKit.command(new String[] {"--server.port=9090"}, List.of(), List.of(jar));

		assertThat(command).contains("-Xmx512m", "-XX:+ExitOnOutOfMemoryError",
				"-XX:SharedArchiveFile=" + kit.resolve("app.jsa"), "-XX:TieredStopAtLevel=1",
				"-Dadhdkb.startup.relaunched=true",
				"-D" + DataDirectoryResolver.DATABASE_IMAGE + "=" + kit.resolve("database"));
		// the archive serves a class path that begins with the one it was made from: the libraries, in order
		int cp = command.indexOf("-cp");
		assertThat(command.get(cp + 1).split(java.io.File.pathSeparator))
				.containsExactly(libraryA.toString(), libraryB.toString(), kit.resolve("app/adhdkb.jar").toString());
		assertThat(command.subList(cp + 2, command.size()))
				.containsExactly("org.adhdkb.AdhdkbApplication", "--server.port=9090");
	}

	@Test
	void theUsersJvmOptionsWinOverTheDefaults() {
		List<String> command = StartupKit.command(new String[] {"--adhdkb.startup.c1-only=false"},
				List.of("-Xmx2g", "-Dfoo=bar"), List.of(jar));

		assertThat(command).contains("-Xmx2g", "-Dfoo=bar").doesNotContain("-Xmx512m", "-XX:TieredStopAtLevel=1");
	}

	@Test
	void aJarBuiltAfterTheKitStartsWithoutIt() throws IOException {
		Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 60_000));

		assertThat(StartupKit.command(new String[0], List.of(), List.of(jar))).isEmpty();
	}

	@Test
	void springBootRunRelaunchesWhenItsDependencyJarsAreTheKitsAndKeepsItsOwnClasses() throws IOException {
		Path classes = target.resolve("classes");
		Files.createDirectories(classes.resolve("org/adhdkb"));
		Files.write(classes.resolve("org/adhdkb/AdhdkbApplication.class"), new byte[] {6});
		Path repository = Files.createDirectories(target.resolve("m2"));
		Path a = Files.write(repository.resolve("hapi-fhir-base-8.8.0.jar"), new byte[10]);
		Path b = Files.write(repository.resolve("spring-core-6.2.jar"), new byte[20]);

		List<String> command = StartupKit.command(new String[0], List.of("-Xmx512m"), List.of(classes, a, b));
		int cp = command.indexOf("-cp");
		assertThat(command.get(cp + 1).split(java.io.File.pathSeparator))
				.as("the kit's copies of the same jars, then the classes just compiled")
				.containsExactly(libraryA.toString(), libraryB.toString(), classes.toString());

		// one dependency upgraded since the kit was made: not the kit's jars any more
		Files.write(b, new byte[21]);
		assertThat(StartupKit.command(new String[0], List.of("-Xmx512m"), List.of(classes, a, b))).isEmpty();
	}

	@Test
	void noKitNoRelaunch() throws IOException {
		Files.delete(kit.resolve("kit.properties"));

		assertThat(StartupKit.command(new String[0], List.of(), List.of(jar))).isEmpty();
	}
}
