package org.adhdkb.cache;

import ca.uhn.fhir.util.ResourceUtil;
import org.hl7.fhir.instance.model.api.IBaseResource;

import java.util.List;

/**
 * Resources that a cache keeps. HAPI JPA has every parsed resource carry a copy of the JSON it was parsed from
 * ({@code FhirContext.setStoreRawJson}, for its validator); a cache that keeps the resource would keep that copy too,
 * doubling what it holds. A heap dump after one CDS call showed the kept knowledge and product catalogue as the
 * largest parts of the heap after HAPI's own model.
 */
public final class KeptResources {

	private KeptResources() {
	}

	/** The resource itself, without the JSON text it was parsed from. */
	public static <T extends IBaseResource> T compact(T resource) {
		if (resource != null) {
			ResourceUtil.clearRawStringFromResource(resource);
		}
		return resource;
	}

	public static <T extends IBaseResource> List<T> compact(List<T> resources) {
		resources.forEach(KeptResources::compact);
		return resources;
	}
}
