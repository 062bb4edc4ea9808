package org.adhdkb.terminology;

import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.UriType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/** CodeSystem/$lookup and CodeSystem/$subsumes over HTTP. */
class TerminologyLookupSubsumesTest extends TerminologyTestBase {

	@Test
	void looksUpFragmentAndOwnCodes() {
		Parameters rxnorm = get("CodeSystem/$lookup?system=" + RXNORM + "&code=38400").ok();
		assertThat(string(rxnorm, "display")).isEqualTo("atomoxetine");
		// SNOMED CT: the core definitions' stub (content not-present) used to hide our fragment.
		Parameters snomed = get("CodeSystem/$lookup?system=" + SNOMED + "&code=406506008").ok();
		assertThat(string(snomed, "display")).isEqualTo("Attention deficit hyperactivity disorder (disorder)");
		assertThat(string(get("CodeSystem/$lookup?system=" + MEDICATION_CLASS + "&code=stimulant").ok(), "display"))
				.isEqualTo("Stimulant");
	}

	@Test
	void looksUpProperties() {
		Parameters weight = get("CodeSystem/$lookup?system=" + BASE + "/CodeSystem/monitoring-topic&code=weight&property=loinc").ok();
		Parameters.ParametersParameterComponent property = weight.getParameter("property");
		assertThat(property.getPart()).anySatisfy(part -> {
			assertThat(part.getName()).isEqualTo("value");
			assertThat(((Coding) part.getValue()).getCode()).isEqualTo("29463-7");
		});
	}

	@ParameterizedTest
	@EnumSource(Format.class)
	void looksUpCodingByPost(Format format) {
		Parameters request = new Parameters();
		request.addParameter().setName("coding").setValue(new Coding(SNOMED, "406506008", null));
		assertThat(string(post("CodeSystem/$lookup", request, format).ok(), "display"))
				.isEqualTo("Attention deficit hyperactivity disorder (disorder)");
	}

	@Test
	void lookupErrors() {
		get("CodeSystem/$lookup?system=" + MEDICATION_CLASS + "&code=no-such-class").error(404);
		get("CodeSystem/$lookup?system=http://example.org/CodeSystem/none&code=x").error(404);
		get("CodeSystem/$lookup").error(400);
		get("CodeSystem/$lookup", Format.XML).error(400);
	}

	@ParameterizedTest
	@CsvSource({
		"adhd-medication, stimulant, subsumes",
		"adhd-medication, alpha-2-adrenergic-agonist, subsumes",
		"alpha-2-adrenergic-agonist, non-stimulant, subsumed-by",
		"stimulant, non-stimulant, not-subsumed",
		"stimulant, stimulant, equivalent"
	})
	void subsumesFollowsTheMedicationClassHierarchy(String codeA, String codeB, String outcome) {
		Parameters answer = get("CodeSystem/$subsumes?system=" + MEDICATION_CLASS + "&codeA=" + codeA + "&codeB=" + codeB).ok();
		assertThat(string(answer, "outcome")).isEqualTo(outcome);
	}

	@ParameterizedTest
	@EnumSource(Format.class)
	void subsumesByPostWithCodingsAndById(Format format) {
		Parameters request = new Parameters();
		request.addParameter().setName("codingA").setValue(new Coding("http://www.whocc.no/atc", "N06B", null));
		request.addParameter().setName("codingB").setValue(new Coding("http://www.whocc.no/atc", "N06BA09", null));
		assertThat(string(post("CodeSystem/$subsumes", request, format).ok(), "outcome")).isEqualTo("subsumes");

		Parameters byId = new Parameters();
		byId.addParameter().setName("codeA").setValue(new CodeType("non-stimulant"));
		byId.addParameter().setName("codeB").setValue(new CodeType("norepinephrine-targeting-non-stimulant"));
		assertThat(string(post("CodeSystem/medication-class/$subsumes", byId, format).ok(), "outcome")).isEqualTo("subsumes");
	}

	@Test
	void subsumesErrors() {
		get("CodeSystem/$subsumes?system=" + MEDICATION_CLASS + "&codeA=stimulant&codeB=no-such-class").error(400);
		get("CodeSystem/$subsumes?system=http://example.org/CodeSystem/none&codeA=a&codeB=b").error(404);
		get("CodeSystem/$subsumes?system=" + MEDICATION_CLASS + "&codeA=stimulant").error(400);
		get("CodeSystem/$subsumes?codeA=a&codeB=b").error(400);
		get("CodeSystem/no-such-code-system/$subsumes?codeA=a&codeB=b").error(404);
		Parameters mixed = new Parameters();
		mixed.addParameter().setName("system").setValue(new UriType(MEDICATION_CLASS));
		mixed.addParameter().setName("codingA").setValue(new Coding(MEDICATION_CLASS, "stimulant", null));
		mixed.addParameter().setName("codingB").setValue(new Coding(SNOMED, "406506008", null));
		post("CodeSystem/$subsumes", mixed, Format.XML).error(400);
	}
}
