package org.adhdkb.terminology;

import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.TerminologyCapabilities;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/** GET /metadata?mode=terminology. */
class TerminologyCapabilitiesTest extends TerminologyTestBase {

	@ParameterizedTest
	@EnumSource(Format.class)
	void terminologyModeAnswersTerminologyCapabilities(Format format) {
		TerminologyCapabilities capabilities = get("metadata?mode=terminology", format).as(TerminologyCapabilities.class);
		assertThat(capabilities.getCodeSystem()).extracting(c -> c.getUri())
				.contains(SNOMED, RXNORM, MEDICATION_CLASS, "http://unitsofmeasure.org");
		assertThat(capabilities.getCodeSystem()).filteredOn(c -> c.getUri().equals(SNOMED))
				.singleElement().satisfies(c -> assertThat(c.getVersionFirstRep().getCode()).isEqualTo("0.1.0"));
		assertThat(capabilities.getExpansion().getParameter()).extracting(p -> p.getName())
				.contains("filter", "count", "offset", "activeOnly", "includeDesignations", "displayLanguage",
						"valueSetVersion");
		assertThat(capabilities.getExpansion().getPaging()).isTrue();

		assertThat(get("metadata", format).resource()).isInstanceOf(CapabilityStatement.class);
		assertThat(get("metadata?mode=full", format).resource()).isInstanceOf(CapabilityStatement.class);
	}
}
