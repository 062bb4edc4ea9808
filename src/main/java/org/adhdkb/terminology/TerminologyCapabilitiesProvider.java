package org.adhdkb.terminology;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.TerminologyCapabilities;
import org.hl7.fhir.r4.model.TerminologyCapabilities.TerminologyCapabilitiesCodeSystemComponent;

import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code GET /metadata?mode=terminology} answers a TerminologyCapabilities resource, as FHIR R4 defines; HAPI's JPA
 * server answers its CapabilityStatement for every mode. The resource lists every code system the server answers for
 * (stored CodeSystem resources and the ones HAPI has built in) and the expansion parameters it honours.
 */
@Interceptor
public class TerminologyCapabilitiesProvider {

	/** Code systems HAPI validates without a CodeSystem resource (CommonCodeSystemsTerminologyService). */
	private static final List<String> BUILT_IN_CODE_SYSTEMS = List.of(
			"http://unitsofmeasure.org", "urn:ietf:bcp:47", "urn:ietf:bcp:13", "urn:iso:std:iso:3166",
			"urn:iso:std:iso:4217");

	private final DaoRegistry daoRegistry;
	private final IValidationSupport validationSupport;

	TerminologyCapabilitiesProvider(DaoRegistry daoRegistry, IValidationSupport validationSupport) {
		this.daoRegistry = daoRegistry;
		this.validationSupport = validationSupport;
	}

	@Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
	public boolean answerTerminologyMode(RequestDetails request, ResponseDetails response) {
		if (request.getRestOperationType() == RestOperationTypeEnum.METADATA
				&& request.getParameters().containsKey("mode")
				&& "terminology".equals(request.getParameters().get("mode")[0])) {
			response.setResponseResource(build());
		}
		return true;
	}

	TerminologyCapabilities build() {
		TerminologyCapabilities capabilities = new TerminologyCapabilities();
		capabilities.setName("AdhdkbTerminologyCapabilities");
		capabilities.setTitle("adhdkb terminology capabilities");
		capabilities.setStatus(Enumerations.PublicationStatus.ACTIVE);
		capabilities.setDate(new Date());
		capabilities.setKind(TerminologyCapabilities.CapabilityStatementKind.INSTANCE);
		capabilities.getSoftware().setName("adhdkb");
		String implementationVersion = getClass().getPackage().getImplementationVersion();
		// Run from classes rather than the jar, there is no manifest to read the version from.
		String version = implementationVersion != null ? implementationVersion : "development";
		capabilities.setVersion(version);
		capabilities.getSoftware().setVersion(version);
		capabilities.getImplementation().setDescription("adhdkb: ADHD pharmacotherapy knowledge and terminology server");
		capabilities.setLockedDate(false);

		Map<String, TerminologyCapabilitiesCodeSystemComponent> codeSystems = new TreeMap<>();
		for (IBaseResource resource : daoRegistry.getResourceDao("CodeSystem")
				.search(SearchParameterMap.newSynchronous(), new SystemRequestDetails())
				.getAllResources()) {
			CodeSystem codeSystem = (CodeSystem) resource;
			if (!codeSystem.hasUrl()) {
				continue;
			}
			TerminologyCapabilitiesCodeSystemComponent entry = codeSystems.computeIfAbsent(
					codeSystem.getUrl(), url -> new TerminologyCapabilitiesCodeSystemComponent().setUri(url));
			if (codeSystem.hasVersion()) {
				boolean first = entry.getVersion().isEmpty();
				entry.addVersion().setCode(codeSystem.getVersion()).setIsDefault(first);
			}
			entry.setSubsumption(true);
		}
		ValidationSupportContext context = new ValidationSupportContext(validationSupport);
		for (String url : BUILT_IN_CODE_SYSTEMS) {
			if (!codeSystems.containsKey(url) && validationSupport.isCodeSystemSupported(context, url)) {
				codeSystems.put(url, new TerminologyCapabilitiesCodeSystemComponent().setUri(url));
			}
		}
		capabilities.setCodeSystem(List.copyOf(codeSystems.values()));

		var expansion = capabilities.getExpansion();
		expansion.setHierarchical(true).setPaging(true).setIncomplete(false);
		for (String parameter : ValueSetOperations.EXPANSION_PARAMETERS) {
			expansion.addParameter().setName(parameter);
		}
		expansion.setTextFilter("Case-insensitive: every word of the filter starts a word of the display, or the "
				+ "filter starts the code.");
		capabilities.getValidateCode().setTranslations(false);
		capabilities.getTranslation().setNeedsMap(false);
		capabilities.getClosure().setTranslation(false);
		return capabilities;
	}
}
