package org.adhdkb.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.adhdkb.testing.ServerTestBase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The knowledge browser used as a person uses it, in a real headless Chromium against the booted server. Every
 * figure the pages must show is read by the test from the server's FHIR API (the content), or taken from the US FDA
 * label where the label states it; any JavaScript error, CSP violation or failed load on a page fails the test.
 */
class KnowledgeBrowserTest extends ServerTestBase {

	private static final ObjectMapper JSON = new ObjectMapper();
	private static Browser browser;

	@BeforeAll
	static void startBrowser() {
		assertThat(Browser.available())
				.as("Debian's chromium and chromium-driver are installed (apt-get install chromium chromium-driver; .ci/run does it)")
				.isTrue();
		browser = new Browser();
	}

	@AfterAll
	static void stopBrowser() {
		if (browser != null) {
			browser.close();
		}
	}

	private JsonNode fhirJson(String path) throws Exception {
		HttpResponse<String> response = get("/fhir/" + path, "Accept", "application/fhir+json");
		assertThat(response.statusCode()).as(path).isEqualTo(200);
		return JSON.readTree(response.body());
	}

	@Test
	void theBrowserIsServedAtTheRootUnderAStrictContentSecurityPolicyAndTheFhirApiStaysAtFhir() {
		HttpResponse<String> page = get("/");
		assertThat(page.statusCode()).isEqualTo(200);
		assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
		String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
		assertThat(csp).contains("script-src 'self'").contains("style-src 'self'").doesNotContain("unsafe-inline");
		// No inline script and no inline handler: the page works under that policy only if everything is in files.
		assertThat(page.body()).doesNotContainPattern("<script(?![^>]*\\bsrc=)").doesNotContainPattern("\\son[a-z]+=");
		assertThat(get("/ui/main.js").headers().firstValue("Content-Security-Policy")).isPresent();
		// Every module is preloaded by index.html, so the browser fetches them at once, not level by level.
		try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(java.nio.file.Path.of("src/main/resources/static/ui"))) {
			files.filter(f -> f.toString().endsWith(".js") && !f.endsWith("main.js")).forEach(f -> {
				String href = "ui/" + java.nio.file.Path.of("src/main/resources/static/ui").relativize(f).toString().replace('\\', '/');
				assertThat(page.body()).as("index.html preloads %s", href).contains("<link rel=\"modulepreload\" href=\"" + href + "\">");
				assertThat(get("/" + href).statusCode()).isEqualTo(200);
			});
		} catch (java.io.IOException e) {
			throw new java.io.UncheckedIOException(e);
		}

		HttpResponse<String> metadata = get("/fhir/metadata", "Accept", "application/fhir+json");
		assertThat(metadata.statusCode()).isEqualTo(200);
		assertThat(metadata.body()).contains("\"resourceType\":\"CapabilityStatement\"");
		// The API keeps the server-wide frame-ancestors policy only, not the browser pages' script policy.
		assertThat(metadata.headers().firstValue("Content-Security-Policy").orElse("")).doesNotContain("script-src");
	}

	@Test
	void fromTheHomePageToAMedicineWhoseDosingTableAndChartShowTheContent() throws Exception {
		browser.open(baseUrl() + "/", "/");
		browser.screenshot("home");
		browser.find(By.cssSelector("nav a[href='#/medicines']")).click();
		browser.awaitRoute("/medicines");

		// Search by brand: the STRATTERA label is atomoxetine's.
		WebElement search = browser.find(By.id("medicine-q"));
		search.sendKeys("strattera");
		new WebDriverWait(browser.driver(), Duration.ofSeconds(10)).until(d ->
				d.findElements(By.cssSelector("#medicine-list a.medicine-name")).size() == 1);
		browser.screenshot("medicines");
		browser.find(By.cssSelector("#medicine-list a[href='#/medicine/atomoxetine']")).click();
		browser.awaitRoute("/medicine/atomoxetine");
		browser.screenshot("medicine-atomoxetine");
		browser.screenshotFrom("docs-medicine-page", By.id("main"), 1500);
		browser.screenshotFrom("docs-medicine-chart", By.cssSelector("section[aria-labelledby='dose-chart']"), 1100);

		JsonNode mk = fhirJson("MedicationKnowledge/atomoxetine");
		int bandsChecked = 0;
		for (JsonNode band : mk.path("administrationGuidelines")) {
			String id = band.path("id").asText();
			WebElement row = browser.find(By.cssSelector("#dosing-table tr[data-band='" + id + "']"));
			for (JsonNode group : band.path("dosage")) {
				String role = group.path("type").path("coding").path(0).path("code").asText();
				if (!role.equals("starting-dose") && !role.equals("target-dose") && !role.equals("maximum-dose")) {
					continue;
				}
				List<Double> expected = new ArrayList<>();
				for (JsonNode dosage : group.path("dosage")) {
					JsonNode number = role.equals("maximum-dose")
							? dosage.path("maxDosePerPeriod").path("numerator").path("value")
							: dosage.path("doseAndRate").path(0).path("doseQuantity").path("value");
					if (number.isNumber()) {
						expected.add(number.asDouble());
					}
				}
				List<Double> shown = row.findElements(By.cssSelector("li[data-role='" + role + "']")).stream()
						.map(li -> li.getDomAttribute("data-amount")).filter(a -> a != null && !a.isEmpty()).map(Double::valueOf).toList();
				assertThat(shown).as("%s %s", id, role).containsExactlyInAnyOrderElementsOf(expected);
			}
			bandsChecked++;
		}
		assertThat(bandsChecked).isGreaterThanOrEqualTo(2);
		// The numbers are visible as text too, with their units.
		String childRow = browser.find(By.cssSelector("#dosing-table tr[data-band='weight-up-to-70kg']")).getText();
		assertThat(childRow).contains("0.5 mg/kg/day").contains("1.2 mg/kg/day").contains("≤ 1.4 mg/kg/day").contains("≤ 100 mg/day");

		// The chart of the child band: the maximum at each drawn weight is the lowest of the band's limits.
		JsonNode child = null;
		for (JsonNode band : mk.path("administrationGuidelines")) {
			if (band.path("id").asText().equals("weight-up-to-70kg")) {
				child = band;
			}
		}
		assertThat(child).isNotNull();
		List<double[]> limits = new ArrayList<>(); // {value, 1 if per kg}
		double start = Double.NaN;
		for (JsonNode group : child.path("dosage")) {
			String role = group.path("type").path("coding").path(0).path("code").asText();
			for (JsonNode dosage : group.path("dosage")) {
				if (role.equals("maximum-dose")) {
					JsonNode numerator = dosage.path("maxDosePerPeriod").path("numerator");
					limits.add(new double[] {numerator.path("value").asDouble(), numerator.path("code").asText().contains("/kg") ? 1 : 0});
				} else if (role.equals("starting-dose")) {
					start = dosage.path("doseAndRate").path(0).path("doseQuantity").path("value").asDouble();
				}
			}
		}
		WebElement chart = browser.find(By.cssSelector("figure.chart[data-band='weight-up-to-70kg']"));
		List<double[]> maxPoints = points(chart.findElement(By.cssSelector("polyline[data-role='maximum-dose']")));
		assertThat(maxPoints).isNotEmpty();
		assertThat(maxPoints.get(maxPoints.size() - 1)[0]).as("the band ends at its weight bound").isEqualTo(70.0);
		for (double[] point : maxPoints) {
			double lowest = limits.stream().mapToDouble(l -> l[1] == 1 ? l[0] * point[0] : l[0]).min().orElseThrow();
			assertThat(point[1]).as("maximum at %s kg", point[0]).isCloseTo(lowest, within(0.001));
		}
		for (double[] point : points(chart.findElement(By.cssSelector("polyline[data-role='starting-dose']")))) {
			assertThat(point[1]).as("start at %s kg", point[0]).isCloseTo(start * point[0], within(0.001));
		}
		// Independently of the content: the STRATTERA label's maximum up to 70 kg is 1.4 mg/kg/day or 100 mg, whichever
		// is less (label section 2.1; shared/reference/codes.md), so the chart must top out at 98 mg/day at 70 kg.
		assertThat(maxPoints.get(maxPoints.size() - 1)[1]).isCloseTo(98.0, within(0.001));
		// The accessible description says the same numbers in words.
		assertThat(chart.findElement(By.cssSelector("svg desc")).getDomProperty("textContent")).contains("98 mg/day at 70 kg");

		// Every statement's source is a link.
		List<WebElement> marks = browser.findAll(By.cssSelector("#dosing-table a.source-mark"));
		assertThat(marks).isNotEmpty();
		assertThat(marks).allSatisfy(mark -> assertThat(mark.getDomAttribute("href")).isNotBlank());
		assertThat(browser.find(By.cssSelector("ol.sources")).getText()).contains("STRATTERA");
		browser.assertNoErrors("medicine page");
	}

	static List<double[]> points(WebElement polyline) {
		List<double[]> result = new ArrayList<>();
		for (String pair : polyline.getDomAttribute("data-points").trim().split("\\s+")) {
			String[] xy = pair.split(":");
			result.add(new double[] {Double.parseDouble(xy[0]), Double.parseDouble(xy[1])});
		}
		return result;
	}

	@Test
	void tryItForTheChildOf25KgOn100MgAtomoxetineShowsTheCriticalCardAndAcceptingItChangesTheDraft() throws Exception {
		browser.open(baseUrl() + "/#/try", "/try");
		browser.find(By.id("try-age")).sendKeys("8");
		new Select(browser.find(By.id("try-sex"))).selectByValue("male");
		browser.find(By.id("try-weight")).sendKeys("25.1");
		new Select(browser.find(By.id("try-order-medicine"))).selectByVisibleText("atomoxetine");
		WebElement dose = browser.find(By.id("try-order-dose"));
		dose.sendKeys("100");
		WebElement perDay = browser.find(By.id("try-order-per-day"));
		perDay.clear();
		perDay.sendKeys("1");
		new Select(browser.find(By.id("try-plan"))).selectByValue("atomoxetine-titration");
		new Select(browser.find(By.id("try-service"))).selectByValue("adhd-order-sign");
		browser.find(By.id("try-run")).click();

		WebElement critical = browser.await(By.cssSelector("#cds-result article.cds-card[data-indicator='critical']"));
		browser.await(By.cssSelector("#apply-result"));
		browser.assertNoErrors("try-it after run");

		// The patient's maximum from the content: the lowest limit of the band that holds for 25.1 kg at 8 years.
		double weight = 25.1;
		double maximum = Double.MAX_VALUE;
		double startPerKg = Double.NaN;
		for (JsonNode band : fhirJson("MedicationKnowledge/atomoxetine").path("administrationGuidelines")) {
			if (!band.path("id").asText().equals("weight-up-to-70kg")) {
				continue;
			}
			for (JsonNode group : band.path("dosage")) {
				String role = group.path("type").path("coding").path(0).path("code").asText();
				for (JsonNode dosage : group.path("dosage")) {
					if (role.equals("maximum-dose")) {
						JsonNode n = dosage.path("maxDosePerPeriod").path("numerator");
						maximum = Math.min(maximum, n.path("code").asText().contains("/kg") ? n.path("value").asDouble() * weight : n.path("value").asDouble());
					} else if (role.equals("starting-dose")) {
						startPerKg = dosage.path("doseAndRate").path(0).path("doseQuantity").path("value").asDouble();
					}
				}
			}
		}
		assertThat(maximum).isLessThan(100.0);
		assertThat(critical.getText()).contains("100 mg").contains(String.format(java.util.Locale.ROOT, "%.1f", maximum));

		// $apply proposes the starting dose computed for the weight.
		List<Double> computed = browser.findAll(By.cssSelector("#apply-result .computed-dose")).stream()
				.map(e -> Double.valueOf(e.getDomAttribute("data-dose"))).toList();
		double expectedStart = startPerKg * weight;
		assertThat(computed).anySatisfy(d -> assertThat(d).isCloseTo(expectedStart, within(0.1)));

		// The raw request is one click away and carries the record in prefetch.
		WebElement rawRequest = browser.find(By.id("cds-raw-request"));
		rawRequest.findElement(By.tagName("summary")).click();
		String requestText = rawRequest.findElement(By.tagName("pre")).getText();
		assertThat(requestText).contains("\"prefetch\"").contains("25.1").contains("\"hook\": \"order-sign\"");
		browser.screenshot("try-it");

		// Accept the critical card's suggestion: the draft order changes to a dose within the maximum.
		critical.findElement(By.cssSelector("button.accept")).click();
		new WebDriverWait(browser.driver(), Duration.ofSeconds(10)).until(d -> !"100".equals(d.findElement(By.id("try-order-dose")).getDomProperty("value")));
		double newDose = Double.parseDouble(browser.find(By.id("try-order-dose")).getDomProperty("value"));
		double timesADay = Double.parseDouble(browser.find(By.id("try-order-per-day")).getDomProperty("value"));
		assertThat(newDose * timesADay).isGreaterThan(0).isLessThanOrEqualTo(maximum);
		assertThat(browser.find(By.id("draft-summary")).getText()).doesNotContain("100 mg").contains(trim(newDose));
		assertThat(critical.findElement(By.cssSelector(".card-status")).getText()).startsWith("Accepted");
		browser.screenshotFrom("docs-try-it", By.cssSelector("#try-form fieldset:nth-of-type(5)"), 1300);
		browser.assertNoErrors("try-it after accepting");

		// The try-it state is in the URL: opening it again restores the accepted draft.
		String url = browser.driver().getCurrentUrl();
		browser.driver().get("about:blank");
		browser.driver().get(url);
		browser.awaitRoute("/try");
		assertThat(browser.find(By.id("try-order-dose")).getDomProperty("value")).isEqualTo(trim(newDose));
		assertThat(browser.find(By.id("try-weight")).getDomProperty("value")).isEqualTo("25.1");
	}

	private static String trim(double value) {
		return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
	}

	@Test
	void aValueSetShowsItsExpansionAsTheServerComputesIt() throws Exception {
		browser.open(baseUrl() + "/#/terminology", "/terminology");
		browser.find(By.cssSelector("#valueset-list a[href='#/valueset/atomoxetine-products']")).click();
		browser.awaitRoute("/valueset/atomoxetine-products");
		browser.await(By.cssSelector("#expansion-table tbody tr"));
		Set<String> shown = new HashSet<>();
		browser.findAll(By.cssSelector("#expansion-table tbody tr")).forEach(tr -> shown.add(tr.getDomAttribute("data-code")));
		Set<String> expected = new HashSet<>();
		fhirJson("ValueSet/atomoxetine-products/$expand").path("expansion").path("contains").forEach(c -> expected.add(c.path("code").asText()));
		assertThat(shown).isNotEmpty().isEqualTo(expected);
		browser.screenshot("terminology-valueset");

		// Code lookup from a row of the expansion.
		browser.find(By.cssSelector("#expansion-table tbody tr[data-code='38400'] a")).click();
		browser.awaitRoute("/lookup");
		assertThat(browser.await(By.cssSelector("#lookup-result table")).getText()).containsIgnoringCase("atomoxetine");
		browser.assertNoErrors("lookup");
	}

	@Test
	void aPlanReadsAsAFlowWithItsConditionsAndTheMedicinesItUses() throws Exception {
		browser.open(baseUrl() + "/#/guidance", "/guidance");
		browser.find(By.cssSelector("#plan-list a[href='#/plan/atomoxetine-titration']")).click();
		browser.awaitRoute("/plan/atomoxetine-titration");
		JsonNode plan = fhirJson("PlanDefinition/atomoxetine-titration");
		for (JsonNode action : plan.path("action")) {
			assertThat(browser.findAll(By.cssSelector("#plan-actions > li[data-action-id='" + action.path("id").asText() + "']")))
					.as(action.path("id").asText()).hasSize(1);
			for (JsonNode condition : action.path("condition")) {
				String expression = condition.path("expression").path("expression").asText();
				assertThat(browser.find(By.cssSelector("#plan-actions > li[data-action-id='" + action.path("id").asText() + "']")).getText())
						.contains(expression);
			}
		}
		assertThat(browser.find(By.cssSelector("a[href='#/medicine/atomoxetine']")).getText()).isNotBlank();
		browser.screenshot("guidance-plan");
		browser.assertNoErrors("plan");
	}

	@Test
	void everyMainPageNamesItsControlsHasReadableContrastFitsAPhoneAndWorksFromTheKeyboard() {
		List<String> routes = List.of("/", "/medicines", "/medicine/atomoxetine", "/medicine/guanfacine-er", "/guidance",
				"/plan/atomoxetine-titration", "/terminology", "/valueset/adhd-medications", "/lookup", "/translate", "/try");
		for (String route : routes) {
			browser.open(baseUrl() + "/#" + route, route);
			assertThat(browser.auditAccessibility()).as("WCAG checks on %s", route).isEmpty();
		}

		org.openqa.selenium.Dimension desktop = browser.driver().manage().window().getSize();
		browser.driver().manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
		try {
			for (String route : List.of("/", "/medicine/atomoxetine", "/plan/atomoxetine-titration", "/try")) {
				browser.open(baseUrl() + "/#" + route + "?phone", route);
				assertThat(browser.overflowsHorizontally()).as("%s is wider than a phone", route).isFalse();
			}
			browser.open(baseUrl() + "/#/medicine/atomoxetine", "/medicine/atomoxetine");
			browser.screenshot("phone-medicine");
		} finally {
			browser.driver().manage().window().setSize(desktop);
		}

		// From the keyboard: the first Tab reaches the skip link, Enter moves focus to the page, and Tab then reaches
		// the page's own controls. A new document, so that focus starts at the top.
		browser.driver().get("about:blank");
		browser.open(baseUrl() + "/#/medicines", "/medicines");
		browser.driver().findElement(By.tagName("body")).sendKeys(org.openqa.selenium.Keys.TAB);
		WebElement focused = browser.driver().switchTo().activeElement();
		assertThat(focused.getDomAttribute("id")).isEqualTo("skip-link");
		focused.sendKeys(org.openqa.selenium.Keys.ENTER);
		assertThat(browser.driver().switchTo().activeElement().getDomAttribute("id")).isEqualTo("main");
		browser.driver().switchTo().activeElement().sendKeys(org.openqa.selenium.Keys.TAB);
		assertThat(browser.driver().switchTo().activeElement().getDomAttribute("id")).isEqualTo("medicine-q");
		browser.assertNoErrors("keyboard");
	}
}
