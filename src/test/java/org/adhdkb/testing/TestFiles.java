package org.adhdkb.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Files for tests that serve an edited copy of the content. */
public final class TestFiles {

	private TestFiles() {}

	/** Copies every file under {@code from} to the same relative path under {@code to}. */
	public static void copyTree(Path from, Path to) throws IOException {
		try (Stream<Path> files = Files.walk(from)) {
			for (Path source : files.filter(Files::isRegularFile).toList()) {
				Path target = to.resolve(from.relativize(source).toString());
				Files.createDirectories(target.getParent());
				Files.copy(source, target);
			}
		}
	}
}
