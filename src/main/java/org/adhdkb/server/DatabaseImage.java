package org.adhdkb.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A copy of the embedded H2 database right after a start that loaded the content (made by the build, see {@link
 * StartupKit}), with the hash of that content. A first start on an empty data directory copies it instead of creating
 * HAPI's schema and writing and indexing the whole content package, but only when the content it is about to serve has
 * exactly that hash: changed content means an ordinary (slower) first start, never stale content. The content loader
 * then checks the copied database as on any restart ({@code content/ContentState}).
 */
final class DatabaseImage {

	/** The H2 file of the default datasource URL ({@code ${adhdkb.data-dir}/adhdkb}). */
	static final String DATABASE_FILE = "adhdkb.mv.db";
	static final String HASH_FILE = "content.sha256";

	private DatabaseImage() {}

	/** Makes an image of a stopped server's data directory, for content with this hash. */
	static void save(Path dataDir, Path image, String contentHash) {
		try {
			Files.createDirectories(image);
			Files.copy(dataDir.resolve(DATABASE_FILE), image.resolve(DATABASE_FILE), StandardCopyOption.REPLACE_EXISTING);
			Files.writeString(image.resolve(HASH_FILE), contentHash + "\n", StandardCharsets.UTF_8);
		} catch (IOException e) {
			throw new UncheckedIOException("Cannot write the database image " + image, e);
		}
	}

	/**
	 * Copies the image into the data directory when that has no database yet and the image was made from content with
	 * the hash {@code contentHash} gives (asked only then: it reads the whole content package). Returns whether it did;
	 * says why to {@code log} (this runs before logging is set up).
	 */
	static boolean seed(Path dataDir, Path image, Supplier<String> contentHash, Consumer<String> log) {
		Path target = dataDir.resolve(DATABASE_FILE);
		Path source = image.resolve(DATABASE_FILE);
		if (Files.exists(target) || !Files.isRegularFile(source) || !Files.isRegularFile(image.resolve(HASH_FILE))) {
			return false;
		}
		try {
			String imageHash = Files.readString(image.resolve(HASH_FILE), StandardCharsets.UTF_8).trim();
			if (!imageHash.equals(contentHash.get())) {
				log.accept("Database image " + image + " was made from other content: loading the content instead");
				return false;
			}
			Files.createDirectories(dataDir);
			// copied under another name and then renamed, so that a start stopped mid-copy leaves no half database
			Path partial = dataDir.resolve(DATABASE_FILE + ".part");
			Files.copy(source, partial, StandardCopyOption.REPLACE_EXISTING);
			Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
			log.accept("New database copied from the image " + image + " (made from the same content)");
			return true;
		} catch (IOException | RuntimeException e) {
			// the image is only a shortcut: without it the server creates the database and loads the content itself
			log.accept("Database image " + image + " not used: " + e);
			return false;
		}
	}
}
