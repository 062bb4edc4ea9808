package org.adhdkb.medication;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
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
import org.adhdkb.content.ContentChecker;
import org.adhdkb.content.ContentPackage;
import org.adhdkb.cql.CompiledLibraries;
import org.adhdkb.cql.CqlEvaluator;
import org.adhdkb.cql.CqlTranslation;
import org.adhdkb.cql.ValueSetTerminology;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.Library;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;
import org.opencds.cqf.cql.engine.runtime.Tuple;

/**
 * {@link DosingCalculator} is a hand-written fast path of the content's dosing logic, Library AdhdDosing (CQL): the
 * order checks call it for every line of every order, where the engine would cost milliseconds. It is allowed only
 * because this test proves the two equal, on a generated sweep over every product line of the shipped content: ages
 * 3-70 and unknown, weights 10-120 kg (with the 70 kg band edge) and unknown, and for each line no condition, each
 * dosing condition its bands name (CYP2D6, CYP3A4, renal, hepatic), and all of them together. Each row compares the
 * chosen band, the starting and target doses, the maximum and the absolute maximum, the titration intervals, whether
 * the weight is what is missing, and the highest maximum whatever the missing facts.
 */
class DosingFastPathTest {

	private static final FhirContext FHIR = FhirContext.forR4Cached();
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
			define function "Rows of"(K FHIR.MedicationKnowledge, C List<System.String>):
			  from ({ %s }) A, ({ %s }) W
			  return all "Row"(K, if A < 0 then null else A, if W < 0 then null else W, C)
			define function "Row"(K FHIR.MedicationKnowledge, age Integer, weight Decimal, C List<System.String>):
			  Tuple {
			    line: K.id, age: age, weight: weight, conditions: C,
			    plan: Dosing."Plan"(K, age, weight, C),
			    needsWeight: Dosing."Needs weight"(K, age, weight, C),
			    ceiling: Dosing."Ceiling"(K, age, weight, C)
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
			""".formatted(AGES, WEIGHTS);

	@Test
	void theJavaDosingEqualsTheContentsCqlOnEveryLineAgeWeightAndCondition() {
		ContentChecker.Result content = new ContentChecker(FHIR).check(ContentPackage.read("fhir-resources"), (f, r) -> false);
		List<Library> libraries = new ArrayList<>();
		Map<String, MedicationKnowledge> lines = new LinkedHashMap<>();
		String dosingCql = null;
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
			}
		}
		assertThat(dosingCql).as("Library AdhdDosing carries its CQL").isNotNull();
		CqlTranslation.Result translated = CqlTranslation.translate(Map.of("sweep", SWEEP, "AdhdDosing", dosingCql));
		assertThat(translated.problems()).isEmpty();
		Library sweep = new Library().setName("DosingSweep").setVersion("1.0.0");
		sweep.addContent().setContentType("application/elm+json")
				.setData(translated.libraries().get("sweep").elmJson().getBytes(StandardCharsets.UTF_8));
		libraries.add(sweep);
		CqlEvaluator evaluator = new CqlEvaluator(CompiledLibraries.of(libraries),
				new ValueSetTerminology(new ValidationSupportChain(new DefaultProfileValidationSupport(FHIR))));

		Patient anyone = new Patient();
		anyone.setId("sweep");
		List<Resource> data = new ArrayList<>(List.of(anyone));
		data.addAll(lines.values());
		Object rows = evaluator.evaluate("DosingSweep", "1.0.0", Set.of("Rows"), data,
				ZonedDateTime.now(ZoneId.systemDefault())).get("Rows");

		List<String> differences = new ArrayList<>();
		Set<String> linesSeen = new TreeSet<>();
		Set<String> conditionsSeen = new TreeSet<>();
		int compared = 0;
		for (Object each : (Iterable<?>) rows) {
			Map<String, Object> row = ((Tuple) each).getElements();
			MedicationKnowledge line = lines.get(new org.hl7.fhir.r4.model.IdType(String.valueOf(row.get("line"))).getIdPart());
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
			linesSeen.add(line.getIdElement().getIdPart());
			conditionsSeen.addAll(conditions);
			compared++;
		}

		assertThat(differences).as("%d rows compared", compared).isEmpty();
		assertThat(linesSeen).as("every product line of the content").isEqualTo(lines.keySet().stream().collect(
				java.util.stream.Collectors.toCollection(TreeSet::new)));
		assertThat(conditionsSeen).contains("strong-cyp2d6-inhibitor", "cyp2d6-poor-metabolizer", "severe-renal-impairment",
				"end-stage-renal-disease", "moderate-hepatic-impairment", "severe-hepatic-impairment", "strong-cyp3a4-inhibitor",
				"strong-cyp3a4-inducer");
		assertThat(compared).isGreaterThan(lines.size() * 19 * 24);
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
