package org.adhdkb.guidance;

import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.Library;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The named FHIRPath definitions of a logic Library: content of type {@code text/fhirpath}, one definition per line,
 * {@code define name: expression} (see fhir-resources/README.md, "Guidance logic").
 */
final class GuidanceLibrary {

	static final String CONTENT_TYPE = "text/fhirpath";

	private GuidanceLibrary() {}

	static Map<String, String> definitions(Library library) {
		Map<String, String> definitions = new LinkedHashMap<>();
		for (Attachment content : library.getContent()) {
			if (!CONTENT_TYPE.equals(content.getContentType()) || !content.hasData()) {
				continue;
			}
			for (String line : new String(content.getData(), StandardCharsets.UTF_8).split("\n")) {
				String trimmed = line.strip();
				if (!trimmed.startsWith("define ")) {
					continue;
				}
				int colon = trimmed.indexOf(':');
				if (colon > 7) {
					definitions.put(trimmed.substring(7, colon).strip(), trimmed.substring(colon + 1).strip());
				}
			}
		}
		return definitions;
	}
}
