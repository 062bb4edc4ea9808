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
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.adhdkb.cache.ChangeCounter;
import org.adhdkb.cache.VersionedCache;
import org.springframework.stereotype.Component;

import java.util.List;

/** Finds knowledge artifacts (PlanDefinition, ActivityDefinition, Library, MedicationKnowledge) by id or canonical. */
@Component
public class KnowledgeArtifacts {

	private final DaoRegistry daoRegistry;
	private final ChangeCounter changeCounter;
	/** Knowledge is read on every $apply and changes rarely; callers must not modify what they get. */
	private final VersionedCache<String, IBaseResource> cache;

	public KnowledgeArtifacts(DaoRegistry daoRegistry, ChangeCounter changeCounter) {
		this.daoRegistry = daoRegistry;
		this.changeCounter = changeCounter;
		this.cache = new VersionedCache<>(changeCounter, 1_000);
	}

	/** By id; the returned resource is shared and must not be modified. */
	public <T extends IBaseResource> T byId(Class<T> type, IdType id, RequestDetails request) {
		String typeName = type.getSimpleName();
		return type.cast(cache.get(typeName + "/" + id.getIdPart(), changeCounter.current(request),
				key -> daoRegistry.getResourceDao(typeName).read(new IdType(typeName, id.getIdPart()), request)));
	}

	/**
	 * A canonical resource by its url (a trailing {@code |version} is ignored: we publish one version). The returned
	 * resource is shared and must not be modified.
	 */
	public <T extends IBaseResource> T byCanonical(Class<T> type, String canonical, RequestDetails request) {
		return type.cast(cache.get(type.getSimpleName() + "|" + canonical, changeCounter.current(request), key -> findByCanonical(type, canonical, request)));
	}

	/** The MedicationKnowledge whose code matches one of the concept's codings, or null. Shared: do not modify. */
	public MedicationKnowledge medicineByCode(CodeableConcept concept, RequestDetails request) {
		for (Coding coding : concept.getCoding()) {
			if (!coding.hasSystem() || !coding.hasCode()) {
				continue;
			}
			IBaseResource found = cache.get("MedicationKnowledge?code=" + coding.getSystem() + "|" + coding.getCode(),
					changeCounter.current(request), key -> {
				SearchParameterMap map = SearchParameterMap.newSynchronous()
						.add("code", new TokenParam(coding.getSystem(), coding.getCode()));
				List<IBaseResource> matches = daoRegistry.getResourceDao("MedicationKnowledge").search(map, request)
						.getAllResources();
				return matches.size() == 1 ? matches.get(0) : null;
			});
			if (found != null) {
				return (MedicationKnowledge) found;
			}
		}
		return null;
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
