package org.adhdkb.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.adhdkb.testing.TestFiles;
import org.adhdkb.testing.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.springframework.context.ConfigurableApplicationContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Nothing in the browser hard-codes clinical content: a server started on a copy of the content with one maximum
 * changed (atomoxetine up to 70 kg: 1.4 mg/kg/day becomes 1.3 mg/kg/day) shows the new number in the dosing table and
 * draws the new maximum in the chart.
 */
class ContentChangeTest {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static final String BAND = "weight-up-to-70kg";

	private static ConfigurableApplicationContext server;
	private static Browser browser;

	@BeforeAll
	static void startServerOnChangedContent() throws IOException {
		Path root = Path.of("target", "test-data", "ui-content-" + UUID.randomUUID()).toAbsolutePath();
		Path content = root.resolve("fhir-resources");
		TestFiles.copyTree(Path.of("fhir-resources"), content);
		Path atomoxetineFile = content.resolve("MedicationKnowledge/atomoxetine.json");
		JsonNode mk = JSON.readTree(atomoxetineFile.toFile());
		int changed = 0;
		for (JsonNode band : mk.path("administrationGuidelines")) {
			if (!band.path("id").asText().equals(BAND)) {
				continue;
			}
			for (JsonNode group : band.path("dosage")) {
				if (!group.path("type").path("coding").path(0).path("code").asText().equals("maximum-dose")) {
					continue;
				}
				for (JsonNode dosage : group.path("dosage")) {
					JsonNode numerator = dosage.path("maxDosePerPeriod").path("numerator");
					if (numerator.path("code").asText().equals("mg/kg") && numerator.path("value").asDouble() == 1.4) {
						((ObjectNode) numerator).put("value", 1.3);
						((ObjectNode) dosage).put("text", "At most 1.3 mg/kg/day (changed by ContentChangeTest).");
						changed++;
					}
				}
			}
		}
		assertThat(changed).as("the 1.4 mg/kg/day maximum of band %s was found in the content", BAND).isEqualTo(1);
		JSON.writerWithDefaultPrettyPrinter().writeValue(atomoxetineFile.toFile(), mk);

		assertThat(Browser.available()).as("Debian's chromium and chromium-driver are installed").isTrue();
		server = TestServers.start(Map.of(
				"adhdkb.data-dir", root.resolve("data").toString(),
				"adhdkb.content.location", "file:" + content + "/"));
		browser = new Browser();
	}

	@AfterAll
	static void stop() {
		if (browser != null) {
			browser.close();
		}
		if (server != null) {
			server.close();
		}
	}

	@Test
	void theMedicinePageShowsTheChangedMaximum() {
		String base = TestServers.fhirBase(server).replaceFirst("/fhir$", "");
		browser.open(base + "/#/medicine/atomoxetine", "/medicine/atomoxetine");

		WebElement row = browser.find(By.cssSelector("#dosing-table tr[data-band='" + BAND + "']"));
		List<String> maxima = row.findElements(By.cssSelector("li[data-role='maximum-dose']")).stream()
				.map(li -> li.getDomAttribute("data-amount")).toList();
		assertThat(maxima).contains("1.3").doesNotContain("1.4");
		assertThat(row.getText()).contains("≤ 1.3 mg/kg/day").doesNotContain("1.4 mg/kg/day");

		// The chart's maximum at 70 kg is now min(1.3 x 70, 100) = 91 mg/day.
		WebElement line = browser.find(By.cssSelector("figure.chart[data-band='" + BAND + "'] polyline[data-role='maximum-dose']"));
		List<double[]> points = KnowledgeBrowserTest.points(line);
		double[] last = points.get(points.size() - 1);
		assertThat(last[0]).isEqualTo(70.0);
		assertThat(last[1]).isCloseTo(91.0, within(0.001));
		browser.assertNoErrors("medicine page on changed content");
	}
}
