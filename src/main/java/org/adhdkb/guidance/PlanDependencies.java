package org.adhdkb.guidance;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import org.hl7.fhir.r4.model.ActivityDefinition;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.DataRequirement;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Library;
import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.RelatedArtifact;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ValueSet;
import org.springframework.stereotype.Component;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Set;
import java.util.List;
import java.util.Map;

/**
 * What a PlanDefinition needs to be applied somewhere else: {@code $package} (the artifacts it depends on, as a
 * Bundle) and {@code $data-requirements} (those artifacts plus the patient data the $apply engine reads, as a
 * module-definition Library, the data requirements being those the CQL translator found in the Libraries' CQL).
 */
@Component
public class PlanDependencies {


	private final KnowledgeArtifacts artifacts;

	public PlanDependencies(KnowledgeArtifacts artifacts) {
		this.artifacts = artifacts;
	}

	/** The plan and everything it depends on, transitively, each once. */
	public Bundle packageOf(PlanDefinition plan, RequestDetails request) {
		Bundle bundle = new Bundle().setType(Bundle.BundleType.COLLECTION);
		for (Resource resource : collect(plan, request).values()) {
			bundle.addEntry().setFullUrl(canonicalOf(resource)).setResource(resource);
		}
		return bundle;
	}

	public Library dataRequirements(PlanDefinition plan, RequestDetails request) {
		Library library = new Library();
		library.setStatus(Enumerations.PublicationStatus.ACTIVE);
		library.getType().addCoding()
				.setSystem("http://terminology.hl7.org/CodeSystem/library-type").setCode("module-definition");
		library.setTitle("Data requirements of " + plan.getTitle());
		for (Resource dependency : collect(plan, request).values()) {
			if (dependency != plan) {
				library.addRelatedArtifact().setType(RelatedArtifact.RelatedArtifactType.DEPENDSON)
						.setResource(canonicalOf(dependency));
			}
		}
		// The data the CQL reads, from the translator's own analysis of each Library (see content/CqlLibraryAssembly).
		Set<String> seen = new HashSet<>();
		for (Resource dependency : collect(plan, request).values()) {
			if (dependency instanceof Library logic) {
				for (DataRequirement requirement : logic.getDataRequirement()) {
					if (seen.add(FhirContext.forR4Cached().newJsonParser().encodeToString(requirement))) {
						library.addDataRequirement(requirement.copy());
					}
				}
			}
		}
		return library;
	}

	private Map<String, Resource> collect(PlanDefinition plan, RequestDetails request) {
		Map<String, Resource> found = new LinkedHashMap<>();
		found.put(plan.getUrl(), plan);
		Deque<String> pending = new ArrayDeque<>(dependencies(plan));
		while (!pending.isEmpty()) {
			String canonical = stripVersion(pending.pop());
			if (found.containsKey(canonical)) {
				continue;
			}
			Resource resource = resolve(canonical, request);
			if (resource == null) {
				continue;
			}
			found.put(canonical, resource);
			if (resource instanceof PlanDefinition nested) {
				pending.addAll(dependencies(nested));
			} else if (resource instanceof ActivityDefinition activity) {
				activity.getLibrary().forEach(l -> pending.add(l.getValue()));
			} else if (resource instanceof Library logic) {
				// what its CQL includes and the value sets it uses
				logic.getRelatedArtifact().stream()
						.filter(a -> a.getType() == RelatedArtifact.RelatedArtifactType.DEPENDSON && a.hasResource())
						.forEach(a -> pending.add(a.getResource()));
			}
		}
		return found;
	}

	private static List<String> dependencies(PlanDefinition plan) {
		List<String> canonicals = new java.util.ArrayList<>();
		plan.getLibrary().forEach(l -> canonicals.add(l.getValue()));
		plan.getRelatedArtifact().stream()
				.filter(a -> a.getType() == RelatedArtifact.RelatedArtifactType.DEPENDSON && a.hasResource())
				.forEach(a -> canonicals.add(a.getResource()));
		addActionDefinitions(plan.getAction(), canonicals);
		return canonicals;
	}

	private static void addActionDefinitions(List<PlanDefinition.PlanDefinitionActionComponent> actions, List<String> into) {
		for (var action : actions) {
			if (action.hasDefinitionCanonicalType()) {
				into.add(action.getDefinitionCanonicalType().getValue());
			}
			addActionDefinitions(action.getAction(), into);
		}
	}

	/** Our canonicals are {base}/{Type}/{id}; others (external) are not ours to package. */
	private Resource resolve(String canonical, RequestDetails request) {
		Class<? extends Resource> type = typeOf(canonical);
		if (type == null) {
			return null;
		}
		try {
			return artifacts.byCanonical(type, canonical, request);
		} catch (ResourceNotFoundException e) {
			return null;
		}
	}

	private static Class<? extends Resource> typeOf(String canonical) {
		if (canonical.contains("/PlanDefinition/")) {
			return PlanDefinition.class;
		}
		if (canonical.contains("/ActivityDefinition/")) {
			return ActivityDefinition.class;
		}
		if (canonical.contains("/Library/")) {
			return Library.class;
		}
		if (canonical.contains("/ValueSet/")) {
			return ValueSet.class;
		}
		if (canonical.contains("/MedicationKnowledge/")) {
			return MedicationKnowledge.class;
		}
		if (canonical.contains("/CodeSystem/")) {
			return org.hl7.fhir.r4.model.CodeSystem.class; // ours: the dosing conditions' data bindings the CQL reads
		}
		return null;
	}

	private static String canonicalOf(Resource resource) {
		var url = resource.getNamedProperty("url");
		if (url != null && url.hasValues()) {
			return url.getValues().get(0).primitiveValue();
		}
		var artifactUrl = ((org.hl7.fhir.r4.model.DomainResource) resource)
				.getExtensionByUrl("http://hl7.org/fhir/uv/crmi/StructureDefinition/artifact-url");
		return artifactUrl != null ? artifactUrl.getValue().primitiveValue() : resource.getIdElement().getValue();
	}

	private static String stripVersion(String canonical) {
		return canonical.contains("|") ? canonical.substring(0, canonical.indexOf('|')) : canonical;
	}
}
