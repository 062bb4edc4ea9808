package org.adhdkb.terminology;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.adhdkb.testing.ServerTestBase;
import org.hl7.fhir.validation.special.TxTester;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Runs the HL7 FHIR terminology ecosystem test suite ({@code ../shared/conformance/tx-ecosystem}, mode
 * {@code general}) with HL7's own runner, TxTester, against the booted server, and gates on a baseline: every test id
 * in {@code src/test/resources/tx-ecosystem/baseline.txt} must pass. The baseline may only grow. The pass counts per
 * suite and the failure reasons go to {@code target/tx-ecosystem/report.md}; {@code -Dadhdkb.tx.report=PATH} writes
 * the report there too (bench/results/tx-ecosystem.md holds the latest committed one).
 */
class TerminologyTxEcosystemTest extends ServerTestBase {

	private static final String BASELINE = "/tx-ecosystem/baseline.txt";
	/** {@code -Dadhdkb.tx.skip=true} skips the suite on purpose; without it a missing suite fails the test. */
	private static final String SKIP = "adhdkb.tx.skip";
	/** Why a suite is not run, or why its remaining failures are out of this server's scope: "suite: reason" lines. */
	private static final String SUITE_NOTES = "/tx-ecosystem/suite-notes.txt";

	@Test
	void baselineOfTheTerminologyEcosystemTestsPasses() throws Exception {
		assumeFalse(Boolean.getBoolean(SKIP), "skipped with -D" + SKIP + "=true");
		Path suite = Path.of("..", "shared", "conformance", "tx-ecosystem").toAbsolutePath().normalize();
		assertThat(suite.resolve("test-cases.json"))
				.as("The HL7 terminology ecosystem test suite is missing at %s. It is HL7's test data: the folder 'tests' of "
						+ "https://github.com/HL7/fhir-tx-ecosystem-ig (shared/conformance/tx-ecosystem in this project's "
						+ "shared material); put it there, or skip this test with -D%s=true (README, Terminology operations).",
						suite, SKIP)
				.exists();
		Path output = Path.of("target", "tx-ecosystem").toAbsolutePath();
		Files.createDirectories(output);

		long started = System.currentTimeMillis();
		TxTester tester = new TxTester(new TxTester.InternalTxLoader(suite.toString()), fhirBase(), false, null);
		tester.setOutput(output.toString());
		// TxTester logs every difference at ERROR; the report below sums them up.
		Logger testerLog = (Logger) LoggerFactory.getLogger(TxTester.class);
		Level level = testerLog.getLevel();
		testerLog.setLevel(Level.WARN);
		try {
			tester.execute(Set.of("general"), System.getProperty("adhdkb.tx.filter"));
		} finally {
			testerLog.setLevel(level);
		}
		long millis = System.currentTimeMillis() - started;

		Map<String, List<JsonNode>> testsBySuite = readResults(output.resolve("test-results.json"));
		Set<String> passed = new TreeSet<>();
		testsBySuite.forEach((suiteName, tests) -> tests.stream()
				.filter(test -> "pass".equals(test.path("status").asText()))
				.forEach(test -> passed.add(suiteName + "/" + test.path("name").asText())));

		String report = report(testsBySuite, totals(suite.resolve("test-cases.json")), suiteNotes(), passed.size(), millis);
		Files.writeString(output.resolve("report.md"), report);
		Files.writeString(output.resolve("passed.txt"), String.join("\n", passed) + "\n");
		String copy = System.getProperty("adhdkb.tx.report");
		if (copy != null && !copy.isBlank()) {
			Files.writeString(Path.of(copy), report);
		}
		System.out.println(report);

		assertThat(passed).as("tx-ecosystem tests of the baseline that no longer pass (see target/tx-ecosystem/report.md)")
				.containsAll(baseline());
	}

	private static Map<String, List<JsonNode>> readResults(Path results) throws IOException {
		Map<String, List<JsonNode>> bySuite = new LinkedHashMap<>();
		for (JsonNode suite : new ObjectMapper().readTree(results.toFile()).path("suites")) {
			List<JsonNode> tests = new ArrayList<>();
			suite.path("tests").forEach(tests::add);
			bySuite.put(suite.path("name").asText(), tests);
		}
		return bySuite;
	}

	/** Number of tests of every suite in test-cases.json, with the suite's mode: "name (mode)" to count. */
	private static Map<String, Integer> totals(Path testCases) throws IOException {
		Map<String, Integer> totals = new LinkedHashMap<>();
		for (JsonNode suite : new ObjectMapper().readTree(testCases.toFile()).path("suites")) {
			totals.put(suite.path("name").asText(), suite.path("tests").size());
		}
		return totals;
	}

	/** Pass counts per suite, then the failure reasons of each suite, most frequent first. */
	private static String report(Map<String, List<JsonNode>> testsBySuite, Map<String, Integer> totals,
			Map<String, String> notes, int passedCount, long millis) {
		int run = testsBySuite.values().stream().mapToInt(List::size).sum();
		int total = totals.values().stream().mapToInt(Integer::intValue).sum();
		StringBuilder text = new StringBuilder("# HL7 terminology ecosystem tests (mode general)\n\n");
		text.append(String.format("%d passed of %d run, of %d in test-cases.json, in %.1f s. TxTester runs the suites "
				+ "and tests of mode general; the %d tests not run belong to suites (or are single tests) of the modes "
				+ "tx.fhir.org, snomed, omop and icd-11: see \"Suites not run\" for why each is not for this server.%n%n",
				passedCount, run, total, millis / 1000.0, total - run));
		text.append("| suite | passed | run | total |\n|---|---|---|---|\n");
		Map<String, Map<String, Integer>> reasonsBySuite = new LinkedHashMap<>();
		testsBySuite.forEach((suite, tests) -> {
			long passed = tests.stream().filter(test -> "pass".equals(test.path("status").asText())).count();
			text.append("| ").append(suite).append(" | ").append(passed).append(" | ").append(tests.size())
					.append(" | ").append(totals.getOrDefault(suite, tests.size())).append(" |\n");
			Map<String, Integer> reasons = new TreeMap<>();
			for (JsonNode test : tests) {
				if (!"pass".equals(test.path("status").asText())) {
					reasons.merge(reason(test), 1, Integer::sum);
				}
			}
			reasonsBySuite.put(suite, reasons);
		});
		totals.forEach((suite, count) -> {
			if (!testsBySuite.containsKey(suite)) {
				text.append("| ").append(suite).append(" | 0 | 0 | ").append(count).append(" |\n");
			}
		});
		text.append("\n## Suites not run\n\n");
		totals.forEach((suite, count) -> {
			int runInSuite = testsBySuite.getOrDefault(suite, List.of()).size();
			if (runInSuite < count) {
				text.append("- **").append(suite).append("** (").append(count - runInSuite).append(" of ").append(count)
						.append(" not run): ").append(notes.getOrDefault(suite, "mode other than general")).append('\n');
			}
		});
		text.append("\n## Failure reasons by suite\n");
		reasonsBySuite.forEach((suite, reasons) -> {
			if (reasons.isEmpty()) {
				return;
			}
			text.append("\n### ").append(suite).append("\n\n");
			if (notes.containsKey(suite) && totals.getOrDefault(suite, 0) == testsBySuite.get(suite).size()) {
				text.append(notes.get(suite)).append("\n\n");
			}
			reasons.entrySet().stream()
					.sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
					.forEach(reason -> text.append("- ").append(reason.getValue()).append(" x ").append(reason.getKey()).append('\n'));
		});
		return text.toString();
	}

	/** The first line of TxTester's message, without the test-specific values, so that alike failures group. */
	private static String reason(JsonNode test) {
		if (!test.has("status")) {
			return "not run by TxTester (no status)";
		}
		String message = test.path("message").asText("").strip();
		String firstLine = message.lines().findFirst().orElse("(no message)");
		String general = firstLine.replaceAll("\"[^\"]{12,}\"", "\"…\"").replaceAll("'[^']{12,}'", "'…'");
		return general.length() > 160 ? general.substring(0, 160) + "…" : general;
	}

	private static Map<String, String> suiteNotes() throws IOException {
		Map<String, String> notes = new LinkedHashMap<>();
		try (InputStream in = TerminologyTxEcosystemTest.class.getResourceAsStream(SUITE_NOTES)) {
			assertThat(in).as(SUITE_NOTES).isNotNull();
			new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
					.map(String::strip)
					.filter(line -> !line.isEmpty() && !line.startsWith("#") && line.contains(": "))
					.forEach(line -> notes.put(line.substring(0, line.indexOf(": ")), line.substring(line.indexOf(": ") + 2)));
		}
		return notes;
	}

	private static Set<String> baseline() throws IOException {
		Set<String> ids = new TreeSet<>();
		try (InputStream in = TerminologyTxEcosystemTest.class.getResourceAsStream(BASELINE)) {
			assertThat(in).as(BASELINE).isNotNull();
			new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
					.map(String::strip)
					.filter(line -> !line.isEmpty() && !line.startsWith("#"))
					.forEach(ids::add);
		}
		return ids;
	}
}
