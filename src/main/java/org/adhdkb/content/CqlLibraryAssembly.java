package org.adhdkb.content;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import org.adhdkb.cql.CqlTranslation;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.Library;
import org.hl7.fhir.r4.model.RelatedArtifact;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts the content's CQL into its Libraries. The CQL source of a logic library is a file {@code cql/Name.cql} of the
 * package, where a knowledge engineer edits it with CQL tooling; the Library resource with {@code name} Name holds its
 * metadata. Assembly adds what CPG-on-FHIR engines read from the Library: the source ({@code text/cql}), the ELM the
 * reference translator compiles from it ({@code application/elm+json}), the data it retrieves ({@code dataRequirement}),
 * its definitions ({@code parameter}) and what it depends on ({@code relatedArtifact} depends-on, FHIRHelpers 4.0.1
 * among them), all from the translator's own analysis.
 *
 * <p>The build assembles the packaged content once (see {@link CqlBuildCommand}), so a server reading the built package
 * finds every Library complete and translates nothing. A source folder read directly (the content check,
 * {@code adhdkb.content.location=file:...}) is assembled in memory.
 */
final class CqlLibraryAssembly {

	static final String CQL_FOLDER = "cql/";
	static final String CQL = "text/cql";
	static final String ELM_JSON = "application/elm+json";

	/** FHIRHelpers is published by HL7 with this canonical; the translator names it only by name and version. */
	static final String FHIR_HELPERS = "http://hl7.org/fhir/Library/FHIRHelpers";

	record Assembled(List<ContentFile> files, List<ContentProblem> problems) {}

	private CqlLibraryAssembly() {}

	/**
	 * @param files      the package's resource files
	 * @param cqlSources the package's CQL sources by path ({@code cql/Name.cql})
	 * @param canonical  the package's canonical base, for the depends-on of one content library on another
	 */
	static Assembled assemble(List<ContentFile> files, Map<String, String> cqlSources, String canonical) {
		if (cqlSources.isEmpty()) {
			return new Assembled(files, List.of());
		}
		FhirContext fhir = FhirContext.forR4Cached();
		IParser parser = fhir.newJsonParser();
		List<ContentProblem> problems = new ArrayList<>();

		Map<String, Integer> fileIndexByName = new HashMap<>();
		Map<String, Library> libraryByName = new HashMap<>();
		for (int i = 0; i < files.size(); i++) {
			ContentFile file = files.get(i);
			if (!"Library".equals(file.folder())) {
				continue;
			}
			try {
				Library library = parser.parseResource(Library.class, file.text());
				if (library.hasName()) {
					fileIndexByName.put(library.getName(), i);
					libraryByName.put(library.getName(), library);
				}
			} catch (RuntimeException e) {
				// Not ours to report: the content check reports a file that does not parse.
			}
		}

		boolean upToDate = true;
		Map<String, String> nameByPath = new LinkedHashMap<>();
		for (Map.Entry<String, String> source : cqlSources.entrySet()) {
			String name = CqlTranslation.declaredName(source.getValue());
			String expected = source.getKey().substring(source.getKey().lastIndexOf('/') + 1).replaceFirst("\\.cql$", "");
			if (name == null) {
				problems.add(new ContentProblem(source.getKey(), "", "no 'library Name version ...' header"));
				continue;
			}
			if (!name.equals(expected)) {
				problems.add(new ContentProblem(source.getKey(), "",
						"declares library " + name + ": the file must be named " + name + ".cql"));
			}
			Library library = libraryByName.get(name);
			if (library == null) {
				problems.add(new ContentProblem(source.getKey(), "",
						"no Library in Library/ has the name " + name + " to carry this CQL"));
				continue;
			}
			nameByPath.put(source.getKey(), name);
			upToDate &= carries(library, source.getValue());
		}
		if (upToDate) {
			return new Assembled(files, List.copyOf(problems));
		}

		CqlTranslation.Result result = CqlTranslation.translate(cqlSources);
		for (CqlTranslation.Problem problem : result.problems()) {
			problems.add(new ContentProblem(problem.library(),
					"line " + problem.line() + ", column " + problem.column(), problem.message()));
		}
		Map<String, String> idByName = new HashMap<>();
		libraryByName.forEach((name, library) -> idByName.put(name, library.getIdElement().getIdPart()));

		List<ContentFile> assembled = new ArrayList<>(files);
		for (Map.Entry<String, CqlTranslation.Translated> entry : result.libraries().entrySet()) {
			String name = nameByPath.get(entry.getKey());
			if (name == null) {
				continue;
			}
			CqlTranslation.Translated translated = entry.getValue();
			Library library = libraryByName.get(name);
			if (library.hasVersion() && !library.getVersion().equals(translated.version())) {
				problems.add(new ContentProblem(entry.getKey(), "",
						"library version '" + translated.version() + "' differs from Library.version '"
								+ library.getVersion() + "' of " + library.getIdElement().getIdPart()));
			}
			fill(library, translated, canonical, idByName);
			int index = fileIndexByName.get(name);
			ContentFile file = files.get(index);
			String json = fhir.newJsonParser().setPrettyPrint(true).encodeResourceToString(library) + "\n";
			assembled.set(index, new ContentFile(file.path(), json.getBytes(StandardCharsets.UTF_8)));
		}
		return new Assembled(List.copyOf(assembled), List.copyOf(problems));
	}

	/** Whether the Library carries CQL source (an assembled CQL library). */
	static boolean hasCql(Library library) {
		return library.getContent().stream().anyMatch(content -> CQL.equals(content.getContentType()));
	}

	/** Whether the Library already carries exactly this CQL and ELM compiled from it (an assembled package). */
	static boolean carries(Library library, String cql) {
		boolean sameCql = false;
		boolean hasElm = false;
		for (Attachment content : library.getContent()) {
			if (CQL.equals(content.getContentType()) && content.hasData()) {
				sameCql = cql.equals(new String(content.getData(), StandardCharsets.UTF_8));
			} else if (ELM_JSON.equals(content.getContentType()) && content.hasData()) {
				hasElm = true;
			}
		}
		return sameCql && hasElm;
	}

	private static void fill(Library library, CqlTranslation.Translated translated, String canonical,
			Map<String, String> idByName) {
		library.getContent().removeIf(content -> CQL.equals(content.getContentType())
				|| ELM_JSON.equals(content.getContentType()));
		library.addContent().setContentType(CQL).setData(translated.cql().getBytes(StandardCharsets.UTF_8));
		library.addContent().setContentType(ELM_JSON).setData(translated.elmJson().getBytes(StandardCharsets.UTF_8));

		library.setDataRequirement(translated.requirements().getDataRequirement());
		library.setParameter(translated.requirements().getParameter());

		// What the content wrote itself (citations, documentation) stays; the dependencies are the translator's.
		library.getRelatedArtifact().removeIf(artifact -> artifact.getType() == RelatedArtifact.RelatedArtifactType.DEPENDSON);
		for (RelatedArtifact dependency : translated.requirements().getRelatedArtifact()) {
			if (dependency.getType() != RelatedArtifact.RelatedArtifactType.DEPENDSON || !dependency.hasResource()) {
				continue;
			}
			library.addRelatedArtifact(dependency.copy().setResource(canonicalOf(dependency.getResource(), canonical, idByName)));
		}
	}

	/**
	 * The translator names an included library relatively ({@code Library/Name|version}); a published Library names it by
	 * canonical: HL7's for FHIRHelpers, this package's for its own libraries.
	 */
	static String canonicalOf(String resource, String canonical, Map<String, String> idByName) {
		if (!resource.startsWith("Library/")) {
			return resource;
		}
		String nameAndVersion = resource.substring("Library/".length());
		int bar = nameAndVersion.indexOf('|');
		String name = bar < 0 ? nameAndVersion : nameAndVersion.substring(0, bar);
		String version = bar < 0 ? "" : nameAndVersion.substring(bar);
		if ("FHIRHelpers".equals(name)) {
			return FHIR_HELPERS + version;
		}
		String id = idByName.get(name);
		return id == null || canonical.isEmpty() ? resource : canonical + "/Library/" + id + version;
	}
}
