package org.adhdkb.packaging;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.packages.IPackageInstallerSvc;
import ca.uhn.fhir.jpa.packages.PackageInstallOutcomeJson;
import ca.uhn.fhir.jpa.packages.PackageInstallationSpec;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.param.UriParam;
import org.adhdkb.content.ContentFile;
import org.adhdkb.content.ContentPackage;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The content package installs into a stock HAPI FHIR JPA server ({@link StockHapiJpaServer}: no adhdkb code) through
 * HAPI's own package installer, {@link IPackageInstallerSvc} (what {@code hapi.fhir.implementationguides} in the HAPI
 * JPA starter calls), and its resources are then read back from that server.
 */
class PackageInstallsIntoStockHapiTest {

	private static AnnotationConfigApplicationContext stockHapi;
	private static ContentPackage content;
	private static PackageInstallOutcomeJson outcome;

	@BeforeAll
	static void installIntoAStockHapiServer() {
		content = ContentPackage.read(ContentPackageArchiveTest.BUILT_CONTENT);
		byte[] tgz = ContentPackageArchive.build(content);
		stockHapi = new AnnotationConfigApplicationContext(StockHapiJpaServer.class);

		PackageInstallationSpec spec = new PackageInstallationSpec()
				.setName(ContentPackageArchive.name(content))
				.setVersion(content.version())
				.setPackageContents(tgz)
				.setInstallMode(PackageInstallationSpec.InstallModeEnum.STORE_AND_INSTALL);
		spec.setInstallResourceTypes(resourceTypes());
		outcome = stockHapi.getBean(IPackageInstallerSvc.class).install(spec);
	}

	@AfterAll
	static void stop() {
		if (stockHapi != null) {
			stockHapi.close();
		}
	}

	@Test
	void everyResourceTypeOfThePackageIsInstalled() {
		for (String type : resourceTypes()) {
			assertThat(outcome.getResourcesInstalled()).as(outcome.toString()).containsKey(type);
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

		// atomoxetine's RxNorm ingredient code (codes.md): found through the stock server's own code index
		MedicationKnowledge atomoxetine = (MedicationKnowledge) single(daos, "MedicationKnowledge",
				SearchParameterMap.newSynchronous("code", new TokenParam("http://www.nlm.nih.gov/research/umls/rxnorm", "38400")));
		assertThat(atomoxetine.getCode().getCoding()).anySatisfy(coding -> assertThat(coding.getCode()).isEqualTo("38400"));
	}

	private static IBaseResource single(DaoRegistry daos, String type, SearchParameterMap search) {
		List<IBaseResource> found = daos.getResourceDao(type).search(search, new SystemRequestDetails()).getAllResources();
		assertThat(found).as(type + " " + search.toNormalizedQueryString(null)).hasSize(1);
		return found.get(0);
	}

	/** The resource types of the content, in an order that installs terminology before what uses it. */
	private static List<String> resourceTypes() {
		Set<String> types = new LinkedHashSet<>(List.of("CodeSystem", "ValueSet", "ConceptMap", "Library"));
		content.files().stream().map(ContentFile::folder).sorted().forEach(types::add);
		return new ArrayList<>(types);
	}
}
