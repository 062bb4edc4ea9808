package org.adhdkb.packaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServletRequest;
import org.adhdkb.content.ContentPackage;
import org.adhdkb.server.AdhdkbProperties;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The server's content package, served the way FHIR package servers serve packages (the npm registry API that
 * packages.fhir.org and the HL7 core library's PackageClient use), so the HL7 validator, the IG Publisher and HAPI's
 * package installer can be pointed at {@code http://host/packages}:
 * <ul>
 * <li>{@code GET /packages/{name}}: the package's versions, each with its FHIR version, canonical, URL and
 * {@code dist.tarball}, and {@code dist-tags.latest};</li>
 * <li>{@code GET /packages/{name}/{version}} (and {@code /packages/{name}/-/{name}-{version}.tgz}, the npm tarball
 * path): the .tgz.</li>
 * </ul>
 * The server holds one version, the content it serves; the archive is the one the build makes
 * ({@link ContentPackageArchive}), built from the served content once, on first request. Unknown names or versions
 * are 404 with {@code {"error": ...}}, as npm registries answer.
 */
@RestController
@RequestMapping("/packages")
class PackageFeedController {

	private static final MediaType TGZ = MediaType.parseMediaType("application/tar+gzip");
	private static final ObjectMapper JSON = new ObjectMapper();

	private final String contentLocation;
	private volatile Built built;

	private record Built(ContentPackage content, String name, byte[] archive, String shasum) {}

	PackageFeedController(AdhdkbProperties properties) {
		this.contentLocation = properties.getContent().getLocation();
	}

	@GetMapping(path = "/{name}", produces = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<String> versions(@PathVariable("name") String name, HttpServletRequest request) {
		Built pkg = built();
		if (!pkg.name().equals(name)) {
			return notFound("No package " + name + " on this server; it serves " + pkg.name());
		}
		String version = pkg.content().version();
		String tarball = ServletUriComponentsBuilder.fromContextPath(request)
				.pathSegment("packages", name, version).toUriString();
		ObjectNode feed = JSON.createObjectNode();
		feed.put("_id", name);
		feed.put("name", name);
		copy(pkg, feed, "description");
		feed.putObject("dist-tags").put("latest", version);
		ObjectNode entry = feed.putObject("versions").putObject(version);
		entry.put("name", name);
		entry.put("version", version);
		copy(pkg, entry, "description");
		copy(pkg, entry, "canonical");
		entry.put("fhirVersion", pkg.content().manifest().path("fhirVersions").path(0).asText(""));
		entry.put("url", tarball);
		entry.putObject("dist").put("shasum", pkg.shasum()).put("tarball", tarball);
		return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(feed.toString());
	}

	@GetMapping(path = "/{name}/{version}")
	ResponseEntity<?> tarball(@PathVariable("name") String name, @PathVariable("version") String version) {
		Built pkg = built();
		if (!pkg.name().equals(name)) {
			return notFound("No package " + name + " on this server; it serves " + pkg.name());
		}
		if (!pkg.content().version().equals(version)) {
			return notFound("No version " + version + " of " + name + "; this server has " + pkg.content().version());
		}
		return ResponseEntity.ok()
				.contentType(TGZ)
				.header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + ContentPackageArchive.fileName(pkg.content()) + "\"")
				.body(pkg.archive());
	}

	/** The npm registry's tarball path, which npm-style clients follow. */
	@GetMapping(path = "/{name}/-/{file:.+}")
	ResponseEntity<?> npmTarball(@PathVariable("name") String name, @PathVariable("file") String file) {
		String prefix = name + "-";
		if (!file.startsWith(prefix) || !file.endsWith(".tgz")) {
			return notFound("No file " + file + " in package " + name);
		}
		return tarball(name, file.substring(prefix.length(), file.length() - ".tgz".length()));
	}

	private Built built() {
		Built current = built;
		if (current == null) {
			synchronized (this) {
				if (built == null) {
					ContentPackage content = ContentPackage.read(contentLocation);
					byte[] archive = ContentPackageArchive.build(content);
					built = new Built(content, ContentPackageArchive.name(content), archive, sha1(archive));
				}
				current = built;
			}
		}
		return current;
	}

	private static void copy(Built pkg, ObjectNode target, String field) {
		String value = pkg.content().manifest().path(field).asText("");
		if (!value.isEmpty()) {
			target.put(field, value);
		}
	}

	private static ResponseEntity<String> notFound(String message) {
		return ResponseEntity.status(HttpStatus.NOT_FOUND).contentType(MediaType.APPLICATION_JSON)
				.body(JSON.createObjectNode().put("error", message).toString());
	}

	/** npm's {@code dist.shasum}: the SHA-1 of the tarball, in hex. */
	private static String sha1(byte[] bytes) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("SHA-1 is part of every JRE", e);
		}
	}
}
