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

	/**
	 * An order coded by product, as EHRs send it, must be recognised by the co-medication rules: fluoxetine 20 MG Oral
	 * Tablet (RxNorm 248642, VSAC Antidepressant Medication value set, canvas-plugins v2026 medication.py) is an SSRI
	 * and a strong CYP2D6 inhibitor (the Strattera label's example), and an atomoxetine capsule is neither.
	 */
	@Test
	void aProductCodedFluoxetineOrderIsAnSsriAndAStrongCyp2d6Inhibitor() {
		Parameters ssri = get("ValueSet/$validate-code?url=" + BASE + "/ValueSet/ssri-medications&system=" + RXNORM
				+ "&code=248642").ok();
		assertThat(booleanResult(ssri)).isTrue();
		assertThat(string(ssri, "display")).isEqualTo("fluoxetine 20 MG Oral Tablet");
		Parameters cyp2d6 = new Parameters();
		cyp2d6.addParameter().setName("url").setValue(new UriType(BASE + "/ValueSet/strong-cyp2d6-inhibitors"));
		cyp2d6.addParameter().setName("coding").setValue(new Coding(RXNORM, "248642", null));
		assertThat(booleanResult(post("ValueSet/$validate-code", cyp2d6, Format.JSON).ok())).isTrue();
		Parameters atomoxetine = get("ValueSet/$validate-code?url=" + BASE + "/ValueSet/ssri-medications&system=" + RXNORM
				+ "&code=349594").ok();
		assertThat(booleanResult(atomoxetine)).isFalse();
	}

	/**
	 * Every orderable product has a code the server knows: a branded Vyvanse capsule (SBD 854852, RxNav cache S6) is a
	 * valid RxNorm code and an ADHD medication; a clonidine patch (SCD 998671, VSAC Clonidine) is not an ADHD
	 * medication but is a product with an ADHD ingredient that is not labelled for ADHD.
	 */
	@Test
	void brandedAndNotAdhdLabelledProductsAreKnown() {
		Parameters vyvanse = get("CodeSystem/$validate-code?url=" + RXNORM + "&code=854852").ok();
		assertThat(booleanResult(vyvanse)).isTrue();
		assertThat(string(vyvanse, "display")).isEqualTo("lisdexamfetamine dimesylate 50 MG Oral Capsule [Vyvanse]");
		assertThat(booleanResult(get("ValueSet/$validate-code?url=" + BASE + "/ValueSet/adhd-medications&system="
				+ RXNORM + "&code=854852").ok())).isTrue();
		assertThat(booleanResult(get("ValueSet/$validate-code?url=" + BASE + "/ValueSet/adhd-medications&system="
				+ RXNORM + "&code=998671").ok())).isFalse();
		assertThat(booleanResult(get("ValueSet/$validate-code?url=" + BASE
				+ "/ValueSet/adhd-ingredient-not-adhd-labelled&system=" + RXNORM + "&code=998671").ok())).isTrue();
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
