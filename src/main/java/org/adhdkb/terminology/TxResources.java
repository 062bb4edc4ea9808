package org.adhdkb.terminology;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.ValueSet;

import java.util.List;

/**
 * The {@code tx-resource} parameter (FHIR terminology ecosystem): code systems and value sets sent with a request, to
 * be used for that request only, ahead of the stored ones. HAPI has no support for it. Most operations with
 * tx-resources are answered by {@link Hl7TerminologyEngine}; this chain serves the rest ({@code $subsumes}) and
 * {@link ValueSetGuard}'s walk through included value sets: the request's resources, then the server's resources
 * (fetched through the server's validation support, never written), then HAPI's built-in code systems.
 */
final class TxResources {

	private final IValidationSupport server;
	// Stateless apart from the FhirContext, and costly to build (CommonCodeSystemsTerminologyService loads UCUM):
	// made once, shared by every request's chain.
	private final InMemoryTerminologyServerValidationSupport inMemory;
	private final CommonCodeSystemsTerminologyService builtIn;

	TxResources(IValidationSupport server) {
		this.server = server;
		this.inMemory = new InMemoryTerminologyServerValidationSupport(server.getFhirContext());
		this.builtIn = new CommonCodeSystemsTerminologyService(server.getFhirContext());
	}

	static boolean present(List<IBaseResource> txResources) {
		return txResources != null && !txResources.isEmpty();
	}

	/** A validation support chain that sees the request's resources first; it lives for one request. */
	IValidationSupport chain(List<IBaseResource> txResources) {
		FhirContext context = server.getFhirContext();
		PrePopulatedValidationSupport requestResources = new PrePopulatedValidationSupport(context);
		for (IBaseResource resource : txResources) {
			if (resource instanceof CodeSystem codeSystem) {
				requestResources.addCodeSystem(codeSystem);
			} else if (resource instanceof ValueSet valueSet) {
				requestResources.addValueSet(valueSet);
			}
			// Other resource types mean nothing to terminology operations (HAPI's parameter binding drops them anyway).
		}
		// No cache: the chain lives for one request.
		return new ValidationSupportChain(
				ValidationSupportChain.CacheConfiguration.disabled(),
				requestResources, new StoredResources(server), inMemory, builtIn);
	}

	/**
	 * The server's code systems and value sets, for fetching only: the in-memory service does the terminology work, so
	 * that it sees the request's resources wherever a stored one refers to them.
	 */
	private record StoredResources(IValidationSupport server) implements IValidationSupport {
		@Override
		public FhirContext getFhirContext() {
			return server.getFhirContext();
		}

		@Override
		public IBaseResource fetchCodeSystem(String system) {
			return server.fetchCodeSystem(system);
		}

		@Override
		public IBaseResource fetchValueSet(String url) {
			return server.fetchValueSet(url);
		}

		@Override
		public String getName() {
			return "adhdkb stored terminology resources";
		}
	}
}
