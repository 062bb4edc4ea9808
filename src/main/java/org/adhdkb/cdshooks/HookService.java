package org.adhdkb.cdshooks;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import ca.uhn.hapi.fhir.cdshooks.api.CdsPrefetchFailureMode;
import ca.uhn.hapi.fhir.cdshooks.api.CdsResolutionStrategyEnum;
import ca.uhn.hapi.fhir.cdshooks.api.ICdsServiceMethod;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceJson;
import com.fasterxml.jackson.databind.ObjectMapper;
import ca.uhn.fhir.model.api.IModelJson;

/**
 * One of our CDS services. It implements HAPI's service-method interface only so that HAPI's prefetch service can
 * complete its prefetch; we call {@link #review} ourselves, so {@link #invoke} is never used.
 */
record HookService(CdsServiceJson descriptor, BiFunction<HookData, HookCall, List<CardJson.Card>> review)
		implements ICdsServiceMethod {

	static HookService of(String id, String hook, String title, String description, Map<String, String> prefetch,
			BiFunction<HookData, HookCall, List<CardJson.Card>> review) {
		CdsServiceJson descriptor = new CdsServiceJson().setId(id).setHook(hook).setTitle(title).setDescription(description);
		prefetch.forEach((key, query) -> {
			descriptor.addPrefetch(key, query);
			// Missing keys are fetched from the client's fhirServer; if that is impossible or fails, the call gets 412.
			descriptor.addSource(key, CdsResolutionStrategyEnum.FHIR_CLIENT);
			descriptor.addPrefetchFailureMode(key, CdsPrefetchFailureMode.FAIL);
		});
		return new HookService(descriptor, review);
	}

	CardJson.Service discovery() {
		return new CardJson.Service(descriptor.getHook(), descriptor.getTitle(), descriptor.getDescription(),
				descriptor.getId(), descriptor.getPrefetch());
	}

	@Override
	public CdsServiceJson getCdsServiceJson() {
		return descriptor;
	}

	@Override
	public boolean isAllowAutoFhirClientPrefetch() {
		return true;
	}

	@Override
	public Object invoke(ObjectMapper mapper, IModelJson json, String serviceId) {
		throw new UnsupportedOperationException("adhdkb calls its CDS services directly");
	}
}
