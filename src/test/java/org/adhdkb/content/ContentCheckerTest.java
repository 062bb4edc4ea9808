package org.adhdkb.content;

import ca.uhn.fhir.context.FhirContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The checker a knowledge engineer relies on: it must name every problem with file, element and message. */
class ContentCheckerTest {

	private static final String MANIFEST = """
			{"name":"test.content","version":"0.0.1","canonical":"http://adhdkb.org/fhir","fhirVersions":["4.0.1"]}
			""";

	private static final String NARRATIVE =
			"\"text\":{\"status\":\"generated\",\"div\":\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">x</div>\"}";

	private final ContentChecker checker = new ContentChecker(FhirContext.forR4Cached());

	@Test
	void theShippedContentIsValid() {
		ContentChecker.Result result = checker.check(ContentPackage.read("fhir-resources"));
		assertThat(result.problems()).isEmpty();
		assertThat(result.resources()).isNotEmpty();
	}

	@Test
	void reportsEveryProblemAtOnceWithFileAndLocation(@TempDir Path dir) throws IOException {
		write(dir, "package.json", MANIFEST);
		// unknown element: strict parsing must reject it
		write(dir, "ValueSet/unknown-element.json", """
				{"resourceType":"ValueSet","id":"unknown-element","url":"http://adhdkb.org/fhir/ValueSet/unknown-element",
				 "status":"active","colour":"blue",%s}""".formatted(NARRATIVE));
		// file name does not match the id, and the url breaks the convention
		write(dir, "ValueSet/wrong-name.json", """
				{"resourceType":"ValueSet","id":"other-id","url":"http://adhdkb.org/fhir/ValueSet/elsewhere","status":"active",%s}"""
				.formatted(NARRATIVE));
		// a reference to a resource the package does not have, and no narrative
		write(dir, "MedicationKnowledge/dangling.json", """
				{"resourceType":"MedicationKnowledge","id":"dangling","status":"active",
				 "monograph":[{"source":{"reference":"DocumentReference/missing"}}]}""");
		// an invalid status code
		write(dir, "PlanDefinition/broken.json", """
				{"resourceType":"PlanDefinition","id":"broken","url":"http://adhdkb.org/fhir/PlanDefinition/broken",
				 "status":"not-a-status",%s}""".formatted(NARRATIVE));
		// a canonical under our base that resolves to nothing
		write(dir, "PlanDefinition/unresolved.json", """
				{"resourceType":"PlanDefinition","id":"unresolved","url":"http://adhdkb.org/fhir/PlanDefinition/unresolved",
				 "status":"active","library":["http://adhdkb.org/fhir/Library/missing"],%s}""".formatted(NARRATIVE));
		// a resource in the wrong folder
		write(dir, "ValueSet/a-library.json", """
				{"resourceType":"Library","id":"a-library","url":"http://adhdkb.org/fhir/Library/a-library","status":"active",
				 "type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/library-type","code":"logic-library"}]},%s}"""
				.formatted(NARRATIVE));

		ContentChecker.Result result = checker.check(ContentPackage.read(dir.toString()));

		assertThat(result.ok()).isFalse();
		assertProblemSaying(result, "ValueSet/unknown-element.json", "colour");
		assertProblemAt(result, "ValueSet/wrong-name.json", "ValueSet.id");
		assertProblemAt(result, "ValueSet/wrong-name.json", "ValueSet.url");
		assertProblemSaying(result, "MedicationKnowledge/dangling.json", "DocumentReference/missing");
		assertProblemAt(result, "MedicationKnowledge/dangling.json", "MedicationKnowledge.text");
		assertProblemSaying(result, "PlanDefinition/broken.json", "not-a-status");
		assertProblemSaying(result, "PlanDefinition/unresolved.json", "Library/missing");
		assertProblemSaying(result, "ValueSet/a-library.json", "folder Library/");
	}

	@Test
	void aCanonicalMayNameAMedicationKnowledgeByItsArtifactUrl(@TempDir Path dir) throws IOException {
		write(dir, "package.json", MANIFEST);
		write(dir, "MedicationKnowledge/known.json", """
				{"resourceType":"MedicationKnowledge","id":"known","status":"active",%s,
				 "extension":[{"url":"http://hl7.org/fhir/uv/crmi/StructureDefinition/artifact-url",
				               "valueUri":"http://adhdkb.org/fhir/MedicationKnowledge/known"}]}""".formatted(NARRATIVE));
		write(dir, "MedicationKnowledge/misnamed.json", """
				{"resourceType":"MedicationKnowledge","id":"misnamed","status":"active",%s,
				 "extension":[{"url":"http://hl7.org/fhir/uv/crmi/StructureDefinition/artifact-url",
				               "valueUri":"http://adhdkb.org/fhir/MedicationKnowledge/other"}]}""".formatted(NARRATIVE));
		write(dir, "PlanDefinition/about-known.json", """
				{"resourceType":"PlanDefinition","id":"about-known","url":"http://adhdkb.org/fhir/PlanDefinition/about-known",
				 "status":"active",%s,
				 "relatedArtifact":[{"type":"depends-on","resource":"http://adhdkb.org/fhir/MedicationKnowledge/known"},
				                    {"type":"depends-on","resource":"http://adhdkb.org/fhir/MedicationKnowledge/absent"}]}"""
				.formatted(NARRATIVE));

		ContentChecker.Result result = checker.check(ContentPackage.read(dir.toString()), (file, resource) -> false);

		assertProblemSaying(result, "MedicationKnowledge/misnamed.json", "http://adhdkb.org/fhir/MedicationKnowledge/misnamed");
		assertProblemSaying(result, "PlanDefinition/about-known.json", "MedicationKnowledge/absent");
		assertThat(result.problems()).as("the artifact url of known resolves")
				.noneMatch(p -> p.message().contains("MedicationKnowledge/known'"));
	}

	@Test
	void validatorErrorsCarryTheElementPath(@TempDir Path dir) throws IOException {
		write(dir, "package.json", MANIFEST);
		// parses, but breaks the R4 invariant that an include names a system or a value set
		write(dir, "ValueSet/no-system.json", """
				{"resourceType":"ValueSet","id":"no-system","url":"http://adhdkb.org/fhir/ValueSet/no-system","status":"active",
				 "compose":{"include":[{"concept":[{"code":"x"}]}]},%s}""".formatted(NARRATIVE));
		ContentChecker.Result result = checker.check(ContentPackage.read(dir.toString()));
		assertProblemUnder(result, "ValueSet/no-system.json", "ValueSet.compose.include[0]");
	}

	@Test
	void dosingBoundsMustBeReadable(@TempDir Path dir) throws IOException {
		write(dir, "package.json", MANIFEST);
		write(dir, "MedicationKnowledge/loose.json", """
				{"resourceType":"MedicationKnowledge","id":"loose","status":"active",%s,
				 "administrationGuidelines":[{"patientCharacteristics":[{"characteristicCodeableConcept":
				   {"coding":[{"system":"http://loinc.org","code":"29463-7"}]},"value":["up to 70 kilos"]}]}]}"""
				.formatted(NARRATIVE));
		ContentChecker.Result result = checker.check(ContentPackage.read(dir.toString()));
		assertProblemAt(result, "MedicationKnowledge/loose.json",
				"MedicationKnowledge.administrationGuidelines[0].patientCharacteristics[0].value");
	}

	@Test
	void aResultThatShowsADosingConditionMustBeRetrievedAndItsBoundReadable(@TempDir Path dir) throws IOException {
		// the CQL retrieves only the results in ValueSet dosing-condition-results: a code outside it would never be seen
		write(dir, "package.json", MANIFEST);
		write(dir, "CodeSystem/patient-characteristic.json", """
				{"resourceType":"CodeSystem","id":"patient-characteristic","url":"http://adhdkb.org/fhir/CodeSystem/patient-characteristic",
				 "status":"active","content":"complete",%s,
				 "property":[{"code":"observation-code","type":"Coding"},{"code":"observation-bound","type":"string"}],
				 "concept":[{"code":"severe-renal-impairment","display":"Severe renal impairment","property":[
				   {"code":"observation-code","valueCoding":{"system":"http://loinc.org","code":"98979-8"}},
				   {"code":"observation-code","valueCoding":{"system":"http://loinc.org","code":"33914-3"}},
				   {"code":"observation-bound","valueString":"below 30"}]}]}""".formatted(NARRATIVE));
		write(dir, "ValueSet/dosing-condition-results.json", """
				{"resourceType":"ValueSet","id":"dosing-condition-results","url":"http://adhdkb.org/fhir/ValueSet/dosing-condition-results",
				 "status":"active",%s,"compose":{"include":[{"system":"http://loinc.org","concept":[{"code":"98979-8"}]}]}}"""
				.formatted(NARRATIVE));
		ContentChecker.Result result = checker.check(ContentPackage.read(dir.toString()));
		assertProblemSaying(result, "CodeSystem/patient-characteristic.json", "http://loinc.org|33914-3 is not in ValueSet dosing-condition-results");
		assertProblemSaying(result, "CodeSystem/patient-characteristic.json", "'below 30' is not a bound");
		assertThat(result.problems()).noneMatch(p -> p.message().contains("98979-8"));
	}

	@Test
	void aResourceWithoutCanonicalUrlNeedsItsIdentifier(@TempDir Path dir) throws IOException {
		write(dir, "package.json", MANIFEST);
		write(dir, "Organization/anonymous.json", "{\"resourceType\":\"Organization\",\"id\":\"anonymous\",\"name\":\"A\","
				+ NARRATIVE + "}");
		write(dir, "Organization/named.json", "{\"resourceType\":\"Organization\",\"id\":\"named\",\"name\":\"B\","
				+ "\"identifier\":[{\"system\":\"urn:ietf:rfc:3986\",\"value\":\"http://adhdkb.org/fhir/Organization/named\"}],"
				+ NARRATIVE + "}");
		ContentChecker.Result result = checker.check(ContentPackage.read(dir.toString()));
		assertProblemAt(result, "Organization/anonymous.json", "Organization.identifier");
		assertThat(result.problems()).noneMatch(p -> p.file().equals("Organization/named.json"));
	}

	@Test
	void aPackageNeedsItsManifest(@TempDir Path dir) throws IOException {
		write(dir, "ValueSet/x.json", "{\"resourceType\":\"ValueSet\",\"id\":\"x\",\"status\":\"active\"," + NARRATIVE + "}");
		ContentChecker.Result result = checker.check(ContentPackage.read(dir.toString()));
		assertThat(result.problems()).anySatisfy(p -> assertThat(p.file()).isEqualTo("package.json"));
	}

	@Test
	void theCommandExitsNonZeroAndPrintsTheProblems(@TempDir Path dir) throws IOException {
		write(dir, "package.json", MANIFEST);
		write(dir, "ValueSet/x.json", "{\"resourceType\":\"ValueSet\",\"id\":\"y\",\"status\":\"active\"," + NARRATIVE + "}");
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		int exit = ContentCheckCommand.check(dir.toString(), new PrintStream(out, true, StandardCharsets.UTF_8));
		assertThat(exit).isEqualTo(1);
		assertThat(out.toString(StandardCharsets.UTF_8)).contains("ValueSet/x.json @ ValueSet.id");

		ByteArrayOutputStream good = new ByteArrayOutputStream();
		assertThat(ContentCheckCommand.check("fhir-resources", new PrintStream(good, true, StandardCharsets.UTF_8)))
				.isZero();
	}

	/** A Medication, with the value sets and map a product needs, for the product checks below. */
	private static String medication(String code, String name) {
		return """
				{"resourceType":"Medication","id":"rxnorm-%1$s",%3$s,"status":"active",
				 "identifier":[{"system":"urn:ietf:rfc:3986","value":"http://adhdkb.org/fhir/Medication/rxnorm-%1$s"}],
				 "code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"%1$s","display":"%2$s"}]}}"""
				.formatted(code, name, NARRATIVE);
	}

	private static String medicationOf(String code, String name, String ingredient, String ingredientName) {
		return """
				{"resourceType":"Medication","id":"rxnorm-%1$s",%5$s,"status":"active",
				 "code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"%1$s","display":"%2$s"}]},
				 "ingredient":[{"itemCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm",
				   "code":"%3$s","display":"%4$s"}]}}]}"""
				.formatted(code, name, ingredient, ingredientName, NARRATIVE);
	}

	private static String rxnormValueSet(String id, String... codes) {
		StringBuilder concepts = new StringBuilder();
		for (String code : codes) {
			concepts.append(concepts.isEmpty() ? "" : ",").append("{\"code\":\"").append(code).append("\"}");
		}
		return """
				{"resourceType":"ValueSet","id":"%1$s","url":"http://adhdkb.org/fhir/ValueSet/%1$s","status":"active",%3$s,
				 "compose":{"include":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","concept":[%2$s]}]}}"""
				.formatted(id, concepts, NARRATIVE);
	}

	private static final String ATOMOXETINE_MAP = """
			{"resourceType":"ConceptMap","id":"rxnorm-product-to-ingredient","status":"active",
			 "url":"http://adhdkb.org/fhir/ConceptMap/rxnorm-product-to-ingredient",%s,
			 "group":[{"source":"http://www.nlm.nih.gov/research/umls/rxnorm","target":"http://www.nlm.nih.gov/research/umls/rxnorm",
			   "element":[{"code":"349594","target":[{"code":"38400","equivalence":"wider"}]},
			              {"code":"349595","target":[{"code":"38400","equivalence":"wider"}]}]}]}""".formatted(NARRATIVE);

	@Test
	void aMedicationMissingFromItsValueSetsIsReported(@TempDir Path dir) throws IOException {
		write(dir, "package.json", MANIFEST);
		write(dir, "Medication/rxnorm-349594.json", medication("349594", "atomoxetine 40 MG Oral Capsule"));
		write(dir, "Medication/rxnorm-349595.json", medication("349595", "atomoxetine 60 MG Oral Capsule"));
		write(dir, "ConceptMap/rxnorm-product-to-ingredient.json", ATOMOXETINE_MAP);
		// 349595 is an ADHD medicine and a non-stimulant, but its ingredient set forgot it
		write(dir, "ValueSet/adhd-medications.json", rxnormValueSet("adhd-medications", "38400", "349594", "349595"));
		write(dir, "ValueSet/adhd-non-stimulants.json", rxnormValueSet("adhd-non-stimulants", "38400", "349594", "349595"));
		write(dir, "ValueSet/adhd-stimulants.json", rxnormValueSet("adhd-stimulants", "6901"));
		write(dir, "ValueSet/atomoxetine-products.json", rxnormValueSet("atomoxetine-products", "38400", "349594"));

		ContentChecker.Result result = checker.check(ContentPackage.read(dir.toString()));

		assertProblemSaying(result, "Medication/rxnorm-349595.json", "ValueSet/atomoxetine-products");
		assertThat(result.problems()).noneMatch(p -> p.file().equals("Medication/rxnorm-349594.json"));
	}

	@Test
	void anIngredientMissingFromTheIngredientValueSetIsReported(@TempDir Path dir) throws IOException {
		write(dir, "package.json", MANIFEST);
		write(dir, "Medication/rxnorm-349594.json", medicationOf("349594", "atomoxetine 40 MG Oral Capsule", "38400", "atomoxetine"));
		// the salt the methylphenidate products are coded in: an EHR's own product made of it must be recognised too
		write(dir, "Medication/rxnorm-1091155.json", medicationOf("1091155",
				"24 HR methylphenidate hydrochloride 18 MG Extended Release Oral Tablet", "203188", "methylphenidate hydrochloride"));
		write(dir, "ValueSet/adhd-ingredients.json", rxnormValueSet("adhd-ingredients", "38400", "6901"));

		ContentChecker.Result result = checker.check(ContentPackage.read(dir.toString()));

		assertProblemSaying(result, "Medication/rxnorm-1091155.json", "203188 is missing from ValueSet/adhd-ingredients");
		assertThat(result.problems()).noneMatch(p -> p.message().contains("|38400 is missing"));
	}

	@Test
	void aMedicationInNeitherTheAdhdNorTheNotLabelledSetIsReported(@TempDir Path dir) throws IOException {
		write(dir, "package.json", MANIFEST);
		write(dir, "Medication/rxnorm-349594.json", medication("349594", "atomoxetine 40 MG Oral Capsule"));
		write(dir, "ConceptMap/rxnorm-product-to-ingredient.json", ATOMOXETINE_MAP);

		ContentChecker.Result result = checker.check(ContentPackage.read(dir.toString()));

		assertProblemSaying(result, "Medication/rxnorm-349594.json", "exactly one of ValueSet/adhd-medications");
	}

	@Test
	void aProductInAProductValueSetWithoutAMedicationIsReported(@TempDir Path dir) throws IOException {
		write(dir, "package.json", MANIFEST);
		write(dir, "Medication/rxnorm-349594.json", medication("349594", "atomoxetine 40 MG Oral Capsule"));
		write(dir, "ConceptMap/rxnorm-product-to-ingredient.json", ATOMOXETINE_MAP);
		// 608139 (atomoxetine 100 MG Oral Capsule) is listed but has no Medication
		write(dir, "ValueSet/adhd-medications.json", rxnormValueSet("adhd-medications", "38400", "349594", "608139"));
		write(dir, "ValueSet/adhd-non-stimulants.json", rxnormValueSet("adhd-non-stimulants", "349594"));

		ContentChecker.Result result = checker.check(ContentPackage.read(dir.toString()));

		assertProblemSaying(result, "ValueSet/adhd-medications.json", "RxNorm 608139 has no Medication");
		assertThat(result.problems()).noneMatch(p -> p.message().contains("RxNorm 38400 has no"));
	}

	@Test
	void aCodeWithoutASourceIsReportedWithFileElementAndCode(@TempDir Path dir) throws IOException {
		write(dir, "package.json", MANIFEST);
		write(dir, "SOURCES.md", """
				# Sources of codes

				## Sources

				| id | location | what |
				|---|---|---|
				| S1 | canvas-medical/canvas-plugins @ 344f0bcb : canvas_sdk/value_set/v2026/medication.py | VSAC |

				## Codes

				| system | code | display | sources |
				|---|---|---|---|
				| http://www.nlm.nih.gov/research/umls/rxnorm | 349594 | atomoxetine 40 MG Oral Capsule | S1 Atomoxetine l.2525 |
				| http://snomed.info/sct | 406506008 | ADHD | S99 |
				""");
		// 4477 is the wrong "fluoxetine" code that codes.md warns about: no source names it
		write(dir, "ValueSet/co-medication.json", rxnormValueSet("co-medication", "349594", "4477"));
		write(dir, "PlanDefinition/uses-codes.json", """
				{"resourceType":"PlanDefinition","id":"uses-codes","url":"http://adhdkb.org/fhir/PlanDefinition/uses-codes",
				 "status":"active",%s,
				 "topic":[{"coding":[{"system":"http://snomed.info/sct","code":"406506008"},
				                     {"system":"http://loinc.org","code":"8867-4"},
				                     {"system":"http://adhdkb.org/fhir/CodeSystem/guidance-topic","code":"ours"}]}]}"""
				.formatted(NARRATIVE));

		ContentChecker.Result result = checker.check(ContentPackage.read(dir.toString()));

		assertProblemAt(result, "ValueSet/co-medication.json", "ValueSet.compose.include[0].concept[1]");
		assertProblemSaying(result, "ValueSet/co-medication.json", "http://www.nlm.nih.gov/research/umls/rxnorm|4477");
		assertProblemAt(result, "PlanDefinition/uses-codes.json", "PlanDefinition.topic[0].coding[1]");
		assertProblemSaying(result, "PlanDefinition/uses-codes.json", "http://loinc.org|8867-4");
		// a row must cite a source the table defines
		assertProblemSaying(result, "SOURCES.md", "source id 'S99'");
		assertThat(result.problems()).noneMatch(p -> p.message().contains("|349594")
				|| p.message().contains("guidance-topic|ours") || p.message().contains("sct|406506008 has no source"));
	}

	@Test
	void everyExternalCodeOfTheShippedContentHasASource() {
		ContentPackage shipped = ContentPackage.read("fhir-resources");
		assertThat(shipped.sourceTable()).as("fhir-resources/SOURCES.md").isNotNull();
		CodeSources sources = CodeSources.parse(shipped.sourceTable());
		assertThat(sources.check(shipped.files(), shipped.canonical())).isEmpty();
		// the table cites the sources codes.md names, by the repository and commit codes.md gives
		assertThat(shipped.sourceTable()).contains(
				"canvas-medical/canvas-plugins @ 344f0bcb924b2be7ffafb5ac7edf19d475704259 : canvas_sdk/value_set/v2026/medication.py",
				"ya-luotao/adhd-db @ 8c9fb9839e2c3318f32ba813b2b7a248ab2352ef : packages/rxnorm/cache/rxnorm-data.json");
	}

	private static final String LOGIC_LIBRARY = """
			{"resourceType":"Library","id":"%s","url":"http://adhdkb.org/fhir/Library/%s","version":"1.0.0","name":"%s",
			 "status":"active",
			 "type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/library-type","code":"logic-library"}]},%s}""";

	@Test
	void aCqlTranslationErrorNamesTheFileLineAndMessage(@TempDir Path dir) throws IOException {
		write(dir, "package.json", MANIFEST);
		write(dir, "Library/broken-logic.json", LOGIC_LIBRARY.formatted("broken-logic", "broken-logic", "BrokenLogic", NARRATIVE));
		write(dir, "cql/BrokenLogic.cql", """
				library BrokenLogic version '1.0.0'
				using FHIR version '4.0.1'
				context Patient
				define "Adult": AgeInYears() >= 18
				define "Typo": "Adlut"
				""");

		ContentChecker.Result result = checker.check(ContentPackage.read(dir.toString()));

		assertProblemAt(result, "cql/BrokenLogic.cql", "line 5, column 16");
		assertProblemSaying(result, "cql/BrokenLogic.cql", "Adlut");
	}

	@Test
	void cqlIsTranslatedIntoItsLibraryAndExpressionsMustNameItsDefinitions(@TempDir Path dir) throws IOException {
		write(dir, "package.json", MANIFEST);
		write(dir, "Library/age-logic.json", LOGIC_LIBRARY.formatted("age-logic", "age-logic", "AgeLogic", NARRATIVE));
		write(dir, "cql/AgeLogic.cql", """
				library AgeLogic version '1.0.0'
				using FHIR version '4.0.1'
				include FHIRHelpers version '4.0.1' called FHIRHelpers
				codesystem "LOINC": 'http://loinc.org'
				code "Body weight": '29463-7' from "LOINC"
				context Patient
				define "Adult": AgeInYears() >= 18
				define "Has weight": exists [Observation: "Body weight"]
				""");
		write(dir, "PlanDefinition/age-rule.json", """
				{"resourceType":"PlanDefinition","id":"age-rule","url":"http://adhdkb.org/fhir/PlanDefinition/age-rule",
				 "status":"active","library":["http://adhdkb.org/fhir/Library/age-logic"],%s,
				 "action":[{"title":"adults","condition":[{"kind":"applicability",
				   "expression":{"language":"text/cql-identifier","expression":"Adult"}}],
				  "action":[{"title":"nested","condition":[{"kind":"applicability",
				   "expression":{"language":"text/cql-identifier","expression":"Grown-up"}}]}]}]}""".formatted(NARRATIVE));

		ContentPackage contentPackage = ContentPackage.read(dir.toString());
		ContentChecker.Result result = checker.check(contentPackage);

		assertThat(result.problems()).singleElement().satisfies(problem -> {
			assertThat(problem.file()).isEqualTo("PlanDefinition/age-rule.json");
			assertThat(problem.location()).isEqualTo("PlanDefinition.action[0].action[0].condition[0].expression");
			assertThat(problem.message()).contains("'Grown-up'").contains("Adult");
		});
		org.hl7.fhir.r4.model.Library library = (org.hl7.fhir.r4.model.Library) result.resources().get("Library/age-logic.json");
		assertThat(library.getContent()).extracting(org.hl7.fhir.r4.model.Attachment::getContentType)
				.containsExactly("text/cql", "application/elm+json");
		assertThat(new String(library.getContent().get(1).getData(), StandardCharsets.UTF_8))
				.contains("\"name\":\"Adult\"");
		assertThat(library.getRelatedArtifact()).extracting(org.hl7.fhir.r4.model.RelatedArtifact::getResource)
				.contains("http://hl7.org/fhir/Library/FHIRHelpers|4.0.1");
		assertThat(library.getDataRequirement()).anySatisfy(requirement -> {
			assertThat(requirement.getType()).isEqualTo("Observation");
			assertThat(requirement.getCodeFilterFirstRep().getCodeFirstRep().getCode()).isEqualTo("29463-7");
		});
	}

	@Test
	void aFhirPathExpressionNamingAServerComputedVariableIsReported(@TempDir Path dir) throws IOException {
		write(dir, "package.json", MANIFEST);
		write(dir, "ActivityDefinition/start.json", """
				{"resourceType":"ActivityDefinition","id":"start","url":"http://adhdkb.org/fhir/ActivityDefinition/start",
				 "status":"active","kind":"MedicationRequest",%s,
				 "dynamicValue":[
				  {"path":"dosageInstruction[0].doseAndRate[0].doseQuantity",
				   "expression":{"language":"text/fhirpath","expression":"%%startingDailyDose"}},
				  {"path":"subject","expression":{"language":"text/fhirpath","expression":"%%subject"}}]}""".formatted(NARRATIVE));

		ContentChecker.Result result = checker.check(ContentPackage.read(dir.toString()));

		// %startingDailyDose is what only our old $apply engine computed; %subject is an input of every CPG $apply
		assertProblemAt(result, "ActivityDefinition/start.json", "ActivityDefinition.dynamicValue[0].expression");
		assertProblemSaying(result, "ActivityDefinition/start.json", "'%startingDailyDose' is not a standard input");
		assertThat(result.problems()).noneMatch(p -> p.message().contains("%subject"));
	}

	@Test
	void aLogicLibraryWithoutCqlAndCqlWithoutLibraryAreReported(@TempDir Path dir) throws IOException {
		write(dir, "package.json", MANIFEST);
		write(dir, "Library/no-source.json", LOGIC_LIBRARY.formatted("no-source", "no-source", "NoSource", NARRATIVE));
		write(dir, "cql/Orphan.cql", "library Orphan version '1.0.0'\ndefine \"One\": 1\n");

		ContentChecker.Result result = checker.check(ContentPackage.read(dir.toString()));

		assertProblemAt(result, "Library/no-source.json", "Library.content");
		assertProblemSaying(result, "cql/Orphan.cql", "no Library in Library/ has the name Orphan");
	}

	private static void assertProblemAt(ContentChecker.Result result, String file, String location) {
		assertThat(result.problems()).as("a problem in %s at %s", file, location)
				.anyMatch(p -> p.file().equals(file) && p.location().equals(location));
	}

	private static void assertProblemUnder(ContentChecker.Result result, String file, String locationPrefix) {
		assertThat(result.problems()).as("a problem in %s under %s", file, locationPrefix)
				.anyMatch(p -> p.file().equals(file) && p.location().startsWith(locationPrefix));
	}

	private static void assertProblemSaying(ContentChecker.Result result, String file, String text) {
		assertThat(result.problems()).as("a problem in %s saying %s", file, text)
				.anyMatch(p -> p.file().equals(file) && p.message().contains(text));
	}

	static void write(Path dir, String path, String content) throws IOException {
		Path file = dir.resolve(path);
		Files.createDirectories(file.getParent());
		Files.writeString(file, content);
	}
}
