package org.adhdkb.web;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real headless Chromium driven through Debian's chromedriver. Both paths are given explicitly so that Selenium
 * Manager never looks for (or downloads) a browser or a driver: this machine has no network for that, and the test
 * must use the browser `.ci/run` installs.
 */
final class Browser implements AutoCloseable {

	private static final Path SCREENSHOTS = Path.of("target", "screenshots");

	private final ChromeDriver driver;

	Browser() {
		ChromeOptions options = new ChromeOptions();
		options.setBinary(chromiumBinary());
		options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
				"--window-size=1280,900", "--disable-extensions", "--no-first-run", "--lang=en-US");
		LoggingPreferences logs = new LoggingPreferences();
		logs.enable(LogType.BROWSER, Level.ALL);
		options.setCapability("goog:loggingPrefs", logs);
		ChromeDriverService service = new ChromeDriverService.Builder()
				.usingDriverExecutable(new File(System.getProperty("adhdkb.chromedriver", "/usr/bin/chromedriver")))
				.usingAnyFreePort()
				.build();
		driver = new ChromeDriver(service, options);
	}

	/** Debian's /usr/bin/chromium is a shell wrapper; the binary it starts is under /usr/lib/chromium. */
	private static String chromiumBinary() {
		String configured = System.getProperty("adhdkb.chromium");
		if (configured != null) {
			return configured;
		}
		Path real = Path.of("/usr/lib/chromium/chromium");
		return Files.isExecutable(real) ? real.toString() : "/usr/bin/chromium";
	}

	static boolean available() {
		return Files.isExecutable(Path.of(System.getProperty("adhdkb.chromedriver", "/usr/bin/chromedriver")))
				&& (Files.isExecutable(Path.of("/usr/lib/chromium/chromium")) || Files.isExecutable(Path.of("/usr/bin/chromium")));
	}

	WebDriver driver() {
		return driver;
	}

	/** Opens a URL and waits until the page at that route has rendered (main[data-route] is set when it is ready). */
	void open(String url, String route) {
		driver.get(url);
		awaitRoute(route);
	}

	/** Waits until the browser shows the page of a route path such as "/medicine/atomoxetine". */
	void awaitRoute(String route) {
		new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> {
			WebElement main = d.findElement(By.id("main"));
			return route.equals(main.getDomAttribute("data-route")) && "true".equals(main.getDomAttribute("data-ready"));
		});
		assertNoErrors(route);
	}

	/** Waits for an element that a page adds after its first render (results of a form, an expansion). */
	WebElement await(By locator) {
		return new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> {
			List<WebElement> found = d.findElements(locator);
			return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
		});
	}

	WebElement find(By locator) {
		return driver.findElement(locator);
	}

	List<WebElement> findAll(By locator) {
		return driver.findElements(locator);
	}

	/**
	 * Fails on anything the page logged as an error since the last check: an uncaught exception, a console.error, a
	 * Content-Security-Policy violation or a resource that failed to load.
	 */
	void assertNoErrors(String where) {
		List<String> severe = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
				.filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
				.map(LogEntry::getMessage)
				.toList();
		assertThat(severe).as("JavaScript errors on %s", where).isEmpty();
	}

	/** Saves a screenshot of the whole page (the window is grown to the page's height first) to target/screenshots. */
	Path screenshot(String name) {
		Object height = ((JavascriptExecutor) driver).executeScript(
				"window.scrollTo(0, 0); return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight);");
		org.openqa.selenium.Dimension before = driver.manage().window().getSize();
		int pageHeight = Math.min(((Number) height).intValue() + 40, 12000);
		driver.manage().window().setSize(new org.openqa.selenium.Dimension(before.getWidth(), Math.max(pageHeight, 600)));
		try {
			Files.createDirectories(SCREENSHOTS);
			Path file = SCREENSHOTS.resolve(name + ".png");
			Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
			return file;
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		} finally {
			driver.manage().window().setSize(before);
		}
	}

	/** Saves a screenshot of one window's height from an element down (smaller images for docs/). */
	Path screenshotFrom(String name, By anchor, int height) {
		org.openqa.selenium.Dimension before = driver.manage().window().getSize();
		driver.manage().window().setSize(new org.openqa.selenium.Dimension(1280, height));
		try {
			((JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView({block: 'start'}); window.scrollBy(0, -8);",
					driver.findElement(anchor));
			Files.createDirectories(SCREENSHOTS);
			Path file = SCREENSHOTS.resolve(name + ".png");
			Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
			return file;
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		} finally {
			driver.manage().window().setSize(before);
		}
	}

	/** Problems the WCAG checks of src/test/resources/web/a11y-audit.js find on the current page (empty: none). */
	@SuppressWarnings("unchecked")
	List<String> auditAccessibility() {
		try (java.io.InputStream script = Browser.class.getResourceAsStream("/web/a11y-audit.js")) {
			String source = new String(script.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
			return (List<String>) ((JavascriptExecutor) driver).executeScript(source);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** Whether the page is wider than the window (a phone would have to scroll sideways). */
	boolean overflowsHorizontally() {
		return (Boolean) ((JavascriptExecutor) driver).executeScript(
				"return document.documentElement.scrollWidth > document.documentElement.clientWidth + 1;");
	}

	@Override
	public void close() {
		driver.quit();
	}
}
