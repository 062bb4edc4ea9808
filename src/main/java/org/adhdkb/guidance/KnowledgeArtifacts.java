package org.adhdkb.guidance;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.param.UriParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.ValueSet;
import org.adhdkb.medication.ProductCatalog;
import org.adhdkb.cache.ChangeCounter;
import org.adhdkb.cache.KeptResources;
import org.adhdkb.cache.VersionedCache;
import org.springframework.stereotype.Component;

import java.util.List;

/** Finds knowledge artifacts (PlanDefinition, ActivityDefinition, Library, MedicationKnowledge) by id or canonical. */
@Component
public class KnowledgeArtifacts {

	private static final int LINES = 200;
	private static final String ADHD_MEDICATIONS = "http://adhdkb.org/fhir/ValueSet/adhd-medications";

	private final DaoRegistry daoRegistry;
	private final ChangeCounter changeCounter;
	/** Knowledge is read on every $apply and changes rarely; callers must not modify what they get. */
	private final VersionedCache<String, IBaseResource> cache;
	private final VersionedCache<String, ProductCatalog> catalogs;

	public KnowledgeArtifacts(DaoRegistry daoRegistry, ChangeCounter changeCounter) {
		this.daoRegistry = daoRegistry;
		this.changeCounter = changeCounter;
		this.cache = new VersionedCache<>(changeCounter, 1_000);
		this.catalogs = new VersionedCache<String, ProductCatalog>(changeCounter, 1).oneComputationAtATime();
	}

	/**
	 * Which product line an ordered code belongs to, built from every MedicationKnowledge, the Medications they list,
	 * and the products of ValueSets adhd-medications and adhd-ingredient-not-adhd-labelled; built again after any
	 * write. Shared: do not modify what it returns.
	 */
	public ProductCatalog productCatalog(RequestDetails request) {
		return catalogs.get("catalog", changeCounter.current(request), key -> {
			SearchParameterMap everyLine = SearchParameterMap.newSynchronous().add("status", new TokenParam("active"));
			List<MedicationKnowledge> lines = daoRegistry.getResourceDao("MedicationKnowledge").search(everyLine, request)
					.getResources(0, LINES).stream().map(MedicationKnowledge.class::cast).map(KeptResources::compact).toList();
			if (lines.size() >= LINES) {
				throw new IllegalStateException("more than " + LINES + " MedicationKnowledge resources: raise the limit");
			}
			// A server whose content lacks these sets (or any content) knows no products of them: an empty catalog,
			// so that order checks answer "not checked" rather than failing the whole call.
			ValueSet notLabelled = optionalValueSet(ProductCatalog.NOT_ADHD_LABELLED, request);
			// Our products are Medication/rxnorm-{code} (fhir-resources/README.md), read by id: a search is cut at the
			// page-size cap even with setLoadSynchronousUpTo (tried: OrderEveryProductTest lost 76 of 272 products),
			// and other Medications on the server are a client's data.
			java.util.Set<String> ids = new java.util.LinkedHashSet<>();
			lines.forEach(line -> line.getAssociatedMedication().forEach(m -> ids.add(m.getReferenceElement().getIdPart())));
			for (ValueSet valueSet : java.util.Arrays.asList(notLabelled, optionalValueSet(ADHD_MEDICATIONS, request))) {
				if (valueSet == null) {
					continue;
				}
				valueSet.getCompose().getInclude().forEach(include -> include.getConcept().forEach(c -> ids.add("rxnorm-" + c.getCode())));
			}
			List<Medication> found = new java.util.ArrayList<>();
			for (String id : ids) {
				try {
					found.add(KeptResources.compact(
							(Medication) daoRegistry.getResourceDao("Medication").read(new IdType("Medication", id), request)));
				} catch (ResourceNotFoundException | ca.uhn.fhir.rest.server.exceptions.ResourceGoneException e) {
					// an ingredient code of the value set: no Medication behind it
				}
			}
			return new ProductCatalog(lines, found, notLabelled);
		});
	}

	private ValueSet optionalValueSet(String canonical, RequestDetails request) {
		try {
			return byCanonical(ValueSet.class, canonical, request);
		} catch (ResourceNotFoundException e) {
			return null;
		}
	}

	/** By id; the returned resource is shared and must not be modified. */
	public <T extends IBaseResource> T byId(Class<T> type, IdType id, RequestDetails request) {
		String typeName = type.getSimpleName();
		return type.cast(cache.get(typeName + "/" + id.getIdPart(), changeCounter.current(request),
				key -> KeptResources.compact(daoRegistry.getResourceDao(typeName).read(new IdType(typeName, id.getIdPart()), request))));
	}

	/**
	 * A canonical resource by its url (a trailing {@code |version} is ignored: we publish one version). The returned
	 * resource is shared and must not be modified.
	 */
	public <T extends IBaseResource> T byCanonical(Class<T> type, String canonical, RequestDetails request) {
		return type.cast(cache.get(type.getSimpleName() + "|" + canonical, changeCounter.current(request), key -> KeptResources.compact(findByCanonical(type, canonical, request))));
	}

	/**
	 * The product line (MedicationKnowledge) of an ordered code: the line of a product (SCD or SBD), of its own
	 * product-line code, or of an ingredient that only one line has or only one line names in its code; null
	 * otherwise. Shared: do not modify.
	 */
	public MedicationKnowledge medicineByCode(CodeableConcept concept, RequestDetails request) {
		ProductCatalog catalog = productCatalog(request);
		ProductCatalog.Ordered ordered = catalog.find(concept, null);
		return ordered.lines().size() == 1 ? ordered.lines().get(0) : ordered.ingredientOnly() ? catalog.lineNaming(concept) : null;
	}

	private <T extends IBaseResource> T findByCanonical(Class<T> type, String canonical, RequestDetails request) {
		String url = canonical.contains("|") ? canonical.substring(0, canonical.indexOf('|')) : canonical;
		String typeName = type.getSimpleName();
		if ("MedicationKnowledge".equals(typeName)) {
			// MedicationKnowledge has no url in R4: its CRMI artifact url ends with its id, by our content convention.
			return byId(type, new IdType(url.substring(url.lastIndexOf('/') + 1)), request);
		}
		SearchParameterMap map = SearchParameterMap.newSynchronous().add("url", new UriParam(url));
		List<IBaseResource> found = daoRegistry.getResourceDao(typeName).search(map, request).getAllResources();
		if (found.isEmpty()) {
			throw new ResourceNotFoundException("No " + typeName + " with url " + url);
		}
		if (found.size() > 1) {
			throw new UnprocessableEntityException(found.size() + " " + typeName + " resources have the url " + url);
		}
		return type.cast(found.get(0));
	}
}
