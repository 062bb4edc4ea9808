package org.adhdkb.terminology;

import ca.uhn.fhir.rest.annotation.Operation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;

/**
 * {@code GET /$versions} (FHIR terminology ecosystem): the FHIR versions this endpoint serves, so that clients such as
 * the HL7 validator know which version to speak. This server serves R4 only.
 */
public class TerminologyVersions {

	static final String FHIR_VERSION = "4.0.1";

	@Operation(name = "$versions", idempotent = true)
	public Parameters versions() {
		Parameters versions = new Parameters();
		versions.addParameter().setName("version").setValue(new StringType(FHIR_VERSION));
		versions.addParameter().setName("default").setValue(new StringType(FHIR_VERSION));
		return versions;
	}
}
