package org.adhdkb.content;

/**
 * One thing wrong with one content file: which file, where in the resource (a FHIRPath-like location, or empty when
 * the problem concerns the whole file) and what.
 */
public record ContentProblem(String file, String location, String message) {

	@Override
	public String toString() {
		return location.isEmpty() ? file + ": " + message : file + " @ " + location + ": " + message;
	}
}
