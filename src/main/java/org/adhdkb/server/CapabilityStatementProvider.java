package org.adhdkb.server;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import jakarta.servlet.http.HttpServletRequest;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;

/**
 * HAPI's JPA CapabilityStatement, corrected where it under-reports: the system endpoint accepts batch bundles as
 * well as transactions, but HAPI lists only {@code transaction}.
 */
public class CapabilityStatementProvider extends JpaCapabilityStatementProvider {

	public CapabilityStatementProvider(
			RestfulServer server,
			IFhirSystemDao<?, ?> systemDao,
			JpaStorageSettings storageSettings,
			ISearchParamRegistry searchParamRegistry,
			IValidationSupport validationSupport) {
		super(server, systemDao, storageSettings, searchParamRegistry, validationSupport);
		setImplementationDescription("adhdkb: ADHD pharmacotherapy knowledge and terminology server");
	}

	@Override
	public IBaseConformance getServerConformance(HttpServletRequest request, RequestDetails requestDetails) {
		CapabilityStatement capabilities = (CapabilityStatement) super.getServerConformance(request, requestDetails);
		for (CapabilityStatement.CapabilityStatementRestComponent rest : capabilities.getRest()) {
			boolean hasTransaction = rest.getInteraction().stream()
					.anyMatch(i -> i.getCode() == CapabilityStatement.SystemRestfulInteraction.TRANSACTION);
			boolean hasBatch = rest.getInteraction().stream()
					.anyMatch(i -> i.getCode() == CapabilityStatement.SystemRestfulInteraction.BATCH);
			if (hasTransaction && !hasBatch) {
				rest.addInteraction().setCode(CapabilityStatement.SystemRestfulInteraction.BATCH);
			}
		}
		return capabilities;
	}
}
