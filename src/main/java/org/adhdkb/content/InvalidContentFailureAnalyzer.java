package org.adhdkb.content;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns invalid content into a start-up failure report that lists every problem, instead of a stack trace. */
public class InvalidContentFailureAnalyzer extends AbstractFailureAnalyzer<InvalidContentException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidContentException cause) {
		return new FailureAnalysis(
				cause.getMessage(),
				"Fix the files above (run `./mvnw -q compile exec:java` to check them without starting the server).",
				cause);
	}
}
