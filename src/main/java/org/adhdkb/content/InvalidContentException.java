package org.adhdkb.content;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown when the content package has problems; the message names every one of them. */
public class InvalidContentException extends RuntimeException {

	private final transient List<ContentProblem> problems;

	public InvalidContentException(List<ContentProblem> problems) {
		super(describe(problems));
		this.problems = List.copyOf(problems);
	}

	public List<ContentProblem> getProblems() {
		return problems;
	}

	static String describe(List<ContentProblem> problems) {
		return problems.size() + " problem(s) in the content package:\n"
				+ problems.stream().map(p -> "  - " + p).collect(Collectors.joining("\n"));
	}
}
