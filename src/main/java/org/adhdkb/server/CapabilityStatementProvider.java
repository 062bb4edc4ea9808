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
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Extension;

import java.util.Date;

/**
 * HAPI's JPA CapabilityStatement, corrected where it under-reports (the system endpoint accepts batch bundles as well
 * as transactions, but HAPI lists only {@code transaction}) and where it over-reports (operations its settings switch
 * off), and saying what is not offered at all (subscriptions, bulk export, GraphQL).
 */
public class CapabilityStatementProvider extends JpaCapabilityStatementProvider {

	public CapabilityStatementProvider(
			RestfulServer server,
			IFhirSystemDao<?, ?> systemDao,
			JpaStorageSettings storageSettings,
			ISearchParamRegistry searchParamRegistry,
			IValidationSupport validationSupport) {
		super(server, systemDao, storageSettings, searchParamRegistry, validationSupport);
		this.storageSettings = storageSettings;
		setImplementationDescription("adhdkb: ADHD pharmacotherapy knowledge and terminology server");
	}

	private final JpaStorageSettings storageSettings;

	private final Date releaseDate = buildDate();

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
		describeTerminologyServer(capabilities);
		withoutOperationsThatAreOff(capabilities);
		describeWhatIsOff(capabilities);
		return capabilities;
	}

	/**
	 * HAPI lists every operation it has a binding for, including ones its settings switch off, which then answer
	 * "not enabled" errors: {@code $expunge} (expunge is off here: content is never physically deleted) and
	 * {@code $lastn} (it needs Elasticsearch, which this server does not run). Those are dropped, so the statement
	 * lists only operations that answer.
	 */
	private void withoutOperationsThatAreOff(CapabilityStatement capabilities) {
		java.util.Set<String> off = new java.util.HashSet<>();
		if (!storageSettings.isExpungeEnabled()) {
			off.add("expunge");
		}
		if (!storageSettings.isLastNEnabled()) {
			off.add("lastn");
		}
		for (CapabilityStatement.CapabilityStatementRestComponent rest : capabilities.getRest()) {
			rest.getOperation().removeIf(operation -> off.contains(operation.getName()));
			for (CapabilityStatement.CapabilityStatementRestResourceComponent resource : rest.getResource()) {
				resource.getOperation().removeIf(operation -> off.contains(operation.getName()));
			}
		}
	}

	/**
	 * What a client might look for and will not find, said where FHIR puts a server's general notes: Subscription
	 * resources can be stored but nothing is ever notified (no subscription channel runs), and there is no bulk data
	 * export and no GraphQL endpoint (neither operation is listed).
	 */
	private static void describeWhatIsOff(CapabilityStatement capabilities) {
		for (CapabilityStatement.CapabilityStatementRestComponent rest : capabilities.getRest()) {
			rest.setDocumentation("Not offered by this server: subscriptions (Subscription resources are stored, but no "
					+ "notification is ever sent: no subscription channel runs), bulk data export ($export) and GraphQL "
					+ "($graphql). Content is never physically deleted ($expunge is off).");
			for (CapabilityStatement.CapabilityStatementRestResourceComponent resource : rest.getResource()) {
				if ("Subscription".equals(resource.getType())) {
					resource.setDocumentation("Stored only: this server sends no notifications.");
				}
			}
		}
	}

	/**
	 * What the FHIR terminology ecosystem asks a terminology server to state: that it instantiates the terminology
	 * server capabilities, takes code systems as parameters ({@code tx-resource}), and when its software was released
	 * (here: when the running build was made).
	 */
	private void describeTerminologyServer(CapabilityStatement capabilities) {
		capabilities.addInstantiates("http://hl7.org/fhir/CapabilityStatement/terminology-server");
		Extension feature = capabilities.addExtension().setUrl("http://hl7.org/fhir/uv/application-feature/StructureDefinition/feature");
		feature.addExtension("definition",
				new CanonicalType("http://hl7.org/fhir/uv/tx-ecosystem/FeatureDefinition/CodeSystemAsParameter"));
		feature.addExtension("value", new BooleanType(true));
		if (releaseDate != null) {
			capabilities.getSoftware().setReleaseDate(releaseDate);
		}
	}

	/** When the running build was made: the time of the jar or class folder this class was loaded from. */
	private static Date buildDate() {
		try {
			java.net.URL location = CapabilityStatementProvider.class.getProtectionDomain().getCodeSource().getLocation();
			long modified = java.nio.file.Files.getLastModifiedTime(java.nio.file.Path.of(location.toURI())).toMillis();
			return new Date(modified);
		} catch (Exception e) {
			return null;
		}
	}
}
