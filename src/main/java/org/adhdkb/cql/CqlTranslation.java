package org.adhdkb.cql;

import ca.uhn.fhir.context.FhirContext;
import org.cqframework.cql.cql2elm.CqlCompilerException;
import org.cqframework.cql.cql2elm.CqlCompilerOptions;
import org.cqframework.cql.cql2elm.LibraryBuilder;
import org.cqframework.cql.cql2elm.CqlTranslator;
import org.cqframework.cql.cql2elm.LibraryManager;
import org.cqframework.cql.cql2elm.ModelManager;
import org.cqframework.cql.cql2elm.StringLibrarySourceProvider;
import org.cqframework.cql.cql2elm.quick.FhirLibrarySourceProvider;
import org.cqframework.cql.elm.requirements.fhir.DataRequirementsProcessor;
import org.hl7.elm.r1.IncludeDef;
import org.hl7.fhir.convertors.factory.VersionConvertorFactory_40_50;
import org.hl7.fhir.r4.model.Library;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Translates the content's CQL to ELM with the CQL reference translator ({@code org.cqframework:cql-to-elm}), the
 * translator HAPI's clinical reasoning uses, so that our ELM is what any CPG engine would compile. FHIRHelpers 4.0.1
 * and the FHIR 4.0.1 model come from the translator's own resources ({@code org.cqframework:quick}); libraries of the
 * content may include each other.
 *
 * <p>Used by the build and the content check, never per request: translation costs about a second.
 */
public final class CqlTranslation {

	/** CQL's {@code library Name version 'x'} header: names a source before it is translated. */
	private static final Pattern HEADER = Pattern.compile(
			"^\\s*library\\s+(\"[^\"]+\"|[A-Za-z_][A-Za-z0-9_]*)(?:\\s+version\\s+'([^']*)')?", Pattern.MULTILINE);

	/** A translation problem, located in the CQL source (lines and columns from 1). */
	public record Problem(String library, int line, int column, String message) {}

	/**
	 * One translated library: its source, its ELM (JSON) and what the translator's own analysis says it needs, as an R4
	 * Library holding {@code dataRequirement}, {@code relatedArtifact} and {@code parameter}.
	 */
	public record Translated(String name, String version, String cql, String elmJson, Library requirements,
			List<String> includes) {}

	/** The outcome for a set of sources: every library that translated, and every problem of the others. */
	public record Result(Map<String, Translated> libraries, List<Problem> problems) {
		public boolean ok() {
			return problems.isEmpty();
		}
	}

	/**
	 * The translator options: the translator's defaults, with result types (engines and tools read the type of every
	 * definition from the ELM) and the signature of every function call. Without signatures the reference engine
	 * chooses the function for each call at run time from the Java classes of the arguments, which it maps back to
	 * model types by name: half of the CPU of an order check went there (JFR, /work/prof, 2026-12-05). With them it
	 * resolves each call once per evaluation.
	 */
	static CqlCompilerOptions options() {
		CqlCompilerOptions options = CqlCompilerOptions.defaultOptions();
		options.getOptions().add(CqlCompilerOptions.Options.EnableResultTypes);
		options.setSignatureLevel(LibraryBuilder.SignatureLevel.All);
		return options;
	}

	private CqlTranslation() {}

	/** The library name a CQL source declares, or null if it has no library header. */
	public static String declaredName(String cql) {
		Matcher matcher = HEADER.matcher(cql);
		return matcher.find() ? unquote(matcher.group(1)) : null;
	}

	/** Translates every source (keyed by any label, e.g. its file path); sources may include each other. */
	public static Result translate(Map<String, String> sourcesByLabel) {
		LibraryManager libraryManager = new LibraryManager(new ModelManager(), options());
		libraryManager.getLibrarySourceLoader().registerProvider(new FhirLibrarySourceProvider());
		libraryManager.getLibrarySourceLoader().registerProvider(
				new StringLibrarySourceProvider(new ArrayList<>(sourcesByLabel.values())));

		Map<String, Translated> libraries = new LinkedHashMap<>();
		List<Problem> problems = new ArrayList<>();
		for (Map.Entry<String, String> source : sourcesByLabel.entrySet()) {
			String label = source.getKey();
			CqlTranslator translator;
			try {
				translator = CqlTranslator.fromText(source.getValue(), libraryManager);
			} catch (RuntimeException e) {
				problems.add(new Problem(label, 0, 0, "the translator failed: " + e.getMessage()));
				continue;
			}
			List<CqlCompilerException> errors = translator.getErrors();
			if (!errors.isEmpty()) {
				for (CqlCompilerException error : errors) {
					var locator = error.getLocator();
					boolean elsewhere = locator != null && locator.getLibrary() != null
							&& locator.getLibrary().getId() != null
							&& !locator.getLibrary().getId().equals(declaredName(source.getValue()));
					problems.add(new Problem(
							elsewhere ? label + " (in " + locator.getLibrary().getId() + ")" : label,
							locator == null ? 0 : locator.getStartLine(),
							locator == null ? 0 : locator.getStartChar(),
							error.getMessage()));
				}
				continue;
			}
			var compiled = translator.getTranslatedLibrary();
			var identifier = compiled.getIdentifier();
			// Collapsed: one requirement per retrieve, not one per property a function reads from its operand.
			CqlCompilerOptions analysis = options();
			analysis.setCollapseDataRequirements(true);
			org.hl7.fhir.r5.model.Library r5 = new DataRequirementsProcessor()
					.gatherDataRequirements(libraryManager, compiled, analysis, null, false, true);
			Library requirements = (Library) VersionConvertorFactory_40_50.convertResource(r5);
			List<String> includes = new ArrayList<>();
			if (compiled.getLibrary().getIncludes() != null) {
				for (IncludeDef include : compiled.getLibrary().getIncludes().getDef()) {
					includes.add(include.getPath() + (include.getVersion() == null ? "" : "|" + include.getVersion()));
				}
			}
			libraries.put(label, new Translated(identifier.getId(), identifier.getVersion(), source.getValue(),
					translator.toJson(), requirements, List.copyOf(includes)));
		}
		return new Result(libraries, List.copyOf(problems));
	}

	/** FHIRHelpers 4.0.1, which every FHIR CQL library includes, as the translator ships it (CQL only). */
	static final String FHIR_HELPERS_CQL = "/org/hl7/fhir/FHIRHelpers-4.0.1.cql";

	/**
	 * The ELM of FHIRHelpers 4.0.1 with our options. The translator ships FHIRHelpers only as CQL; the build translates it
	 * once beside the content's libraries so that the server loads ELM only.
	 */
	public static String fhirHelpersElm() {
		String cql;
		try (var in = CqlTranslation.class.getResourceAsStream(FHIR_HELPERS_CQL)) {
			if (in == null) {
				throw new IllegalStateException(FHIR_HELPERS_CQL + " is not on the class path (org.cqframework:quick)");
			}
			cql = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
		} catch (java.io.IOException e) {
			throw new java.io.UncheckedIOException(e);
		}
		CqlTranslator translator = CqlTranslator.fromText(cql, new LibraryManager(new ModelManager(), options()));
		if (!translator.getErrors().isEmpty()) {
			throw new IllegalStateException("FHIRHelpers does not translate: " + translator.getErrors().get(0).getMessage());
		}
		return translator.toJson();
	}

	/** For tests and tools: the R4 FHIR context the requirements are encoded with. */
	static FhirContext fhirContext() {
		return FhirContext.forR4Cached();
	}

	private static String unquote(String name) {
		return name.startsWith("\"") ? name.substring(1, name.length() - 1) : name;
	}
}
