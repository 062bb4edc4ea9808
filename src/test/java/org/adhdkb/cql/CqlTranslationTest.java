package org.adhdkb.cql;

import org.hl7.fhir.r4.model.DataRequirement;
import org.hl7.fhir.r4.model.RelatedArtifact;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CqlTranslationTest {

	private static final String CONTENT_CQL = "fhir-resources/cql/AdhdPatientFacts.cql";
	private static final String DOSING_CQL = "fhir-resources/cql/AdhdDosing.cql";

	@Test
	void contentLibraryTranslatesToElmWithItsDataRequirements() throws IOException {
		// the facts read the bounds of the dosing conditions with AdhdDosing's bound reader, so it comes along
		Map<String, String> sources = Map.of(CONTENT_CQL, Files.readString(Path.of(CONTENT_CQL)),
				DOSING_CQL, Files.readString(Path.of(DOSING_CQL)));

		CqlTranslation.Result result = CqlTranslation.translate(sources);

		assertThat(result.problems()).isEmpty();
		CqlTranslation.Translated library = result.libraries().get(CONTENT_CQL);
		assertThat(library.name()).isEqualTo("AdhdPatientFacts");
		assertThat(library.elmJson()).contains("\"library\"").contains("On strong CYP2D6 inhibitor");
		assertThat(library.includes()).contains("FHIRHelpers|4.0.1", "AdhdDosing|0.1.0");
		// The translator's analysis finds the retrieves the CQL makes: observations by LOINC code, medications by value set.
		assertThat(library.requirements().getDataRequirement())
				.extracting(DataRequirement::getType)
				.contains("Observation", "MedicationRequest", "MedicationStatement");
		assertThat(library.requirements().getRelatedArtifact())
				.filteredOn(artifact -> artifact.getType() == RelatedArtifact.RelatedArtifactType.DEPENDSON)
				.extracting(RelatedArtifact::getResource)
				.anyMatch(resource -> resource.contains("FHIRHelpers"));
	}

	@Test
	void anErrorNamesTheLineAndColumn() {
		String cql = """
				library Broken version '1.0.0'
				using FHIR version '4.0.1'
				context Patient
				define "Oops": "No such definition"
				""";
		Map<String, String> sources = new LinkedHashMap<>();
		sources.put("cql/Broken.cql", cql);

		CqlTranslation.Result result = CqlTranslation.translate(sources);

		assertThat(result.libraries()).isEmpty();
		assertThat(result.problems()).isNotEmpty();
		CqlTranslation.Problem problem = result.problems().get(0);
		assertThat(problem.library()).isEqualTo("cql/Broken.cql");
		assertThat(problem.line()).isEqualTo(4);
		assertThat(problem.message()).contains("No such definition");
	}
}
