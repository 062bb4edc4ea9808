package org.adhdkb.server;

import org.adhdkb.testing.ServerTestBase;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceOperationComponent;
import org.hl7.fhir.r4.model.OperationDefinition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CapabilityStatement against the server that publishes it: every operation it lists answers (called over HTTP,
 * it is neither 404 nor 501 nor HAPI's "does not know how to handle"), its OperationDefinition can be read, the
 * operations this project knows it serves are listed, and what is off (subscription notifications, bulk export,
 * GraphQL, expunge) is said and not listed.
 */
class CapabilityStatementTruthTest extends ServerTestBase {

	/** Types with resources in the content, where instance-level operations are called on a real instance. */
	private static final Map<String, String> INSTANCES = Map.of(
			"PlanDefinition", "atomoxetine-titration",
			"ValueSet", "atomoxetine-products",
			"CodeSystem", "medication-class",
			"MedicationKnowledge", "atomoxetine",
			"ConceptMap", "icd10cm-to-snomed-adhd",
			"Library", "AdhdGuidanceLogic",
			"StructureDefinition", "related-artifact");

	private CapabilityStatementRestComponent rest;

	@BeforeEach
	void readTheCapabilityStatement() {
		HttpResponse<String> metadata = get("/fhir/metadata");
		assertThat(metadata.statusCode()).isEqualTo(200);
		rest = FHIR.newJsonParser().parseResource(CapabilityStatement.class, metadata.body()).getRestFirstRep();
	}

	@Test
	void everyListedOperationAnswersAndHasItsDefinition() {
		Map<String, String> calls = new LinkedHashMap<>();
		Set<String> definitions = new java.util.TreeSet<>();
		for (CapabilityStatementRestResourceOperationComponent operation : rest.getOperation()) {
			calls.put("/fhir/$" + operation.getName(), operation.getDefinition());
			definitions.add(operation.getDefinition());
		}
		for (CapabilityStatementRestResourceComponent resource : rest.getResource()) {
			boolean sampled = INSTANCES.containsKey(resource.getType()) || resource.getType().equals("Patient");
			for (CapabilityStatementRestResourceOperationComponent operation : resource.getOperation()) {
				definitions.add(operation.getDefinition());
				// operations HAPI lists on all 146 types are called on the types this server's content uses
				if (!sampled && resource.getOperation().size() > 0 && listedOnEveryType(operation.getName())) {
					continue;
				}
				// an instance-level operation on a type the content has no resource of is called on a missing one:
				// "Resource ... is not known" (404) shows the operation is there
				String instance = INSTANCES.getOrDefault(resource.getType(), "no-such-resource");
				String path = instanceLevel(operation.getDefinition())
						? "/fhir/" + resource.getType() + "/" + instance + "/$" + operation.getName()
						: "/fhir/" + resource.getType() + "/$" + operation.getName();
				calls.put(path, operation.getDefinition());
			}
		}
		List<String> notAnswered = new ArrayList<>();
		calls.forEach((path, definition) -> {
			HttpResponse<String> response = get(path);
			if (!answers(response)) {
				notAnswered.add(path + " -> " + response.statusCode() + " " + response.body());
			}
		});
		assertThat(notAnswered).as("listed operations that do not answer").isEmpty();

		List<String> unreadable = new ArrayList<>();
		for (String definition : definitions) {
			if (definition.startsWith("http://hl7.org/fhir/OperationDefinition/")) {
				continue; // FHIR's own definition (Patient-everything), published with the specification
			}
			String path = definition.substring(definition.indexOf("/fhir/"));
			HttpResponse<String> response = get(path);
			if (response.statusCode() != 200 || !(FHIR.newJsonParser().parseResource(response.body()) instanceof OperationDefinition)) {
				unreadable.add(definition + " -> " + response.statusCode());
			}
		}
		assertThat(unreadable).as("OperationDefinitions that cannot be read").isEmpty();
	}

	@Test
	void theOperationsThisServerAnswersAreListed() {
		assertThat(operations("PlanDefinition")).contains("apply", "package", "data-requirements");
		assertThat(operations("ActivityDefinition")).contains("apply");
		assertThat(operations("Library")).contains("evaluate", "data-requirements");
		assertThat(operations("ValueSet")).contains("expand", "validate-code", "batch-validate-code");
		assertThat(operations("CodeSystem")).contains("lookup", "validate-code", "subsumes");
		assertThat(operations("ConceptMap")).contains("translate");
		assertThat(rest.getOperation()).extracting(CapabilityStatementRestResourceOperationComponent::getName).contains("versions");
	}

	@Test
	void whatIsOffIsSaidAndNotListed() {
		assertThat(rest.getDocumentation()).contains("subscriptions", "$export", "$graphql");
		List<String> everyOperation = new ArrayList<>();
		rest.getOperation().forEach(operation -> everyOperation.add(operation.getName()));
		rest.getResource().forEach(resource -> resource.getOperation().forEach(operation -> everyOperation.add(operation.getName())));
		assertThat(everyOperation).doesNotContain("export", "graphql", "expunge", "lastn");
		// and they do not answer
		for (String path : List.of("/fhir/$export", "/fhir/$graphql", "/fhir/Patient/$export", "/fhir/$expunge", "/fhir/Observation/$lastn")) {
			HttpResponse<String> response = get(path);
			assertThat(response.statusCode()).as(path + " " + response.body()).isBetween(400, 499);
		}
	}

	private List<String> operations(String type) {
		return rest.getResource().stream().filter(resource -> resource.getType().equals(type))
				.flatMap(resource -> resource.getOperation().stream())
				.map(CapabilityStatementRestResourceOperationComponent::getName)
				.toList();
	}

	private boolean listedOnEveryType(String name) {
		return rest.getResource().stream().allMatch(resource -> resource.getOperation().stream()
				.anyMatch(operation -> operation.getName().equals(name)));
	}

	/** HAPI names its generated OperationDefinitions {@code <Types>-<levels>-<name>}, levels from i, t and s. */
	private static boolean instanceLevel(String definition) {
		String id = definition.substring(definition.lastIndexOf('/') + 1);
		String[] parts = id.split("-");
		return parts.length > 2 && parts[1].contains("i") && !parts[1].contains("t");
	}

	/**
	 * Answered: anything but not implemented, HAPI's refusal of an operation it has no binding for, or a 404 other than
	 * a missing resource. A 405 naming the allowed method (POST) answers: HAPI has the operation, and calling
	 * administrative POST operations here would change the shared test server.
	 */
	private static boolean answers(HttpResponse<String> response) {
		int status = response.statusCode();
		String body = response.body();
		if (status == 501 || body.contains("does not know how to handle")) {
			return false;
		}
		if (status == 405) {
			return body.contains("Allowed method(s)");
		}
		return status != 404 || body.contains("is not known");
	}
}
