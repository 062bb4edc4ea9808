package org.adhdkb.content;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The content package ({@code fhir-resources/}): a FHIR NPM package with {@code package.json} at the root and one
 * JSON file per resource in a folder named after the resource type, and the CQL sources of its logic libraries in
 * {@code cql/}, which reading puts into their Libraries (see {@link CqlLibraryAssembly}).
 *
 * @param assemblyProblems what was wrong with the CQL (translation errors with line and column, a source without its
 *                         Library); the content check reports them with the rest
 */
public record ContentPackage(String location, JsonNode manifest, List<ContentFile> files, Set<String> validatedStamps,
		String sourceTable, List<ContentProblem> assemblyProblems) {

	public static final String MANIFEST = "package.json";

	/**
	 * The source table of the external codes ({@link CodeSources}). It lives beside the source folder and is not
	 * packaged into the jar, so only a check of the source folder (the build, the tests) checks code sources.
	 */
	public static final String SOURCE_TABLE = "SOURCES.md";

	public ContentPackage(String location, JsonNode manifest, List<ContentFile> files, Set<String> validatedStamps) {
		this(location, manifest, files, validatedStamps, null, List.of());
	}

	/** The build's record of the files it validated (see {@link ContentCheckCommand}); absent in a source folder. */
	public static final String VALIDATION_RECORD = "validated.sha256";

	/** Whether the build already validated exactly this file under the current rules. */
	public boolean validatedByBuild(ContentFile file) {
		return validatedStamps.contains(ContentChecker.validationStamp(file));
	}

	/**
	 * One hash of every file's path and content, salted (with the checking rules): equal hashes mean the same package
	 * checked under the same rules.
	 */
	public String hash(String salt) {
		try {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			digest.update(salt.getBytes(StandardCharsets.UTF_8));
			for (ContentFile file : files) {
				digest.update(file.path().getBytes(StandardCharsets.UTF_8));
				digest.update((byte) 0);
				digest.update(file.hash("").getBytes(StandardCharsets.UTF_8));
			}
			if (sourceTable != null) {
				digest.update(sourceTable.getBytes(StandardCharsets.UTF_8));
			}
			return HexFormat.of().formatHex(digest.digest());
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("SHA-256 is part of every JRE", e);
		}
	}

	/**
	 * The hash that identifies this content under the current checking rules: what {@link ContentLoader} records as
	 * loaded, and what a database image made from this content is checked against.
	 */
	public String contentHash() {
		return hash(ContentChecker.RULES);
	}

	/** The canonical base every resource URL of this package starts with, from package.json. */
	public String canonical() {
		return manifest == null ? "" : manifest.path("canonical").asText("");
	}

	public String version() {
		return manifest == null ? "" : manifest.path("version").asText("");
	}

	/**
	 * Reads a package from a Spring resource location: {@code classpath:fhir-resources/}, {@code file:/some/dir/}, or a
	 * plain directory path.
	 */
	public static ContentPackage read(String location) {
		return read(location, true);
	}

	/** The files exactly as they are, the CQL not put into the Libraries (for the build's CQL step). */
	static ContentPackage readFiles(String location) {
		return read(location, false);
	}

	private static ContentPackage read(String location, boolean assemble) {
		String base = normalise(location);
		PathMatchingResourcePatternResolver resolver = new PathMatchingResourcePatternResolver();
		try {
			Resource root = resolver.getResource(base);
			if (!root.exists()) {
				throw new InvalidContentException(
						List.of(new ContentProblem(location, "", "the content location does not exist")));
			}
			String rootUri = root.getURI().toString();
			List<ContentFile> files = new ArrayList<>();
			Map<String, String> cqlSources = new TreeMap<>();
			for (Resource resource : resolver.getResources(base + CqlLibraryAssembly.CQL_FOLDER + "*.cql")) {
				try (InputStream in = resource.getInputStream()) {
					cqlSources.put(CqlLibraryAssembly.CQL_FOLDER + resource.getFilename(),
							new String(in.readAllBytes(), StandardCharsets.UTF_8));
				}
			}
			JsonNode manifest = null;
			for (Resource resource : resolver.getResources(base + "**/*.json")) {
				String uri = resource.getURI().toString();
				String path = uri.startsWith(rootUri) ? uri.substring(rootUri.length()) : resource.getFilename();
				path = stripLeadingSlash(URI.create("x:" + path.replace(" ", "%20")).getSchemeSpecificPart());
				byte[] bytes;
				try (InputStream in = resource.getInputStream()) {
					bytes = in.readAllBytes();
				}
				if (MANIFEST.equals(path)) {
					manifest = new ObjectMapper().readTree(bytes);
				} else if (!path.startsWith("package/") && !path.startsWith("other/") && !path.startsWith(".")) {
					files.add(new ContentFile(path, bytes));
				}
			}
			files.sort(Comparator.comparing(ContentFile::path));
			String canonical = manifest == null ? "" : manifest.path("canonical").asText("");
			CqlLibraryAssembly.Assembled assembled = assemble
					? CqlLibraryAssembly.assemble(List.copyOf(files), cqlSources, canonical)
					: new CqlLibraryAssembly.Assembled(List.copyOf(files), List.of());
			return new ContentPackage(location, manifest, assembled.files(), readValidationRecord(resolver, base),
					readSourceTable(resolver, base), assembled.problems());
		} catch (IOException e) {
			throw new UncheckedIOException("Cannot read the content package at " + location, e);
		}
	}

	private static String readSourceTable(PathMatchingResourcePatternResolver resolver, String base) throws IOException {
		Resource table = resolver.getResource(base + SOURCE_TABLE);
		if (!table.exists()) {
			return null;
		}
		try (InputStream in = table.getInputStream()) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

	private static Set<String> readValidationRecord(PathMatchingResourcePatternResolver resolver, String base)
			throws IOException {
		Resource record = resolver.getResource(base + VALIDATION_RECORD);
		if (!record.exists()) {
			return Set.of();
		}
		try (InputStream in = record.getInputStream()) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
					.map(line -> line.split("\\s+", 2)[0])
					.filter(stamp -> !stamp.isBlank())
					.collect(Collectors.toUnmodifiableSet());
		}
	}

	private static String normalise(String location) {
		if (location.startsWith("classpath:")) {
			return location.endsWith("/") ? location : location + "/";
		}
		// File locations become absolute URIs, so that matched files can be made relative to the root.
		String path = location.startsWith("file:") ? location.substring("file:".length()) : location;
		String uri = Path.of(path).toAbsolutePath().normalize().toUri().toString();
		return uri.endsWith("/") ? uri : uri + "/";
	}

	private static String stripLeadingSlash(String path) {
		return path.startsWith("/") ? path.substring(1) : path;
	}
}
