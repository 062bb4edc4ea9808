package org.adhdkb.cql;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.hl7.fhir.r4.model.Library;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.opencds.cqf.cql.engine.terminology.TerminologyProvider;

/**
 * A differential test's own CQL library (a sweep over many inputs), translated with the content library it includes and
 * evaluated beside the content's compiled libraries, for a patient of its own: how the fast-path tests run the
 * content's CQL over what they generate.
 */
public final class SweepLibrary {

	private SweepLibrary() {
	}

	/**
	 * The values of {@code definitions} of the library {@code name} (version 1.0.0) whose CQL is {@code cql}; it includes
	 * the content library {@code includedName}, whose CQL is {@code includedCql} and whose ELM is among {@code content}.
	 */
	public static Map<String, Object> evaluate(String name, String cql, String includedName, String includedCql,
			List<Library> content, TerminologyProvider terminology, Set<String> definitions, List<? extends Resource> data) {
		CqlTranslation.Result translated = CqlTranslation.translate(Map.of("sweep", cql, includedName, includedCql));
		assertThat(translated.problems()).isEmpty();
		Library sweep = new Library().setName(name).setVersion("1.0.0");
		sweep.addContent().setContentType("application/elm+json")
				.setData(translated.libraries().get("sweep").elmJson().getBytes(StandardCharsets.UTF_8));
		List<Library> withSweep = new ArrayList<>(content);
		withSweep.add(sweep);
		Patient anyone = new Patient();
		anyone.setId("sweep");
		List<Resource> record = new ArrayList<>(List.of(anyone));
		record.addAll(data);
		return new CqlEvaluator(CompiledLibraries.of(withSweep), terminology)
				.evaluate(name, "1.0.0", definitions, record, ZonedDateTime.now(ZoneId.systemDefault()));
	}
}
