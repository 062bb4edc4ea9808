package org.adhdkb.cql;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import ca.uhn.fhir.context.FhirContext;
import org.opencds.cqf.cql.engine.fhir.model.R4FhirModelResolver;

/**
 * The engine's R4 model resolver, with the type names it has resolved kept. The engine resolves a FHIR type name to
 * its HAPI class each time CQL builds a FHIR value ({@code FHIR.Dosage { ... }}: the dose checks' corrected order, a
 * card's link) by trying class names in several packages; a name that is not in the first package costs a failed
 * class lookup through the jar's class loader, which was about a fifth of an order-sign call's CPU. The classes of a
 * running server do not change, so each name is resolved once.
 * <p>
 * And a property path of one element ({@code code}, not {@code code.coding}), which is nearly every property CQL reads,
 * goes straight to the property: the engine splits every path with a regular expression compiled again on each read
 * (about a twentieth of the CQL's CPU in a profile of order-sign).
 */
public final class FhirTypes extends R4FhirModelResolver {

	private final Map<String, Class<?>> resolved = new ConcurrentHashMap<>();

	public FhirTypes(FhirContext fhir) {
		super(fhir);
	}

	@Override
	public Object resolvePath(Object target, String path) {
		if (path != null && !path.isEmpty() && path.indexOf('.') < 0 && path.indexOf('[') < 0) {
			return resolveProperty(target, path);
		}
		return super.resolvePath(target, path);
	}

	@Override
	public Class<?> resolveType(String typeName) {
		Class<?> known = resolved.get(typeName);
		if (known != null) {
			return known;
		}
		Class<?> type = super.resolveType(typeName);
		if (type != null) {
			resolved.put(typeName, type);
		}
		return type;
	}
}
