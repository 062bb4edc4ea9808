package org.adhdkb.cdshooks;

import java.util.Iterator;
import java.util.Map;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IJsonLikeParser;
import ca.uhn.fhir.parser.json.jackson.JacksonStructure;
import ca.uhn.fhir.rest.api.server.cdshooks.CdsServiceRequestAuthorizationJson;
import ca.uhn.fhir.rest.api.server.cdshooks.CdsServiceRequestContextJson;
import ca.uhn.fhir.rest.api.server.cdshooks.CdsServiceRequestJson;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.hapi.fhir.cdshooks.module.CdsHooksObjectMapperFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Reads a CDS Hooks request body: once as a JSON tree, then each FHIR resource in its context and prefetch straight
 * from that tree with HAPI's parser. Written instead of HAPI's {@code CdsServiceRequestJsonDeserializer}, which
 * writes every resource back to text and parses it again (context and prefetch: a fifth of an order-sign call's CPU
 * in JFR) and reads decimals as doubles; the result is the same HAPI request object, which the rest of the service
 * and HAPI's prefetch service take.
 */
final class CdsRequestReader {

	/** Decimals exact, as HAPI reads FHIR JSON itself: 30.50 kg stays 30.50. */
	private final ObjectMapper tree = new ObjectMapper().setNodeFactory(JsonNodeFactory.withExactBigDecimals(true))
			.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
	/** HAPI's mapper knows the JSON names of the request's own objects (fhirAuthorization). */
	private final ObjectMapper hapi;
	private final FhirContext fhirContext;

	CdsRequestReader(FhirContext fhirContext) {
		this.fhirContext = fhirContext;
		this.hapi = new CdsHooksObjectMapperFactory(fhirContext).newMapper();
	}

	/** The body as a JSON object, or 400 saying why it is not one. */
	ObjectNode object(String body) {
		try {
			JsonNode node = tree.readTree(body);
			if (node instanceof ObjectNode object) {
				return object;
			}
		} catch (JsonProcessingException e) {
			throw new InvalidRequestException("The request body is not valid JSON: " + e.getOriginalMessage());
		}
		throw new InvalidRequestException("The request body must be a JSON object");
	}

	/** The request, with the resources of its context and prefetch parsed; 400 naming the field that is wrong. */
	CdsServiceRequestJson request(ObjectNode json) {
		CdsServiceRequestJson request = new CdsServiceRequestJson();
		request.setHook(text(json, "hook", true));
		request.setHookInstance(text(json, "hookInstance", true));
		request.setFhirServer(text(json, "fhirServer", false));
		JsonNode authorization = json.get("fhirAuthorization");
		if (authorization != null && !authorization.isNull()) {
			if (!authorization.isObject()) {
				throw new InvalidRequestException("fhirAuthorization must be a JSON object");
			}
			try {
				request.setServiceRequestAuthorizationJson(hapi.treeToValue(authorization, CdsServiceRequestAuthorizationJson.class));
			} catch (JsonProcessingException e) {
				throw new InvalidRequestException("fhirAuthorization is not a CDS Hooks authorization: " + e.getOriginalMessage());
			}
		}
		JsonNode context = json.get("context");
		if (!(context instanceof ObjectNode contextObject)) {
			throw new InvalidRequestException("context must be a JSON object");
		}
		CdsServiceRequestContextJson contextJson = new CdsServiceRequestContextJson();
		for (Iterator<Map.Entry<String, JsonNode>> fields = contextObject.fields(); fields.hasNext();) {
			Map.Entry<String, JsonNode> field = fields.next();
			JsonNode value = field.getValue();
			contextJson.put(field.getKey(), value instanceof ObjectNode resource
					? resource("context." + field.getKey(), resource) : plain(value));
		}
		request.setContext(contextJson);
		JsonNode prefetch = json.get("prefetch");
		if (prefetch instanceof ObjectNode prefetchObject) {
			for (Iterator<Map.Entry<String, JsonNode>> fields = prefetchObject.fields(); fields.hasNext();) {
				Map.Entry<String, JsonNode> field = fields.next();
				JsonNode value = field.getValue();
				if (value instanceof ObjectNode resource) {
					request.addPrefetch(field.getKey(), resource("prefetch." + field.getKey(), resource));
				} else if (value.isNull()) {
					request.addPrefetch(field.getKey(), null); // the client could not get it: fetched, if allowed
				} else {
					throw new InvalidRequestException("prefetch." + field.getKey() + " must be a FHIR resource or null");
				}
			}
		} else if (prefetch != null && !prefetch.isNull()) {
			throw new InvalidRequestException("prefetch must be a JSON object");
		}
		return request;
	}

	private IBaseResource resource(String where, ObjectNode json) {
		JacksonStructure structure = new JacksonStructure();
		structure.setNativeObject(json);
		try {
			return ((IJsonLikeParser) fhirContext.newJsonParser()).parseResource(structure);
		} catch (DataFormatException | IllegalArgumentException | ClassCastException e) {
			throw new InvalidRequestException(where + " is not a FHIR resource: " + e.getMessage());
		}
	}

	/** A context value that is not a resource: as HAPI keeps it (text, number, boolean, list, or null). */
	private Object plain(JsonNode value) {
		try {
			return hapi.treeToValue(value, Object.class);
		} catch (JsonProcessingException e) {
			throw new InvalidRequestException("context value unreadable: " + e.getOriginalMessage());
		}
	}

	private static String text(ObjectNode json, String field, boolean required) {
		JsonNode value = json.get(field);
		if (value == null || value.isNull()) {
			if (required) {
				throw new InvalidRequestException(field + " is required in a CDS Hooks request");
			}
			return null;
		}
		if (!value.isTextual()) {
			throw new InvalidRequestException(field + " must be a string");
		}
		return value.asText();
	}
}
