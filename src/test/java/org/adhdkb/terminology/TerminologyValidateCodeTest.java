package org.adhdkb.terminology;

import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.UriType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/** ValueSet/$validate-code and CodeSystem/$validate-code over HTTP. */
class TerminologyValidateCodeTest extends TerminologyTestBase {

	private static final String ATOMOXETINE_PRODUCTS = BASE + "/ValueSet/atomoxetine-products";

	@Test
	void valueSetValidatesCodeAndSystemByUrlAndById() {
		Parameters byUrl = get("ValueSet/$validate-code?url=" + ATOMOXETINE_PRODUCTS + "&system=" + RXNORM + "&code=38400").ok();
		assertThat(booleanResult(byUrl)).isTrue();
		assertThat(string(byUrl, "display")).isEqualTo("atomoxetine");
		Parameters byId = get("ValueSet/atomoxetine-products/$validate-code?system=" + RXNORM + "&code=38400").ok();
		assertThat(booleanResult(byId)).isTrue();
	}

	@Test
	void codeOutsideTheValueSetIsResultFalseWith200() {
		Parameters methylphenidate = get("ValueSet/$validate-code?url=" + ATOMOXETINE_PRODUCTS + "&system=" + RXNORM + "&code=6901").ok();
		assertThat(booleanResult(methylphenidate)).isFalse();
		assertThat(string(methylphenidate, "message")).isNotBlank();
		Parameters wrongSystem = get("ValueSet/$validate-code?url=" + ATOMOXETINE_PRODUCTS + "&system=" + SNOMED + "&code=38400").ok();
		assertThat(booleanResult(wrongSystem)).isFalse();
	}

	@ParameterizedTest
	@EnumSource(Format.class)
	void valueSetValidatesCodingAndCodeableConceptByPost(Format format) {
		Parameters coding = new Parameters();
		coding.addParameter().setName("url").setValue(new UriType(BASE + "/ValueSet/adhd-diagnoses"));
		coding.addParameter().setName("coding").setValue(new Coding(SNOMED, "406506008", null));
		assertThat(booleanResult(post("ValueSet/$validate-code", coding, format).ok())).isTrue();

		Parameters concept = new Parameters();
		concept.addParameter().setName("url").setValue(new UriType(BASE + "/ValueSet/adhd-diagnoses"));
		concept.addParameter().setName("codeableConcept").setValue(new CodeableConcept(new Coding(ICD10CM, "F90.2", null)));
		assertThat(booleanResult(post("ValueSet/$validate-code", concept, format).ok())).isTrue();

		Parameters notAdhd = new Parameters();
		notAdhd.addParameter().setName("url").setValue(new UriType(BASE + "/ValueSet/adhd-diagnoses"));
		notAdhd.addParameter().setName("coding").setValue(new Coding(ICD10CM, "J45.909", null));
		assertThat(booleanResult(post("ValueSet/$validate-code", notAdhd, format).ok())).isFalse();
	}

	@Test
	void valueSetErrors() {
		get("ValueSet/$validate-code?url=http://example.org/ValueSet/none&system=" + RXNORM + "&code=38400").error(404);
		get("ValueSet/no-such-value-set/$validate-code?system=" + RXNORM + "&code=38400").error(404);
		get("ValueSet/$validate-code?url=" + ATOMOXETINE_PRODUCTS + "&valueSetVersion=9.9.9&system=" + RXNORM + "&code=38400").error(404);
		get("ValueSet/$validate-code?url=" + ATOMOXETINE_PRODUCTS).error(400);
		get("ValueSet/$validate-code?system=" + RXNORM + "&code=38400").error(400);
		get("ValueSet/$validate-code?url=" + ATOMOXETINE_PRODUCTS, Format.XML).error(400);
	}

	@Test
	void codeSystemValidatesOwnAndFragmentCodes() {
		Parameters stimulant = get("CodeSystem/$validate-code?url=" + MEDICATION_CLASS + "&code=stimulant").ok();
		assertThat(booleanResult(stimulant)).isTrue();
		assertThat(string(stimulant, "display")).isEqualTo("Stimulant");
		// The SNOMED CT fragment shares its url with a stub in the FHIR core definitions; ours must win.
		Parameters adhd = get("CodeSystem/$validate-code?url=" + SNOMED + "&code=406506008").ok();
		assertThat(booleanResult(adhd)).isTrue();
		assertThat(booleanResult(get("CodeSystem/$validate-code?url=" + MEDICATION_CLASS + "&code=no-such-class").ok())).isFalse();
		assertThat(booleanResult(get("CodeSystem/medication-class/$validate-code?code=stimulant").ok())).isTrue();
	}

	@ParameterizedTest
	@EnumSource(Format.class)
	void codeSystemValidatesCodingAndCodeableConceptByPost(Format format) {
		Parameters coding = new Parameters();
		coding.addParameter().setName("coding").setValue(new Coding(RXNORM, "38400", "atomoxetine"));
		assertThat(booleanResult(post("CodeSystem/$validate-code", coding, format).ok())).isTrue();

		Parameters concept = new Parameters();
		concept.addParameter().setName("url").setValue(new UriType(MEDICATION_CLASS));
		concept.addParameter().setName("codeableConcept").setValue(new CodeableConcept(new Coding(MEDICATION_CLASS, "non-stimulant", null)));
		assertThat(booleanResult(post("CodeSystem/$validate-code", concept, format).ok())).isTrue();

		Parameters unknown = new Parameters();
		unknown.addParameter().setName("url").setValue(new UriType(MEDICATION_CLASS));
		unknown.addParameter().setName("code").setValue(new CodeType("no-such-class"));
		assertThat(booleanResult(post("CodeSystem/$validate-code", unknown, format).ok())).isFalse();
	}

	@Test
	void codeSystemErrors() {
		get("CodeSystem/$validate-code?url=http://example.org/CodeSystem/none&code=x").error(404);
		get("CodeSystem/no-such-code-system/$validate-code?code=x").error(404);
		get("CodeSystem/$validate-code?code=stimulant").error(400);
		get("CodeSystem/$validate-code?url=" + MEDICATION_CLASS).error(400);
	}
}
