package org.adhdkb.cdshooks;

import java.util.List;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.hapi.fhir.cdshooks.svc.prefetch.CdsPrefetchDaoSvc;
import ca.uhn.hapi.fhir.cdshooks.svc.prefetch.CdsPrefetchFhirClientSvc;
import ca.uhn.hapi.fhir.cdshooks.svc.prefetch.CdsPrefetchSvc;
import ca.uhn.hapi.fhir.cdshooks.svc.prefetch.CdsResolutionStrategySvc;
import org.adhdkb.server.AdhdkbProperties;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The parts of HAPI's CDS Hooks module we use: its request model and parser (context resources and prefetch parsed
 * as FHIR), and its prefetch service, which finds the prefetch keys a request lacks and fetches them from the
 * client's fhirServer with the client's access token, answering 412 when it cannot. We do not use its controller
 * and registry: the controller answers errors with stack-trace-prone Spring defaults and only CDS Hooks 1.x feedback,
 * and the response classes serialise extra and null fields (see {@link CardJson}).
 */
@Configuration
class CdsHooksConfig {

	@Bean
	FhirServerPolicy fhirServerPolicy(@Value("${adhdkb.cds.allowed-fhir-servers:}") List<String> allowedFhirServers,
			@Value("${adhdkb.security.cds.enabled:false}") boolean clientsAuthenticated, AdhdkbProperties properties) {
		return new FhirServerPolicy(allowedFhirServers, clientsAuthenticated, properties.getServerAddress());
	}

	@Bean
	CdsPrefetchSvc cdsPrefetchSvc(FhirContext fhirContext, FhirServerPolicy policy) {
		// This context's FHIR client is used for nothing but prefetch fetches: no redirects, public addresses only
		// unless listed, a byte budget per call (PrefetchHttpClient).
		fhirContext.getRestfulClientFactory().setHttpClient(PrefetchHttpClient.create(policy.hostsReachableAnywhere()));
		// A prefetch fetch reads the resources it names; asking each fhirServer for its CapabilityStatement first
		// (HAPI's client default) would double the first call and fail against servers that restrict /metadata.
		fhirContext.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
		// No DaoRegistry: missing data comes only from the client's fhirServer, never silently from our own database.
		return new CdsPrefetchSvc(new CdsResolutionStrategySvc(null), new CdsPrefetchDaoSvc(null, null, fhirContext),
				new CdsPrefetchFhirClientSvc(fhirContext), resource -> {}, null);
	}
}
