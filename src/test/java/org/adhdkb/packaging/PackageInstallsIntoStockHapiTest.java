package org.adhdkb.packaging;

import ca.uhn.fhir.context.FhirVersionEnum;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.packages.IHapiPackageCacheManager;
import ca.uhn.fhir.jpa.packages.IPackageInstallerSvc;
import ca.uhn.fhir.jpa.packages.PackageInstallOutcomeJson;
import ca.uhn.fhir.jpa.packages.PackageInstallationSpec;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.param.UriParam;
import org.adhdkb.content.ContentPackage;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The content package installs into a stock HAPI FHIR JPA server ({@link StockHapiJpaServer}: no adhdkb code) through
 * HAPI's own package installer, {@link IPackageInstallerSvc} (what {@code hapi.fhir.implementationguides} in the HAPI
 * JPA starter calls), and its resources are then read back from that server.
 *
 * <p>HAPI's installer stores the whole package in the server's package store and creates or updates each resource of
 * the types asked for, finding an existing copy by {@code url} or, for resources without one, by {@code identifier}
 * (PackageInstallerSvcImpl.createSearchParameterMapFor). An R4 MedicationKnowledge has neither element, so HAPI 8.8
 * cannot install one as a resource (it looks for an {@code identifier} element that R4 MedicationKnowledge lacks and
 * fails, HAPI-1700; tested below as HAPI's behaviour, so the test tells when a HAPI release lifts it); the stored package still holds them,
 * and HAPI serves them from its package store by type, which is where they are read back.
 */
class PackageInstallsIntoStockHapiTest {

	/**
	 * Resource types HAPI's installer creates as resources: those with a canonical url, and those to which the content
	 * gives a business identifier (the product Medications, the sources and their publishers).
	 */
	private static final List<String> INSTALLED_TYPES = List.of("CodeSystem", "ValueSet", "ConceptMap", "Library",
			"ActivityDefinition", "PlanDefinition", "SearchParameter", "Medication", "DocumentReference", "Organization");

	private static AnnotationConfigApplicationContext stockHapi;
	private static ContentPackage content;
	private static byte[] tgz;
	private static PackageInstallOutcomeJson outcome;

	@BeforeAll
	static void installIntoAStockHapiServer() {
		content = ContentPackage.read(ContentPackageArchiveTest.BUILT_CONTENT);
		tgz = ContentPackageArchive.build(content);
		stockHapi = new AnnotationConfigApplicationContext(StockHapiJpaServer.class);
		PackageInstallationSpec spec = spec();
		spec.setInstallResourceTypes(INSTALLED_TYPES);
		outcome = stockHapi.getBean(IPackageInstallerSvc.class).install(spec);
	}

	@AfterAll
	static void stop() {
		if (stockHapi != null) {
			stockHapi.close();
		}
	}

	private static PackageInstallationSpec spec() {
		return new PackageInstallationSpec()
				.setName(ContentPackageArchive.name(content))
				.setVersion(content.version())
				.setPackageContents(tgz)
				.setInstallMode(PackageInstallationSpec.InstallModeEnum.STORE_AND_INSTALL);
	}

	@Test
	void everyResourceOfTheInstalledTypesIsInstalled() {
		for (String type : INSTALLED_TYPES) {
			long inContent = content.files().stream().filter(file -> file.folder().equals(type)).count();
			if (inContent > 0) {
				assertThat(outcome.getResourcesInstalled().get(type)).as(type + " " + outcome).isEqualTo((int) inContent);
			}
		}
	}

	@Test
	void aMedicationKnowledgeAPlanDefinitionAndAValueSetAreReadBack() {
		DaoRegistry daos = stockHapi.getBean(DaoRegistry.class);
		ValueSet valueSet = (ValueSet) single(daos, "ValueSet",
				SearchParameterMap.newSynchronous("url", new UriParam("http://adhdkb.org/fhir/ValueSet/atomoxetine-products")));
		assertThat(valueSet.getCompose().getIncludeFirstRep().getSystem()).isEqualTo("http://www.nlm.nih.gov/research/umls/rxnorm");

		PlanDefinition plan = (PlanDefinition) single(daos, "PlanDefinition",
				SearchParameterMap.newSynchronous("url", new UriParam("http://adhdkb.org/fhir/PlanDefinition/atomoxetine-titration")));
		assertThat(plan.getAction()).isNotEmpty();

		List<IBaseResource> medicines = stockHapi.getBean(IHapiPackageCacheManager.class)
				.loadPackageAssetsByType(FhirVersionEnum.R4, "MedicationKnowledge");
		long inContent = content.files().stream().filter(file -> file.folder().equals("MedicationKnowledge")).count();
		assertThat(medicines).hasSize((int) inContent);
		// atomoxetine, by its RxNorm ingredient code (codes.md)
		assertThat(medicines).anySatisfy(resource -> assertThat(((MedicationKnowledge) resource).getCode().getCoding())
				.anySatisfy(coding -> assertThat(coding.getCode()).isEqualTo("38400")));
	}

	@Test
	void aProductAndItsLabelAreFoundByTheirIdentifiers() {
		DaoRegistry daos = stockHapi.getBean(DaoRegistry.class);
		// atomoxetine 25 mg oral capsule, RxNorm SCD 349593 (codes.md); the installer stores it under a new server id
		Medication capsule = (Medication) single(daos, "Medication", SearchParameterMap.newSynchronous("identifier",
				new TokenParam("urn:ietf:rfc:3986", "http://adhdkb.org/fhir/Medication/rxnorm-349593")));
		assertThat(capsule.getCode().getCodingFirstRep().getCode()).isEqualTo("349593");
		assertThat(capsule.getIngredientFirstRep().getStrength().getNumerator().getValue()).isEqualByComparingTo("25");
		// the Strattera label, by its DailyMed SPL set id
		DocumentReference label = (DocumentReference) single(daos, "DocumentReference", SearchParameterMap.newSynchronous(
				"identifier", new TokenParam("urn:ietf:rfc:3986", "urn:uuid:309de576-c318-404a-bc15-660c2b1876fb")));
		assertThat(label.getContentFirstRep().getAttachment().getUrl()).contains("dailymed.nlm.nih.gov");
	}

	/** HAPI's installer needs a url or an identifier to install a resource; R4 MedicationKnowledge has neither. */
	@Test
	void hapisInstallerCannotCreateR4MedicationKnowledgeResources() {
		PackageInstallationSpec spec = spec();
		spec.setInstallResourceTypes(List.of("MedicationKnowledge"));
		assertThatThrownBy(() -> stockHapi.getBean(IPackageInstallerSvc.class).install(spec))
				.hasMessageContaining("Unknown child name 'identifier' in element MedicationKnowledge");
	}

	private static IBaseResource single(DaoRegistry daos, String type, SearchParameterMap search) {
		List<IBaseResource> found = daos.getResourceDao(type).search(search, new SystemRequestDetails()).getAllResources();
		assertThat(found).as(type + " " + search.toNormalizedQueryString(null)).hasSize(1);
		return found.get(0);
	}
}
