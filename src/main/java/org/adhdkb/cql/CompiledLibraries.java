package org.adhdkb.cql;

import org.cqframework.cql.cql2elm.LibraryManager;
import org.cqframework.cql.cql2elm.ModelManager;
import org.cqframework.cql.cql2elm.model.CompiledLibrary;
import org.cqframework.cql.elm.serializing.DefaultElmLibraryReaderProvider;
import org.hl7.elm.r1.VersionedIdentifier;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.Library;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ELM of a set of Libraries, ready for the reference engine: read once from the ELM the build put into each
 * Library ({@code application/elm+json}) and kept for every evaluation. Nothing here translates CQL.
 *
 * <p>Why the ELM is put into the library manager's cache rather than served through a library source provider: the
 * 4.2.0 library manager takes ELM from a provider only if every definition carries a type it computed while
 * translating, which it never reads back from ELM JSON ({@code LibraryManager.generateCompiledLibrary} requires
 * {@code resultType}, a translator-side tracking field), so it would always fall back to the CQL. The engine itself
 * needs only each library's ELM ({@code CompiledLibrary.library}), which is what the cache holds.
 *
 * <p>Immutable once built; the owner builds a new one when the Libraries change.
 */
public final class CompiledLibraries {

	private static final Logger log = LoggerFactory.getLogger(CompiledLibraries.class);

	static final String ELM_JSON = "application/elm+json";

	/** Where the build writes the ELM of FHIRHelpers 4.0.1 (see {@code content/CqlBuildCommand}). */
	public static final String FHIR_HELPERS_ELM = "org/adhdkb/cql/FHIRHelpers-4.0.1.elm.json";

	private static volatile org.hl7.elm.r1.Library fhirHelpers;

	private final LibraryManager libraryManager;
	private final Map<VersionedIdentifier, CompiledLibrary> compiled = new ConcurrentHashMap<>();

	private CompiledLibraries() {
		// No source providers: a library the content does not carry as ELM cannot be resolved, and is an error.
		this.libraryManager = new LibraryManager(new ModelManager(), CqlTranslation.options(), compiled);
	}

	/** The Libraries' ELM by CQL name and version, with FHIRHelpers 4.0.1; Libraries without ELM are left out. */
	public static CompiledLibraries of(Collection<Library> libraries) {
		CompiledLibraries result = new CompiledLibraries();
		result.add(fhirHelpers());
		for (Library library : libraries) {
			for (Attachment content : library.getContent()) {
				if (ELM_JSON.equals(content.getContentType()) && content.hasData()) {
					result.add(read(new String(content.getData(), StandardCharsets.UTF_8)));
				}
			}
		}
		return result;
	}

	public boolean has(String name, String version) {
		return compiled.containsKey(identifier(name, version));
	}

	LibraryManager libraryManager() {
		return libraryManager;
	}

	/** One ELM library (a library's ELM) by name and version; null when the content has none. */
	public org.hl7.elm.r1.Library library(String name, String version) {
		CompiledLibrary library = compiled.get(identifier(name, version));
		return library == null ? null : library.getLibrary();
	}

	private void add(org.hl7.elm.r1.Library elm) {
		VersionedIdentifier id = elm.getIdentifier();
		CompiledLibrary library = new CompiledLibrary();
		library.setIdentifier(id);
		library.setLibrary(elm);
		compiled.put(identifier(id.getId(), id.getVersion()), library);
		// An include without a version resolves to the one version the content has.
		compiled.putIfAbsent(identifier(id.getId(), null), library);
	}

	private static VersionedIdentifier identifier(String name, String version) {
		return new VersionedIdentifier().withId(name).withVersion(version);
	}

	/**
	 * A library read from its ELM, with its statements sorted by name: the engine finds a definition by binary search
	 * over them, the order the library manager puts them in when it compiles (ELM files keep the source order). Sorted
	 * here, before any other thread can see it: FHIRHelpers is one object shared by every build of this class, and
	 * sorting it again on each build raced with other builds and with running evaluations.
	 */
	static org.hl7.elm.r1.Library read(String elmJson) {
		org.hl7.elm.r1.Library elm = DefaultElmLibraryReaderProvider.INSTANCE.create(ELM_JSON).read(elmJson);
		if (elm.getStatements() != null) {
			elm.getStatements().getDef().sort(java.util.Comparator.comparing(org.hl7.elm.r1.ExpressionDef::getName));
		}
		return elm;
	}

	/** FHIRHelpers as the build wrote it; translated here only when running without the build (an IDE). */
	private static org.hl7.elm.r1.Library fhirHelpers() {
		org.hl7.elm.r1.Library library = fhirHelpers;
		if (library == null) {
			try (InputStream in = CompiledLibraries.class.getClassLoader().getResourceAsStream(FHIR_HELPERS_ELM)) {
				String json;
				if (in != null) {
					json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
				} else {
					log.warn("{} is missing (not built with Maven): translating FHIRHelpers now", FHIR_HELPERS_ELM);
					json = CqlTranslation.fhirHelpersElm();
				}
				library = read(json);
			} catch (IOException e) {
				throw new UncheckedIOException(e);
			}
			fhirHelpers = library;
		}
		return library;
	}
}
