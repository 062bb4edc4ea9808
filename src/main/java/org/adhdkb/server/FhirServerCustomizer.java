package org.adhdkb.server;

import ca.uhn.fhir.rest.server.RestfulServer;

/**
 * A capability (terminology, guidance, security, ...) that adds providers or interceptors to the FHIR endpoint
 * implements this, so that the REST wiring does not need to know every capability.
 */
@FunctionalInterface
public interface FhirServerCustomizer {
	void customize(RestfulServer server);
}
