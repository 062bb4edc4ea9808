package org.adhdkb.content;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One file of the content package, as read from disk or the classpath.
 *
 * @param path    path relative to the package root, with forward slashes ({@code MedicationKnowledge/atomoxetine.json})
 * @param content the raw bytes
 */
public record ContentFile(String path, byte[] content) {

	/** Folder the file sits in, which must be its resource type; empty for files at the package root. */
	public String folder() {
		int slash = path.lastIndexOf('/');
		return slash < 0 ? "" : path.substring(0, slash);
	}

	/** File name without {@code .json}, which must be the resource id. */
	public String stem() {
		String name = path.substring(path.lastIndexOf('/') + 1);
		return name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
	}

	public String text() {
		return new String(content, StandardCharsets.UTF_8);
	}

	/** Content hash used to skip unchanged files on restart; the salt changes when the checking rules change. */
	public String hash(String salt) {
		try {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			digest.update(salt.getBytes(StandardCharsets.UTF_8));
			digest.update(content);
			return HexFormat.of().formatHex(digest.digest());
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("SHA-256 is part of every JRE", e);
		}
	}
}
