package org.adhdkb.content;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.StrictErrorHandler;
import ca.uhn.fhir.util.VersionUtil;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import com.fasterxml.jackson.databind.JsonNode;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;

/**
 * Checks a content package the way a knowledge engineer needs it checked: every file parsed strictly, validated
 * against FHIR R4 core with HAPI's validator, its references and canonicals resolved inside the package, and the
 * project's conventions (folder = type, file name = id, url = base/Type/id, a narrative). It reports every problem,
 * not the first one.
 */
public class ContentChecker {

	private static final Logger log = LoggerFactory.getLogger(ContentChecker.class);

	/** Resource types whose instances are conformance resources the validator must see to check the others. */
	private static final Set<String> CONFORMANCE_TYPES =
			Set.of("CodeSystem", "ValueSet", "StructureDefinition", "SearchParameter", "ConceptMap");

	/**
	 * Identifies the checking rules: a file validated under other rules (another HAPI validator, or a change to this
	 * class's checks) is validated again.
	 */
	static final String RULES = "adhdkb-content-rules-4/hapi-" + VersionUtil.getVersion();

	/**
	 * The CRMI extension that gives a resource with no {@code url} element in R4 (MedicationKnowledge) the canonical
	 * url it would have; guidance names the medicine it is about by that url ({@code relatedArtifact} depends-on).
	 */
	static final String ARTIFACT_URL = "http://hl7.org/fhir/uv/crmi/StructureDefinition/artifact-url";

	private final FhirContext fhirContext;
	private final DefaultProfileValidationSupport coreDefinitions;

	public ContentChecker(FhirContext fhirContext) {
		this(fhirContext, new DefaultProfileValidationSupport(fhirContext));
	}

	/**
	 * @param coreDefinitions the R4 core StructureDefinitions; the server passes the instance HAPI has already
	 *                        loaded, so that start-up does not parse them a second time (about 2 s)
	 */
	public ContentChecker(FhirContext fhirContext, DefaultProfileValidationSupport coreDefinitions) {
		this.fhirContext = fhirContext;
		this.coreDefinitions = coreDefinitions;
	}

	/** The outcome: the parsed resources by file path (only files that parsed), and all problems found. */
	public record Result(Map<String, Resource> resources, List<ContentProblem> problems, int validated, int warnings) {
		public boolean ok() {
			return problems.isEmpty();
		}
	}

	/** Checks everything, validating every file. */
	public Result check(ContentPackage contentPackage) {
		return check(contentPackage, (file, resource) -> true);
	}

	/**
	 * Checks the package. Parsing, conventions and references are always checked for every file (they are cheap and
	 * span files); full profile validation runs for the files {@code validate} selects, given each file with the
	 * resource parsed from it.
	 */
	public Result check(ContentPackage contentPackage, BiPredicate<ContentFile, Resource> validate) {
		List<ContentProblem> problems = new ArrayList<>(contentPackage.assemblyProblems());
		checkManifest(contentPackage, problems);

		IParser parser = fhirContext.newJsonParser().setParserErrorHandler(new StrictErrorHandler());
		Map<String, Resource> resources = new LinkedHashMap<>();
		for (ContentFile file : contentPackage.files()) {
			try {
				IBaseResource parsed = parser.parseResource(file.text());
				if (parsed instanceof Resource resource) {
					resources.put(file.path(), resource);
				} else {
					problems.add(new ContentProblem(file.path(), "", "not an R4 resource"));
				}
			} catch (DataFormatException | ClassCastException e) {
				problems.add(new ContentProblem(file.path(), "", "does not parse: " + e.getMessage()));
			}
		}

		checkConventions(contentPackage, resources, problems);
		checkReferences(contentPackage, resources, problems);
		ProductChecks.check(resources, problems);
		CqlContentRules.check(resources, problems);
		checkDosingConditionBindings(resources, problems);
		if (contentPackage.sourceTable() != null) {
			problems.addAll(CodeSources.parse(contentPackage.sourceTable())
					.check(contentPackage.files(), contentPackage.canonical()));
		}

		List<ContentFile> toValidate = contentPackage.files().stream()
				.filter(file -> resources.containsKey(file.path()) && validate.test(file, resources.get(file.path())))
				.toList();
		int warnings = 0;
		if (!toValidate.isEmpty()) {
			FhirValidator validator = newValidator(resources.values());
			// The validator is thread-safe; validating files in parallel halves the first start on two cores.
			Map<String, ValidationResult> results = new java.util.concurrent.ConcurrentHashMap<>();
			toValidate.parallelStream().forEach(file -> results.put(file.path(), validator.validateWithResult(file.text())));
			for (ContentFile file : toValidate) {
				for (SingleValidationMessage message : results.get(file.path()).getMessages()) {
					if (CqlContentRules.isCqlLanguageCodeFalseAlarm(message)) {
						continue;
					}
					if (message.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal()) {
						problems.add(new ContentProblem(
								file.path(), nullToEmpty(message.getLocationString()), message.getMessage()));
					} else if (message.getSeverity() == ResultSeverityEnum.WARNING) {
						warnings++;
						log.debug("{} @ {}: {}", file.path(), message.getLocationString(), message.getMessage());
					}
				}
			}
		}
		return new Result(Collections.unmodifiableMap(resources), List.copyOf(problems), toValidate.size(), warnings);
	}

	private void checkManifest(ContentPackage contentPackage, List<ContentProblem> problems) {
		JsonNode manifest = contentPackage.manifest();
		if (manifest == null) {
			problems.add(new ContentProblem(ContentPackage.MANIFEST, "", "missing: the content must be a FHIR NPM package"));
			return;
		}
		for (String field : List.of("name", "version", "canonical")) {
			if (manifest.path(field).asText("").isBlank()) {
				problems.add(new ContentProblem(ContentPackage.MANIFEST, field, "is required"));
			}
		}
		boolean r4 = false;
		for (JsonNode version : manifest.path("fhirVersions")) {
			r4 |= version.asText().startsWith("4.0");
		}
		if (!r4) {
			problems.add(new ContentProblem(ContentPackage.MANIFEST, "fhirVersions", "must list 4.0.1"));
		}
	}

	private void checkConventions(
			ContentPackage contentPackage, Map<String, Resource> resources, List<ContentProblem> problems) {
		String base = contentPackage.canonical();
		Map<String, String> fileByKey = new HashMap<>();
		for (Map.Entry<String, Resource> entry : resources.entrySet()) {
			String path = entry.getKey();
			Resource resource = entry.getValue();
			String type = resource.fhirType();
			ContentFile file = new ContentFile(path, new byte[0]);
			if (!type.equals(file.folder())) {
				problems.add(new ContentProblem(path, "", "a " + type + " must be in the folder " + type + "/"));
			}
			String id = resource.getIdElement().getIdPart();
			if (id == null || !id.equals(file.stem())) {
				problems.add(new ContentProblem(path, type + ".id", "must equal the file name '" + file.stem() + "'"));
			}
			String previous = fileByKey.putIfAbsent(type + "/" + id, path);
			if (previous != null) {
				problems.add(new ContentProblem(path, type + ".id", "duplicates the id of " + previous));
			}
			String url = canonicalUrl(resource);
			boolean conventional = url == null || base.isEmpty() || isExternalFragment(resource);
			if (!conventional && !url.equals(base + "/" + type + "/" + id)) {
				problems.add(new ContentProblem(path, type + ".url", "must be " + base + "/" + type + "/" + id));
			}
			if (resource instanceof MedicationKnowledge medicine) {
				checkDosingBounds(path, medicine, problems);
			}
			if (url == null && !base.isEmpty() && IDENTIFIED_TYPES.contains(type)
					&& !hasIdentifier(resource, base + "/" + type + "/" + id)) {
				// HAPI's package installer (and any server loading the package) finds an installed copy by it
				problems.add(new ContentProblem(path, type + ".identifier",
						"must include urn:ietf:rfc:3986|" + base + "/" + type + "/" + id));
			}
			String artifactUrl = artifactUrl(resource);
			if (artifactUrl != null && !base.isEmpty() && !artifactUrl.equals(base + "/" + type + "/" + id)) {
				problems.add(new ContentProblem(
						path, type + ".extension('" + ARTIFACT_URL + "')", "must be " + base + "/" + type + "/" + id));
			}
			if (resource instanceof DomainResource domain
					&& (!domain.hasText() || !domain.getText().hasDiv() || domain.getText().getDiv().isEmpty())) {
				problems.add(new ContentProblem(path, type + ".text", "a narrative is required"));
			}
		}
	}

	/** Resource types without a canonical url that the content identifies by their adhdkb URL. */
	private static final Set<String> IDENTIFIED_TYPES = Set.of("Medication", "DocumentReference", "Organization");

	private static boolean hasIdentifier(Resource resource, String value) {
		return resource.getNamedProperty("identifier").getValues().stream()
				.map(Identifier.class::cast)
				.anyMatch(identifier -> "urn:ietf:rfc:3986".equals(identifier.getSystem()) && value.equals(identifier.getValue()));
	}

	/**
	 * A bound as the content writes it ({@code <=70 kg}, {@code >=6 a}, {@code <30 mL/min/{1.73_m2}}): comparator,
	 * number, UCUM unit; the grammar Library AdhdDosing ("Is bound") and AdhdPatientFacts read.
	 */
	private static final java.util.regex.Pattern BOUND =
			java.util.regex.Pattern.compile("\\s*(<=|>=|<|>)\\s*([0-9.]+)\\s*(\\S+)\\s*");

	static boolean isReadableBound(String value) {
		return value != null && BOUND.matcher(value).matches();
	}

	/** Dosing bands are read by the content's CQL, so their bounds must follow the grammar the README fixes. */
	private static void checkDosingBounds(String path, MedicationKnowledge medicine, List<ContentProblem> problems) {
		for (int g = 0; g < medicine.getAdministrationGuidelines().size(); g++) {
			var band = medicine.getAdministrationGuidelines().get(g);
			for (int c = 0; c < band.getPatientCharacteristics().size(); c++) {
				for (var value : band.getPatientCharacteristics().get(c).getValue()) {
					if (!isReadableBound(value.getValue())) {
						problems.add(new ContentProblem(path,
								"MedicationKnowledge.administrationGuidelines[" + g + "].patientCharacteristics[" + c + "].value",
								"'" + value.getValue() + "' is not a bound like '<=70 kg' (op number UCUM-unit)"));
					}
				}
			}
		}
	}

	private static final String PATIENT_CHARACTERISTIC = "http://adhdkb.org/fhir/CodeSystem/patient-characteristic";
	private static final String DOSING_CONDITION_RESULTS = "http://adhdkb.org/fhir/ValueSet/dosing-condition-results";

	/**
	 * The CQL reads a dosing condition from the results CodeSystem patient-characteristic binds it to: each result
	 * code must be in the value set the CQL retrieves (and so prefetches), and each bound must be readable.
	 */
	private static void checkDosingConditionBindings(Map<String, Resource> resources, List<ContentProblem> problems) {
		String path = null;
		org.hl7.fhir.r4.model.CodeSystem characteristics = null;
		Set<String> retrieved = new HashSet<>();
		for (Map.Entry<String, Resource> entry : resources.entrySet()) {
			if (entry.getValue() instanceof org.hl7.fhir.r4.model.CodeSystem codeSystem
					&& PATIENT_CHARACTERISTIC.equals(codeSystem.getUrl())) {
				path = entry.getKey();
				characteristics = codeSystem;
			} else if (entry.getValue() instanceof org.hl7.fhir.r4.model.ValueSet valueSet
					&& DOSING_CONDITION_RESULTS.equals(valueSet.getUrl())) {
				valueSet.getCompose().getInclude().forEach(include -> include.getConcept()
						.forEach(concept -> retrieved.add(include.getSystem() + "|" + concept.getCode())));
			}
		}
		if (characteristics == null) {
			return;
		}
		for (var concept : characteristics.getConcept()) {
			for (var property : concept.getProperty()) {
				String where = "CodeSystem.concept[" + concept.getCode() + "].property[" + property.getCode() + "]";
				if ("observation-code".equals(property.getCode()) && property.getValue() instanceof org.hl7.fhir.r4.model.Coding coding
						&& !retrieved.contains(coding.getSystem() + "|" + coding.getCode())) {
					problems.add(new ContentProblem(path, where, coding.getSystem() + "|" + coding.getCode()
							+ " is not in ValueSet dosing-condition-results, so the CQL never sees such a result"));
				}
				if ("observation-bound".equals(property.getCode()) && !isReadableBound(property.getValue().primitiveValue())) {
					problems.add(new ContentProblem(path, where,
							"'" + property.getValue().primitiveValue() + "' is not a bound like '<30 mL/min/{1.73_m2}' (op number UCUM-unit)"));
				}
			}
		}
	}

	private void checkReferences(
			ContentPackage contentPackage, Map<String, Resource> resources, List<ContentProblem> problems) {
		Set<String> ids = new HashSet<>();
		Set<String> urls = new HashSet<>();
		for (Resource resource : resources.values()) {
			ids.add(resource.fhirType() + "/" + resource.getIdElement().getIdPart());
			String url = canonicalUrl(resource);
			if (url != null) {
				urls.add(url);
			}
			String artifactUrl = artifactUrl(resource);
			if (artifactUrl != null) {
				urls.add(artifactUrl);
			}
		}
		String base = contentPackage.canonical();
		var terser = fhirContext.newTerser();
		for (Map.Entry<String, Resource> entry : resources.entrySet()) {
			Resource resource = entry.getValue();
			for (Reference reference : terser.getAllPopulatedChildElementsOfType(resource, Reference.class)) {
				String target = reference.getReference();
				if (target == null || target.startsWith("#") || target.contains(":")) {
					continue;
				}
				String relative = target.contains("/_history/") ? target.substring(0, target.indexOf("/_history/")) : target;
				if (!ids.contains(relative)) {
					problems.add(new ContentProblem(
							entry.getKey(), "reference", "'" + target + "' is not a resource of this package"));
				}
			}
			if (base.isEmpty()) {
				continue;
			}
			for (CanonicalType canonical : terser.getAllPopulatedChildElementsOfType(resource, CanonicalType.class)) {
				String value = canonical.getValue();
				if (value == null || !value.startsWith(base + "/")) {
					continue;
				}
				String withoutVersion = value.contains("|") ? value.substring(0, value.indexOf('|')) : value;
				if (!urls.contains(withoutVersion)) {
					problems.add(new ContentProblem(
							entry.getKey(), "canonical", "'" + value + "' is not the url of a resource in this package"));
				}
			}
		}
	}

	private FhirValidator newValidator(Iterable<Resource> resources) {
		PrePopulatedValidationSupport packageSupport = new PrePopulatedValidationSupport(fhirContext);
		for (Resource resource : resources) {
			if (CONFORMANCE_TYPES.contains(resource.fhirType()) && canonicalUrl(resource) != null) {
				packageSupport.addResource(resource);
			}
		}
		ValidationSupportChain chain = new ValidationSupportChain(
				packageSupport,
				coreDefinitions,
				new CommonCodeSystemsTerminologyService(fhirContext),
				new InMemoryTerminologyServerValidationSupport(fhirContext),
				new SnapshotGeneratingValidationSupport(fhirContext));
		FhirInstanceValidator instanceValidator = new FhirInstanceValidator(chain);
		FhirValidator validator = fhirContext.newValidator();
		validator.registerValidatorModule(instanceValidator);
		return validator;
	}

	/**
	 * A fragment of an external code system (RxNorm, SNOMED CT, LOINC, ...) keeps that system's own url, so that
	 * {@code $lookup} and {@code $validate-code} answer for the external codes our content uses.
	 */
	static boolean isExternalFragment(Resource resource) {
		return resource instanceof CodeSystem codeSystem
				&& codeSystem.getContent() == CodeSystem.CodeSystemContentMode.FRAGMENT;
	}

	/** What the validation record holds for a file that passed: its content hash under the current rules. */
	static String validationStamp(ContentFile file) {
		return file.hash(RULES);
	}

	/** The {@code url} of a canonical resource, or null for resources without one. */
	static String canonicalUrl(Resource resource) {
		var child = resource.getNamedProperty("url");
		if (child == null || !child.hasValues()) {
			return null;
		}
		return child.getValues().get(0).primitiveValue();
	}

	/** The CRMI artifact url of a resource that has no {@code url} element, or null. */
	static String artifactUrl(Resource resource) {
		if (!(resource instanceof DomainResource domain) || canonicalUrl(resource) != null) {
			return null;
		}
		Extension extension = domain.getExtensionByUrl(ARTIFACT_URL);
		return extension == null || extension.getValue() == null ? null : extension.getValue().primitiveValue();
	}

	private static String nullToEmpty(String value) {
		return value == null ? "" : value;
	}
}
