package org.adhdkb.terminology;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.provider.BaseJpaResourceProviderCodeSystem;
import ca.uhn.fhir.jpa.provider.BaseJpaResourceProviderConceptMap;
import ca.uhn.fhir.jpa.provider.ValueSetOperationProvider;
import org.adhdkb.cache.ChangeCounter;
import org.adhdkb.server.AdhdkbProperties;
import org.adhdkb.server.FhirServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The terminology operations: HAPI's terminology service with what it lacks added (see each class). */
@Configuration
public class TerminologyConfig {

	/** Static: a post-processor exists before any configuration class is built. */
	@Bean
	static CanonicalLoincResolution.Installer canonicalLoincResolution() {
		return new CanonicalLoincResolution.Installer();
	}

	@Bean
	public FhirServerCustomizer terminologyOperations(
			ValueSetOperationProvider valueSetOperationProvider,
			BaseJpaResourceProviderCodeSystem<?> codeSystemProvider,
			BaseJpaResourceProviderConceptMap<?> conceptMapProvider,
			IValidationSupport validationSupport,
			DaoRegistry daoRegistry,
			AdhdkbProperties properties,
			ChangeCounter changeCounter) {
		TerminologyLookups lookups = new TerminologyLookups(validationSupport, daoRegistry);
		TxResources txResources = new TxResources(validationSupport);
		Hl7TerminologyEngine engine = new Hl7TerminologyEngine(validationSupport, changeCounter::current);
		int maxExpansionSize = properties.getTerminology().getMaxExpansionSize();
		return server -> {
			// Registered before the server starts, so it sees HAPI's bindings as they are made.
			server.registerInterceptor(new ReplacedHapiOperations());
			server.registerInterceptor(new TerminologyErrors());
			server.registerInterceptor(new TerminologyCapabilitiesProvider(daoRegistry, validationSupport));
			server.registerProvider(new ValueSetOperations(valueSetOperationProvider, lookups, txResources, engine, maxExpansionSize));
			server.registerProvider(new CodeSystemOperations(codeSystemProvider, lookups, txResources, engine, daoRegistry));
			server.registerProvider(new ConceptMapOperations(conceptMapProvider, lookups));
			server.registerProvider(new TerminologyVersions());
		};
	}
}
