package org.adhdkb.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import ca.uhn.fhir.context.support.ValueSetExpansionOptions;
import org.adhdkb.content.ContentFile;
import org.adhdkb.content.ContentPackage;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ValueSet;
import org.opencds.cqf.fhir.cql.EvaluationSettings;
import org.opencds.cqf.fhir.cr.CrSettings;
import org.opencds.cqf.fhir.cr.plandefinition.PlanDefinitionProcessor;
import org.opencds.cqf.fhir.utility.monad.Eithers;
import org.opencds.cqf.fhir.utility.repository.InMemoryFhirRepository;

/**
 * The reference CPG engine of HAPI's clinical reasoning ({@code org.opencds.cqf.fhir:cqf-fhir-cr} 4.2.0,
 * PlanDefinition/$apply over its in-memory repository) with the content package loaded as it is: the oracle the
 * portability tests compare our server with.
 *
 * <p>Its differences, for reasons of its own (also in README): it translates the Libraries' CQL again rather than
 * reading their ELM (its 4.2.0 library manager cannot take ELM JSON, see CompiledLibraries); it names the
 * ActivityDefinition a request instantiates with its version ({@code url|0.1.0}); it finds a CQL Library by the last
 * part of its canonical url, so each Library's id is its CQL name (CPG's convention, which the content follows). The
 * in-memory repository answers no operation, so its ValueSets carry their expansions here.
 */
public final class ReferenceEngine {

	public static final FhirContext FHIR = FhirContext.forR4Cached();

	private static final Set<String> KNOWLEDGE_TYPES = Set.of("PlanDefinition", "ActivityDefinition", "Library",
			"ValueSet", "CodeSystem", "MedicationKnowledge", "Medication", "ObservationDefinition");

	private static List<Resource> knowledge;

	/**
	 * The engine's settings with its caches of translated libraries and models kept across calls: the content does not
	 * change while the tests run, and translating every Library again for each $apply took most of the time.
	 */
	private static final CrSettings SETTINGS = CrSettings.getDefault().withEvaluationSettings(
			EvaluationSettings.getDefault().withLibraryCache(new ConcurrentHashMap<>()).withModelCache(new ConcurrentHashMap<>()));

	private ReferenceEngine() {
	}

	/**
	 * The package as any server would load it (CQL put into its Libraries as the build does), with each ValueSet
	 * expanded: the in-memory repository has no terminology service (it answers no operation, $expand included), so
	 * the expansions a terminology server would give are put in, computed by HAPI's in-memory terminology support.
	 */
	public static synchronized List<Resource> knowledge() {
		if (knowledge == null) {
			List<Resource> resources = new ArrayList<>();
			PrePopulatedValidationSupport ours = new PrePopulatedValidationSupport(FHIR);
			for (ContentFile file : ContentPackage.read("fhir-resources").files()) {
				if (KNOWLEDGE_TYPES.contains(file.folder())) {
					Resource resource = (Resource) FHIR.newJsonParser().parseResource(file.text());
					resources.add(resource);
					if (resource instanceof ValueSet || resource instanceof CodeSystem) {
						ours.addResource(resource);
					}
				}
			}
			ValidationSupportChain terminology = new ValidationSupportChain(ours, new DefaultProfileValidationSupport(FHIR),
					new CommonCodeSystemsTerminologyService(FHIR), new InMemoryTerminologyServerValidationSupport(FHIR));
			for (Resource resource : resources) {
				if (resource instanceof ValueSet valueSet) {
					var outcome = terminology.expandValueSet(new ValidationSupportContext(terminology),
							new ValueSetExpansionOptions().setCount(100_000), valueSet);
					if (outcome != null && outcome.getValueSet() != null) {
						valueSet.setExpansion(((ValueSet) outcome.getValueSet()).getExpansion());
					}
				}
			}
			knowledge = resources;
		}
		return knowledge;
	}

	/** PlanDefinition/$apply of the plan for the record's patient, with the knowledge and the record in the repository. */
	public static CarePlan apply(String planId, List<Resource> record, String patientId) {
		return apply(planId, record, patientId, null);
	}

	/**
	 * As {@link #apply(String, List, String)}, with the $apply operation's {@code parameters} (values of the CQL
	 * Libraries' parameters, as cqf-fhir-cr's CDS Hooks service passes {@code draftOrders}); null for none.
	 */
	public static CarePlan apply(String planId, List<Resource> record, String patientId,
			org.hl7.fhir.r4.model.Parameters parameters) {
		Bundle bundle = new Bundle().setType(Bundle.BundleType.COLLECTION);
		knowledge().forEach(resource -> bundle.addEntry().setResource(resource.copy()));
		for (Resource resource : record) {
			// the in-memory repository finds a resource by its id only when the id names its type
			resource.setId(new IdType(resource.fhirType(), resource.getIdElement().getIdPart()));
			bundle.addEntry().setResource(resource);
		}
		InMemoryFhirRepository repository = new InMemoryFhirRepository(FHIR, bundle);
		PlanDefinitionProcessor processor = new PlanDefinitionProcessor(repository, SETTINGS);
		return (CarePlan) processor.apply(Eithers.forMiddle3(new IdType("PlanDefinition", planId)),
				"Patient/" + patientId, null, null, null, null, null, null, null, null, parameters, null, null,
				new org.opencds.cqf.fhir.cql.LibraryEngine(repository, SETTINGS.getEvaluationSettings()));
	}
}
