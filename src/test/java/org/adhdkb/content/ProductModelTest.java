package org.adhdkb.content;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The product model checked against its sources, one row per Medication: the RxNorm name that the source table
 * (SOURCES.md, copied from the VSAC expansions and the RxNav cache) records for the code is parsed here, by the test
 * and not by the server, and every strength, unit and ingredient of the Medication must be what that name says.
 */
class ProductModelTest {

	private static final Path CONTENT = Path.of("fhir-resources");
	private static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
	private static final ObjectMapper JSON = new ObjectMapper();

	/** One component of an RxNorm drug name: "amphetamine sulfate 5 MG", "methylphenidate 1.11 MG/HR". */
	private static final Pattern COMPONENT = Pattern.compile("([a-z][a-z ]*?) (\\d+(?:\\.\\d+)?) (MG/ML|MG/HR|MG)");

	record Row(String code, String display, String sources) {}

	/** The Codes table of SOURCES.md, read as plain text. */
	static Map<String, Row> rxnormRows() throws IOException {
		Map<String, Row> rows = new LinkedHashMap<>();
		for (String line : Files.readAllLines(CONTENT.resolve("SOURCES.md"))) {
			String[] cells = line.split("\\|");
			if (cells.length == 5 && cells[1].strip().equals(RXNORM)) {
				rows.put(cells[2].strip(), new Row(cells[2].strip(), cells[3].strip(), cells[4].strip()));
			}
		}
		return rows;
	}

	static Stream<Path> medications() throws IOException {
		try (Stream<Path> files = Files.list(CONTENT.resolve("Medication"))) {
			return files.sorted().toList().stream();
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("medications")
	void strengthFormAndIngredientsAreWhatTheSourcedRxNormNameSays(Path file) throws IOException {
		JsonNode medication = JSON.readTree(file.toFile());
		JsonNode coding = medication.path("code").path("coding").get(0);
		assertThat(coding.path("system").asText()).isEqualTo(RXNORM);
		String code = coding.path("code").asText();
		assertThat(medication.path("id").asText()).isEqualTo("rxnorm-" + code);

		Row row = rxnormRows().get(code);
		assertThat(row).as("SOURCES.md row for RxNorm %s", code).isNotNull();
		assertThat(row.sources()).as("sourced from VSAC (S1, S2) or RxNav (S6)").containsAnyOf("S1 ", "S2 ", "S6 ");
		String name = row.display();
		assertThat(coding.path("display").asText()).isEqualTo(name);
		assertThat(medication.path("status").asText()).isEqualTo("active");

		String unbranded = name.replaceFirst(" \\[[^]]+]$", "");
		List<String[]> expected = new ArrayList<>();
		Matcher matcher = COMPONENT.matcher(unbranded);
		while (matcher.find()) {
			expected.add(new String[] {matcher.group(1), matcher.group(2), matcher.group(3)});
		}
		JsonNode ingredients = medication.path("ingredient");
		assertThat(ingredients.size()).as("one ingredient per component of '%s'", name).isEqualTo(expected.size());
		String unitDose = unbranded.contains("Capsule") ? "{capsule}" : unbranded.contains("Tablet") ? "{tablet}" : null;
		for (int i = 0; i < expected.size(); i++) {
			String[] component = expected.get(i);
			JsonNode ingredient = ingredients.get(i);
			assertThat(ingredient.path("itemCodeableConcept").path("text").asText()).isEqualTo(component[0]);
			assertThat(ingredient.path("isActive").asBoolean()).isTrue();
			JsonNode numerator = ingredient.path("strength").path("numerator");
			JsonNode denominator = ingredient.path("strength").path("denominator");
			assertThat(numerator.path("value").decimalValue()).isEqualByComparingTo(new BigDecimal(component[1]));
			assertThat(numerator.path("code").asText()).isEqualTo("mg");
			assertThat(numerator.path("system").asText()).isEqualTo("http://unitsofmeasure.org");
			assertThat(denominator.path("value").decimalValue()).isEqualByComparingTo(BigDecimal.ONE);
			assertThat(denominator.path("system").asText()).isEqualTo("http://unitsofmeasure.org");
			String per = switch (component[2]) {
				case "MG/ML" -> "mL";
				case "MG/HR" -> "h";
				default -> unitDose;
			};
			assertThat(denominator.path("code").asText()).as("per unit of '%s'", name).isEqualTo(per);
			// a coded ingredient names the ingredient the product name gives, or its base (IN) when the salt's
			// precise ingredient has no sourced code
			for (JsonNode ingredientCoding : ingredient.path("itemCodeableConcept").path("coding")) {
				String display = ingredientCoding.path("display").asText();
				assertThat(component[0]).startsWith(display);
				assertThat(rxnormRows()).as("ingredient code %s sourced", ingredientCoding.path("code").asText())
						.containsKey(ingredientCoding.path("code").asText());
			}
		}
		assertThat(medication.path("form").path("text").asText()).as("RxNorm dose form").satisfies(form ->
				assertThat(unbranded).endsWith(" " + form));
		assertThat(medication.path("text").path("div").asText()).contains(name.replace("&", "&amp;"));
	}

	/** Coverage: every clinical drug of the VSAC ADHD value sets (S1 classes, S2 CMS136) has a Medication. */
	@Test
	void everyAdhdClinicalDrugOfTheVsacExpansionsHasAMedication() throws IOException {
		List<String> adhdClasses = List.of("S1 Atomoxetine ", "S1 Clonidine ", "S1 Dexmethylphenidate ",
				"S1 Dextroamphetamine ", "S1 GuanfacineMedications ", "S1 Lisdexamfetamine ", "S1 Methylphenidate ",
				"S1 Viloxazine ", "S2 AdhdMedications ");
		List<String> missing = new ArrayList<>();
		int rows = 0;
		for (Row row : rxnormRows().values()) {
			if (adhdClasses.stream().anyMatch(row.sources()::contains)) {
				rows++;
				if (!Files.exists(CONTENT.resolve("Medication/rxnorm-" + row.code() + ".json"))) {
					missing.add(row.code() + " " + row.display());
				}
			}
		}
		// S1 + S2 hold 145 distinct clinical drugs; README "Products" explains the one left out (a starter pack)
		assertThat(rows).isEqualTo(144);
		assertThat(missing).isEmpty();
	}
}
