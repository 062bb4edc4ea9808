package org.adhdkb.terminology;

import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.CodeSystem.ConceptDefinitionComponent;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every code of every CodeSystem of the content answers {@code $lookup}, {@code CodeSystem/$validate-code} and
 * {@code ValueSet/$validate-code} over HTTP. The tests are generated from the files in {@code fhir-resources/CodeSystem/}
 * as they are when the test runs, so a code system (or a code added to a fragment) cannot fall out unnoticed: LOINC did,
 * because HAPI resolves http://loinc.org by the resource id {@code loinc}, and so did every patient-characteristic code
 * with a boolean property, which HAPI's concept tables cannot look up.
 */
class TerminologyEveryContentCodeTest extends TerminologyTestBase {

	private static final Path CODE_SYSTEMS = Path.of("fhir-resources", "CodeSystem");

	@TestFactory
	Stream<DynamicNode> everyCodeOfEveryContentCodeSystemAnswers() throws IOException {
		List<DynamicNode> perCodeSystem = new ArrayList<>();
		for (Path file : codeSystemFiles()) {
			CodeSystem codeSystem = FHIR.newJsonParser().parseResource(CodeSystem.class, Files.readString(file));
			List<DynamicNode> perCode = new ArrayList<>();
			for (ConceptDefinitionComponent concept : allConcepts(codeSystem.getConcept())) {
				perCode.add(DynamicContainer.dynamicContainer(concept.getCode(), Stream.of(
						DynamicTest.dynamicTest("$lookup", () -> looksUp(codeSystem, concept)),
						DynamicTest.dynamicTest("CodeSystem/$validate-code", () -> validatesInCodeSystem(codeSystem, concept)),
						DynamicTest.dynamicTest("ValueSet/$validate-code", () -> validatesInValueSet(codeSystem, concept)))));
			}
			perCodeSystem.add(DynamicContainer.dynamicContainer(file.getFileName() + " (" + codeSystem.getUrl() + ")", perCode));
		}
		return perCodeSystem.stream();
	}

	/** The generator itself: it finds the content's code systems, LOINC among them, and their nested codes. */
	@Test
	void theGeneratorSeesEveryCodeSystemFileAndNestedCodes() throws IOException {
		List<String> urls = new ArrayList<>();
		int codes = 0;
		for (Path file : codeSystemFiles()) {
			CodeSystem codeSystem = FHIR.newJsonParser().parseResource(CodeSystem.class, Files.readString(file));
			urls.add(codeSystem.getUrl());
			codes += allConcepts(codeSystem.getConcept()).size();
		}
		try (Stream<Path> files = Files.list(CODE_SYSTEMS)) {
			assertThat(urls).hasSize((int) files.filter(path -> path.toString().endsWith(".json")).count());
		}
		assertThat(urls).contains("http://loinc.org", "http://snomed.info/sct",
				"http://www.nlm.nih.gov/research/umls/rxnorm", BASE + "/CodeSystem/patient-characteristic");
		// medication-class nests its classes (adhd-medication > stimulant, ...): nested codes are counted too.
		assertThat(codes).isGreaterThan(urls.size());
	}

	private void looksUp(CodeSystem codeSystem, ConceptDefinitionComponent concept) {
		Parameters answer = get("CodeSystem/$lookup?system=" + encode(codeSystem.getUrl()) + "&code=" + encode(concept.getCode())).ok();
		if (concept.hasDisplay()) {
			assertThat(string(answer, "display")).isEqualTo(concept.getDisplay());
		}
	}

	private void validatesInCodeSystem(CodeSystem codeSystem, ConceptDefinitionComponent concept) {
		Parameters answer = get("CodeSystem/$validate-code?url=" + encode(codeSystem.getUrl()) + "&code=" + encode(concept.getCode())).ok();
		assertThat(booleanResult(answer)).as(answer.toString()).isTrue();
	}

	/** Against a value set of the whole code system, sent inline as FHIR allows ({@code valueSet}). */
	private void validatesInValueSet(CodeSystem codeSystem, ConceptDefinitionComponent concept) {
		ValueSet wholeCodeSystem = new ValueSet();
		wholeCodeSystem.setUrl("urn:uuid:all-of-" + codeSystem.getIdElement().getIdPart());
		wholeCodeSystem.setStatus(org.hl7.fhir.r4.model.Enumerations.PublicationStatus.ACTIVE);
		wholeCodeSystem.getCompose().addInclude().setSystem(codeSystem.getUrl());
		Parameters request = new Parameters();
		request.addParameter().setName("valueSet").setResource(wholeCodeSystem);
		request.addParameter().setName("coding").setValue(new Coding(codeSystem.getUrl(), concept.getCode(), null));
		Parameters answer = post("ValueSet/$validate-code", request, Format.JSON).ok();
		assertThat(booleanResult(answer)).as(FHIR.newJsonParser().encodeResourceToString(answer)).isTrue();
	}

	private static List<Path> codeSystemFiles() throws IOException {
		try (Stream<Path> files = Files.list(CODE_SYSTEMS)) {
			return files.filter(path -> path.toString().endsWith(".json")).sorted().toList();
		}
	}

	private static List<ConceptDefinitionComponent> allConcepts(List<ConceptDefinitionComponent> concepts) {
		List<ConceptDefinitionComponent> all = new ArrayList<>();
		for (ConceptDefinitionComponent concept : concepts) {
			all.add(concept);
			all.addAll(allConcepts(concept.getConcept()));
		}
		return all;
	}

	private static String encode(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8);
	}
}
