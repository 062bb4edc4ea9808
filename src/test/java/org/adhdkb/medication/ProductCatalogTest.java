package org.adhdkb.medication;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Finding the product line of an ordered code, and the strength of one unit, from the content as published. The
 * expected strengths are the labels' (and RxNorm names'), written here by hand.
 */
class ProductCatalogTest {

	private static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
	private static final Path CONTENT = Path.of("fhir-resources");
	private static ProductCatalog catalog;

	@BeforeAll
	static void load() throws IOException {
		catalog = new ProductCatalog(all("MedicationKnowledge", MedicationKnowledge.class), all("Medication", Medication.class),
				FhirContext.forR4Cached().newJsonParser().parseResource(ValueSet.class,
						Files.readString(CONTENT.resolve("ValueSet/adhd-ingredient-not-adhd-labelled.json"))));
	}

	@Test
	void aProductCodeFindsItsLineAndItsStrength() {
		ProductCatalog.Ordered concerta = catalog.find(code("1091157"), null); // Concerta 18 mg (SBD)
		assertThat(concerta.lines()).extracting(l -> l.getIdElement().getIdPart()).containsExactly("methylphenidate-er");
		assertThat(strength(concerta)).isEqualTo(new UnitStrength(new java.math.BigDecimal("18"), UnitStrength.Per.TABLET));
		ProductCatalog.Ordered atomoxetine = catalog.find(code("608143"), null);
		assertThat(strength(atomoxetine).mg()).isEqualByComparingTo("80");
	}

	@Test
	void combinationsCountAsTheirLabelsDoseThem() {
		// Adderall 10 mg: four salts of 2.5 mg each, dosed as their total
		assertThat(strength(catalog.find(code("541892"), null)).mg()).isEqualByComparingTo("10");
		// Azstarys 39.2 mg/7.8 mg: dosed in mg of serdexmethylphenidate (fhir-resources/README.md)
		assertThat(strength(catalog.find(code("2562191"), null)).mg()).isEqualByComparingTo("39.2");
		// Daytrana 10 mg/9 h: 1.1 mg per hour of wear
		UnitStrength daytrana = strength(catalog.find(code("753436"), null));
		assertThat(daytrana.per()).isEqualTo(UnitStrength.Per.HOUR_OF_WEAR);
		assertThat(daytrana.mg()).isEqualByComparingTo("1.11");
	}

	@Test
	void anIngredientFindsEveryLineOfIt() {
		ProductCatalog.Ordered methylphenidate = catalog.find(code("6901"), null);
		assertThat(methylphenidate.ingredientOnly()).isTrue();
		assertThat(methylphenidate.lines()).hasSizeGreaterThanOrEqualTo(13);
		assertThat(catalog.find(code("38400"), null).lines()).hasSize(1);
		assertThat(catalog.lineNaming(code("2599")).getIdElement().getIdPart()).as("guidance that names clonidine means clonidine ER")
				.isEqualTo("clonidine-er");
		assertThat(catalog.lineNaming(code("6901"))).as("two methylphenidate lines name it").isNull();
	}

	@Test
	void anAdhdIngredientWithoutAdhdDosingIsNamed() {
		ProductCatalog.Ordered clonidineTablet = catalog.find(code("884173"), null); // clonidine 0.1 mg IR tablet
		assertThat(clonidineTablet.checkable()).isFalse();
		assertThat(clonidineTablet.withoutDosing()).isTrue();
		assertThat(catalog.find(code("248642"), null).withoutDosing()).as("fluoxetine is not an ADHD medicine").isFalse();
	}

	private static UnitStrength strength(ProductCatalog.Ordered ordered) {
		return UnitStrength.of(ordered.product(), ordered.lines().get(0));
	}

	private static CodeableConcept code(String rxnorm) {
		return new CodeableConcept().addCoding(new Coding(RXNORM, rxnorm, null));
	}

	private static <T extends IBaseResource> List<T> all(String folder, Class<T> type) throws IOException {
		try (Stream<Path> files = Files.list(CONTENT.resolve(folder))) {
			return files.sorted().map(f -> {
				try {
					return FhirContext.forR4Cached().newJsonParser().parseResource(type, Files.readString(f));
				} catch (IOException e) {
					throw new java.io.UncheckedIOException(e);
				}
			}).toList();
		}
	}
}
