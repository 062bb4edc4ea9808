package org.adhdkb.content;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The SHA-256 of every file under some folders (relative path and bytes), kept beside a build step's output so that
 * the step can tell that nothing it reads has changed since it last ran. Plain Java on purpose: computing it must cost
 * milliseconds, not the seconds of starting FHIR or CQL machinery.
 */
final class BuildStamp {

	private BuildStamp() {}

	/** The stamp of every file under {@code folders} but those named {@code ignored} (another step's records). */
	static String of(Set<String> ignored, Path... folders) {
		try {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			for (Path folder : folders) {
				if (!Files.isDirectory(folder)) {
					continue;
				}
				List<Path> files;
				try (Stream<Path> walk = Files.walk(folder)) {
					files = walk.filter(Files::isRegularFile)
							.filter(file -> !ignored.contains(file.getFileName().toString())).sorted().toList();
				}
				for (Path file : files) {
					digest.update(folder.relativize(file).toString().getBytes(StandardCharsets.UTF_8));
					digest.update((byte) 0);
					digest.update(Files.readAllBytes(file));
				}
			}
			return HexFormat.of().formatHex(digest.digest());
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}

	static boolean matches(Path stamp, String inputs) {
		try {
			return Files.isRegularFile(stamp) && Files.readString(stamp, StandardCharsets.UTF_8).trim().equals(inputs);
		} catch (IOException e) {
			return false;
		}
	}

	static void write(Path stamp, String inputs) {
		try {
			Files.writeString(stamp, inputs + "\n", StandardCharsets.UTF_8);
		} catch (IOException e) {
			throw new UncheckedIOException("Cannot write " + stamp, e);
		}
	}
}
