package org.adhdkb.medication;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.adhdkb.cdshooks.CdsHooksSupport;
import org.adhdkb.content.ContentChecker;
import org.adhdkb.content.ContentPackage;
import org.adhdkb.cql.CompiledLibraries;
import org.adhdkb.cql.CqlEvaluator;
import org.adhdkb.cql.SweepLibrary;
import org.adhdkb.cql.ValueSetTerminology;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Library;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencds.cqf.cql.engine.runtime.Tuple;

/**
 * {@link DosingCalculator} is a hand-written fast path of the content's dosing logic, Library AdhdDosing (CQL): the
 * order checks call it for every line of every order, where the engine would cost milliseconds. It is allowed only
 * because this test proves the two equal, on a generated sweep over every product line of the shipped content: ages
 * 3-70 and unknown, weights 10-120 kg (with the 70 kg band edge) and unknown, and for each line no condition, each
 * dosing condition its bands name (CYP2D6, CYP3A4, renal, hepatic), and all of them together. Each row compares the
 * chosen band, the starting and target doses, the maximum and the absolute maximum, the titration intervals, whether
 * the weight is what is missing, and the highest maximum whatever the missing facts. The same comparison runs at the
 * facts of every CDS case file's patient, as Library AdhdPatientFacts reads them from the case's record.
 */
class DosingFastPathTest {

	private static final FhirContext FHIR = FhirContext.forR4Cached();
	private static final List<Library> libraries = new ArrayList<>();
	private static final Map<String, MedicationKnowledge> lines = new LinkedHashMap<>();
	private static final List<Resource> knowledge = new ArrayList<>();
	private static String dosingCql;
	private static ValueSetTerminology terminology;
	private static CqlEvaluator evaluator;
	private static final String AGES = "-1, 3, 4, 5, 6, 7, 9, 10, 12, 13, 14, 17, 18, 19, 25, 55, 56, 65, 70";
	private static final String WEIGHTS =
			"-1.0, 10.0, 12.5, 15.0, 18.0, 20.0, 25.0, 30.0, 35.0, 40.0, 45.0, 50.0, 55.0, 60.0, 65.0, 69.9, 70.0, 70.1, 75.0, 80.0, 90.0, 100.0, 110.0, 120.0";

	/** The sweep in CQL: every line, age, weight and set of conditions its bands name; -1 stands for unknown. */
	private static final String SWEEP = """
			library DosingSweep version '1.0.0'
			using FHIR version '4.0.1'
			include FHIRHelpers version '4.0.1' called FHIRHelpers
			include AdhdDosing version '0.1.0' called Dosing
			context Patient
			define "Rows":
			  flatten ([MedicationKnowledge] K
			    return all flatten (("Condition sets"(K)) C return all "Rows of"(K, C)))
			define "Case rows":
			  flatten ([MedicationKnowledge] K
			    return all ("Case patients" P return all "Row"(K, P.age, P.weight, P.conditions)))
			define "Case patients":
			  List<Tuple { age System.Integer, weight System.Decimal, conditions List<System.String> }> { %s }
			define function "Rows of"(K FHIR.MedicationKnowledge, C List<System.String>):
			  from ({ %s }) A, ({ %s }) W
			  return all "Row"(K, if A < 0 then null else A, if W < 0 then null else W, C)
			define function "Row"(K FHIR.MedicationKnowledge, age Integer, weight Decimal, C List<System.String>):
			  Tuple {
			    line: K.id, age: age, weight: weight, conditions: C,
			    plan: Dosing."Plan"(K, age, weight, C),
			    needsWeight: Dosing."Needs weight"(K, age, weight, C),
			    ceiling: Dosing."Ceiling"(K, age, weight, C),
			    applies: Dosing."Band that applies"(Dosing."Candidates"(K, age, weight, C))
			  }
			define function "Named conditions"(K FHIR.MedicationKnowledge):
			  distinct (flatten (K.administrationGuidelines G
			    return all (G.patientCharacteristics P
			      return First((P.characteristic as FHIR.CodeableConcept).coding).code.value)))
			    except { '29463-7', 'age' }
			define function "Condition sets"(K FHIR.MedicationKnowledge):
			  { List<System.String> { } }
			    union (("Named conditions"(K)) N return all { N })
			    union (if Count("Named conditions"(K)) > 1 then { "Named conditions"(K) } else { })
			""";

	/** The content's Libraries (with AdhdDosing's CQL), its product lines, and an engine for its facts. */
	@BeforeAll
	static void readTheContent() {
		ContentChecker.Result content = new ContentChecker(FHIR).check(ContentPackage.read("fhir-resources"), (f, r) -> false);
		PrePopulatedValidationSupport ours = new PrePopulatedValidationSupport(FHIR);
		for (Resource resource : content.resources().values()) {
			if (resource instanceof Library library) {
				libraries.add(library);
				for (Attachment attachment : library.getContent()) {
					if ("text/cql".equals(attachment.getContentType()) && "AdhdDosing".equals(library.getName())) {
						dosingCql = new String(attachment.getData(), StandardCharsets.UTF_8);
					}
				}
			} else if (resource instanceof MedicationKnowledge line) {
				lines.put(line.getIdElement().getIdPart(), line);
			} else if (resource instanceof ValueSet || resource instanceof CodeSystem) {
				ours.addResource(resource);
				if (resource instanceof CodeSystem codeSystem && codeSystem.getUrl().endsWith("/patient-characteristic")) {
					knowledge.add(codeSystem);
				}
			}
		}
		assertThat(dosingCql).as("Library AdhdDosing carries its CQL").isNotNull();
		terminology = new ValueSetTerminology(new ValidationSupportChain(ours, new DefaultProfileValidationSupport(FHIR),
				new CommonCodeSystemsTerminologyService(FHIR), new InMemoryTerminologyServerValidationSupport(FHIR)));
		evaluator = new CqlEvaluator(CompiledLibraries.of(libraries), terminology);
	}

	/** The sweep library's definitions, evaluated over every product line. */
	private static Map<String, Object> sweep(String cql, String definition) {
		return SweepLibrary.evaluate("DosingSweep", cql, "AdhdDosing", dosingCql, libraries, terminology, Set.of(definition),
				new ArrayList<>(lines.values()));
	}

	@Test
	void theJavaDosingEqualsTheContentsCqlOnEveryLineAgeWeightAndCondition() {
		Object rows = sweep(SWEEP.formatted("", AGES, WEIGHTS), "Rows").get("Rows");
		List<String> differences = new ArrayList<>();
		Set<String> linesSeen = new TreeSet<>();
		Set<String> conditionsSeen = new TreeSet<>();
		int compared = 0;
		for (Object each : (Iterable<?>) rows) {
			compared += compareRow(((Tuple) each).getElements(), differences, linesSeen, conditionsSeen);
		}

		assertThat(differences).as("%d rows compared", compared).isEmpty();
		assertThat(linesSeen).as("every product line of the content").isEqualTo(new TreeSet<>(lines.keySet()));
		assertThat(conditionsSeen).contains("strong-cyp2d6-inhibitor", "cyp2d6-poor-metabolizer", "severe-renal-impairment",
				"end-stage-renal-disease", "moderate-hepatic-impairment", "severe-hepatic-impairment", "strong-cyp3a4-inhibitor",
				"strong-cyp3a4-inducer");
		assertThat(compared).isGreaterThan(lines.size() * 19 * 24);
	}

	/** Compares one row of the CQL with the Java at the same facts; 1 when compared. */
	private static int compareRow(Map<String, Object> row, List<String> differences, Set<String> linesSeen,
			Set<String> conditionsSeen) {
		MedicationKnowledge line = lines.get(new IdType(String.valueOf(row.get("line"))).getIdPart());
		Integer age = (Integer) row.get("age");
		BigDecimal weight = (BigDecimal) row.get("weight");
		Set<String> conditions = new TreeSet<>();
		((Iterable<?>) row.get("conditions")).forEach(c -> conditions.add(String.valueOf(c)));
		PatientFacts facts = new PatientFacts(age == null ? null : BigDecimal.valueOf(age), weight, conditions);

		DosingPlan java = DosingCalculator.plan(line, facts);
		String where = "%s, age %s, weight %s, conditions %s".formatted(line.getIdElement().getIdPart(), age, weight, conditions);
		compare(where, java, (Tuple) row.get("plan"), differences);
		if (java.missingWeight() != Boolean.TRUE.equals(row.get("needsWeight"))) {
			differences.add(where + ": weight needed, Java " + java.missingWeight() + ", CQL " + row.get("needsWeight"));
		}
		same(where + ": highest maximum", DosingCalculator.ceilingDailyMg(line, facts), row.get("ceiling"), differences);
		// what the order rules read (PlanDefinition dosing-for-this-patient) and the Java dose checks skip on
		Map<String, Object> applies = ((Tuple) row.get("applies")).getElements();
		boolean noBand = !java.chosen() && !java.missingWeight();
		if (noBand != Boolean.TRUE.equals(applies.get("none"))) {
			differences.add(where + ": no band applies, Java " + noBand + ", CQL " + applies.get("none"));
		}
		Object band = applies.get("band");
		if (band != null ? !band.toString().equals(java.band()) : java.chosen() && weight != null) {
			differences.add(where + ": band that applies, Java " + java.band() + ", CQL " + band);
		}
		linesSeen.add(line.getIdElement().getIdPart());
		conditionsSeen.addAll(conditions);
		return 1;
	}

	/**
	 * The same comparison at the exact facts of every CDS case file's patient (age, weight and dosing conditions as
	 * Library AdhdPatientFacts reads them from the case's record), for every product line.
	 */
	@Test
	void theJavaDosingEqualsTheContentsCqlForEveryCaseFilesPatient() throws IOException {
		List<String> patients = new ArrayList<>();
		List<Path> cases;
		try (var files = Files.list(Path.of("src/test/resources/cds-hooks/cases"))) {
			cases = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
		}
		ObjectMapper json = new ObjectMapper();
		for (Path file : cases) {
			JsonNode testCase = json.readTree(CdsHooksSupport.withDates(Files.readString(file)));
			List<Resource> record = new ArrayList<>();
			for (JsonNode resource : testCase.path("resources")) {
				record.add((Resource) FHIR.newJsonParser().parseResource(resource.toString()));
			}
			record.sort(java.util.Comparator.comparing(r -> r instanceof Patient ? 0 : 1)); // the Patient first
			record.addAll(knowledge);
			Map<String, Object> facts = evaluator.evaluate("AdhdPatientFacts", "0.1.0",
					Set.of("Age in years", "Body weight in kg", "Dosing conditions"), record, ZonedDateTime.now(ZoneId.systemDefault()));
			Object weight = facts.get("Body weight in kg");
			List<String> conditions = new ArrayList<>();
			((Iterable<?>) facts.get("Dosing conditions")).forEach(c -> conditions.add("'" + c + "'"));
			patients.add("Tuple { age: %s, weight: %s, conditions: List<System.String> { %s } }".formatted(
					facts.get("Age in years") == null ? "null as Integer" : facts.get("Age in years"),
					weight == null ? "null as Decimal"
							: ((org.opencds.cqf.cql.engine.runtime.Quantity) weight).getValue().setScale(3, java.math.RoundingMode.HALF_UP).toPlainString(),
					String.join(", ", conditions)));
		}
		Object rows = sweep(SWEEP.formatted(String.join(", ", patients), AGES, WEIGHTS), "Case rows").get("Case rows");
		List<String> differences = new ArrayList<>();
		Set<String> conditionsSeen = new TreeSet<>();
		int compared = 0;
		for (Object each : (Iterable<?>) rows) {
			Map<String, Object> row = ((Tuple) each).getElements();
			compared += compareRow(row, differences, new TreeSet<>(), conditionsSeen);
		}
		assertThat(differences).as("%d rows compared", compared).isEmpty();
		assertThat(compared).isEqualTo(cases.size() * lines.size());
		assertThat(conditionsSeen).as("the case files' dosing conditions").contains("severe-renal-impairment",
				"end-stage-renal-disease", "cyp2d6-poor-metabolizer", "strong-cyp2d6-inhibitor");
	}

	private static void compare(String where, DosingPlan java, Tuple cql, List<String> differences) {
		if (cql == null) {
			if (java.chosen()) {
				differences.add(where + ": Java chose band " + java.band() + ", CQL none");
			}
			return;
		}
		Map<String, Object> doses = cql.getElements();
		// the engine gives an element id as the model's string type: compared by its text
		if (!Objects.equals(java.band(), doses.get("band") == null ? null : doses.get("band").toString())) {
			differences.add(where + ": band, Java " + java.band() + ", CQL " + doses.get("band"));
		}
		same(where + ": starting dose", java.startingDailyMg(), doses.get("startingMg"), differences);
		same(where + ": target dose", java.targetDailyMg(), doses.get("targetMg"), differences);
		same(where + ": maximum", java.maximumDailyMg(), doses.get("maximumMg"), differences);
		same(where + ": absolute maximum", java.absoluteMaximumDailyMg(), doses.get("absoluteMaximumMg"), differences);
		if (!Objects.equals(java.minimumTitrationIntervalDays(), doses.get("minimumIntervalDays"))) {
			differences.add(where + ": minimum interval, Java " + java.minimumTitrationIntervalDays() + ", CQL " + doses.get("minimumIntervalDays"));
		}
		if (!Objects.equals(java.usualTitrationInterval(), doses.get("usualInterval"))) {
			differences.add(where + ": usual interval, Java " + java.usualTitrationInterval() + ", CQL " + doses.get("usualInterval"));
		}
	}

	private static void same(String what, BigDecimal java, Object cql, List<String> differences) {
		boolean equal = java == null ? cql == null : cql instanceof BigDecimal value && java.compareTo(value) == 0;
		if (!equal) {
			differences.add(what + ", Java " + java + ", CQL " + cql);
		}
	}
}
