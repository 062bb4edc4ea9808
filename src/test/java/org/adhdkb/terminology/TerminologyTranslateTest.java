package org.adhdkb.terminology;

import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.UriType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** ConceptMap/$translate over HTTP, in both directions. */
class TerminologyTranslateTest extends TerminologyTestBase {

	private static final String ICD_TO_SNOMED = BASE + "/ConceptMap/icd10cm-to-snomed-adhd";

	@Test
	void translatesForwardAndInReverse() {
		Parameters forward = get("ConceptMap/$translate?url=" + ICD_TO_SNOMED + "&system=" + ICD10CM + "&code=F90.0").ok();
		assertThat(booleanResult(forward)).isTrue();
		assertThat(matchedCodes(forward)).containsExactly(SNOMED + "|35253001");

		Parameters reverse = get("ConceptMap/$translate?url=" + ICD_TO_SNOMED + "&system=" + SNOMED
				+ "&code=35253001&reverse=true").ok();
		assertThat(booleanResult(reverse)).isTrue();
		assertThat(matchedCodes(reverse)).containsExactly(ICD10CM + "|F90.0");

		Parameters byId = get("ConceptMap/icd10cm-to-snomed-adhd/$translate?system=" + ICD10CM + "&code=F90.0").ok();
		assertThat(matchedCodes(byId)).containsExactly(SNOMED + "|35253001");
	}

	@ParameterizedTest
	@EnumSource(Format.class)
	void translatesCodingByPost(Format format) {
		Parameters request = new Parameters();
		request.addParameter().setName("url").setValue(new UriType(BASE + "/ConceptMap/rxnorm-ingredient-to-atc"));
		request.addParameter().setName("coding").setValue(new Coding(RXNORM, "38400", null));
		Parameters answer = post("ConceptMap/$translate", request, format).ok();
		assertThat(booleanResult(answer)).isTrue();
		assertThat(matchedCodes(answer)).containsExactly("http://www.whocc.no/atc|N06BA09");

		Parameters reverse = new Parameters();
		reverse.addParameter().setName("url").setValue(new UriType(BASE + "/ConceptMap/rxnorm-ingredient-to-atc"));
		reverse.addParameter().setName("coding").setValue(new Coding("http://www.whocc.no/atc", "N06BA09", null));
		reverse.addParameter().setName("reverse").setValue(new BooleanType(true));
		assertThat(matchedCodes(post("ConceptMap/$translate", reverse, format).ok())).containsExactly(RXNORM + "|38400");
	}

	@Test
	void noMatchIsResultFalseAndUnknownMapsAre404() {
		Parameters none = get("ConceptMap/$translate?url=" + ICD_TO_SNOMED + "&system=" + ICD10CM + "&code=J45.909").ok();
		assertThat(booleanResult(none)).isFalse();
		get("ConceptMap/$translate?url=http://example.org/ConceptMap/none&system=" + ICD10CM + "&code=F90.0").error(404);
		get("ConceptMap/no-such-map/$translate?system=" + ICD10CM + "&code=F90.0").error(404);
		get("ConceptMap/$translate?url=http://example.org/ConceptMap/none&system=" + ICD10CM + "&code=F90.0", Format.XML).error(404);
	}

	private static List<String> matchedCodes(Parameters answer) {
		return answer.getParameters("match").stream()
				.flatMap(match -> match.getPart().stream())
				.filter(part -> part.getName().equals("concept"))
				.map(part -> (Coding) part.getValue())
				.map(coding -> coding.getSystem() + "|" + coding.getCode())
				.toList();
	}
}
