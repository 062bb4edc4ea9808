package org.adhdkb.server;

import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.gclient.TokenClientParam;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import org.adhdkb.testing.ServerTestBase;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ordinary FHIR REST API, over real HTTP against the booted server. */
class FhirRestTest extends ServerTestBase {

	@Test
	void capabilityStatementDescribesTheServerTruthfully() {
		CapabilityStatement capabilities = client().capabilities().ofType(CapabilityStatement.class).execute();
		assertThat(capabilities.getFhirVersion()).isEqualTo(Enumerations.FHIRVersion._4_0_1);
		var rest = capabilities.getRestFirstRep();
		var medicationKnowledge = rest.getResource().stream()
				.filter(r -> r.getType().equals("MedicationKnowledge"))
				.findFirst()
				.orElseThrow();
		assertThat(medicationKnowledge.getSearchParam()).extracting(p -> p.getName()).contains("code", "status");
		assertThat(medicationKnowledge.getInteraction()).extracting(i -> i.getCode().toCode())
				.contains("read", "vread", "search-type", "history-instance", "create", "update");
		assertThat(rest.getInteraction()).extracting(i -> i.getCode().toCode()).contains("transaction", "batch");
	}

	@Test
	void contentIsServedAndSearchableByCodeWithAndWithoutSystem() {
		IGenericClient client = client();
		MedicationKnowledge atomoxetine =
				client.read().resource(MedicationKnowledge.class).withId("atomoxetine").execute();
		// The product-line code comes first; the RxNorm ingredient code stays so that orders coded by it are found.
		assertThat(atomoxetine.getCode().getCoding()).anySatisfy(coding -> {
			assertThat(coding.getSystem()).isEqualTo("http://www.nlm.nih.gov/research/umls/rxnorm");
			assertThat(coding.getCode()).isEqualTo("38400");
		});

		Bundle withSystem = client.search().forResource(MedicationKnowledge.class)
				.where(new TokenClientParam("code").exactly()
						.systemAndCode("http://www.nlm.nih.gov/research/umls/rxnorm", "38400"))
				.returnBundle(Bundle.class).execute();
		assertThat(ids(withSystem)).containsExactly("atomoxetine");

		Bundle withoutSystem = client.search().byUrl("MedicationKnowledge?code=38400").returnBundle(Bundle.class).execute();
		assertThat(ids(withoutSystem)).containsExactly("atomoxetine");

		Bundle wrongSystem = client.search().byUrl("MedicationKnowledge?code=http://snomed.info/sct|38400")
				.returnBundle(Bundle.class).execute();
		assertThat(wrongSystem.getEntry()).isEmpty();
	}

	@Test
	void readVreadHistoryAndEtags() {
		IGenericClient client = client();
		Patient patient = new Patient();
		patient.addName().setFamily("Vread" + UUID.randomUUID());
		IdType id = (IdType) client.create().resource(patient).execute().getId();
		patient.setId(id.toUnqualifiedVersionless());
		patient.setActive(true);
		client.update().resource(patient).execute();

		Patient version1 = client.read().resource(Patient.class).withIdAndVersion(id.getIdPart(), "1").execute();
		assertThat(version1.hasActive()).isFalse();
		Bundle history = client.history().onInstance(id.toUnqualifiedVersionless()).returnBundle(Bundle.class).execute();
		assertThat(history.getEntry()).hasSize(2);

		String path = "/fhir/Patient/" + id.getIdPart();
		HttpResponse<String> current = get(path);
		assertThat(current.headers().firstValue("ETag")).hasValue("W/\"2\"");
		assertThat(get(path, "If-None-Match", "W/\"2\"").statusCode()).isEqualTo(304);
		assertThat(get(path, "If-None-Match", "W/\"1\"").statusCode()).isEqualTo(200);

		String body = FHIR.newJsonParser().encodeResourceToString(patient);
		HttpResponse<String> staleUpdate =
				send("PUT", path, body, "Content-Type", "application/fhir+json", "If-Match", "W/\"1\"");
		assertThat(staleUpdate.statusCode()).isEqualTo(412);
		assertThat(staleUpdate.body()).contains("OperationOutcome");
		HttpResponse<String> currentUpdate =
				send("PUT", path, body, "Content-Type", "application/fhir+json", "If-Match", "W/\"2\"");
		assertThat(currentUpdate.statusCode()).isEqualTo(200);
	}

	@Test
	void searchPagingSortSummaryElementsAndIncludes() {
		IGenericClient client = client();
		String family = "Paging" + UUID.randomUUID().toString().substring(0, 8);
		Patient patient = new Patient();
		patient.addName().setFamily(family);
		IdType patientId = (IdType) client.create().resource(patient).execute().getId();
		for (int i = 0; i < 25; i++) {
			Observation observation = new Observation();
			observation.setStatus(Observation.ObservationStatus.FINAL);
			observation.getCode().addCoding().setSystem("http://loinc.org").setCode("8867-4");
			observation.setSubject(new Reference(patientId.toUnqualifiedVersionless()));
			observation.getValueQuantity().setValue(60 + i).setUnit("/min");
			observation.setEffective(new org.hl7.fhir.r4.model.DateTimeType("2026-01-" + String.format("%02d", i + 1)));
			client.create().resource(observation).execute();
		}
		String subject = "subject=" + patientId.toUnqualifiedVersionless().getValue();

		Bundle page1 = client.search().byUrl("Observation?" + subject + "&_count=10&_sort=-date")
				.returnBundle(Bundle.class).execute();
		assertThat(page1.getEntry()).hasSize(10);
		assertThat(((Observation) page1.getEntryFirstRep().getResource()).getEffectiveDateTimeType().getValueAsString())
				.isEqualTo("2026-01-25");
		Bundle page2 = client.loadPage().next(page1).execute();
		assertThat(page2.getEntry()).hasSize(10);
		Bundle page3 = client.loadPage().next(page2).execute();
		assertThat(page3.getEntry()).hasSize(5);
		assertThat(page3.getLink("next")).isNull();

		Bundle count = client.search().byUrl("Observation?" + subject + "&_summary=count").returnBundle(Bundle.class).execute();
		assertThat(count.getTotal()).isEqualTo(25);
		assertThat(count.getEntry()).isEmpty();

		Bundle included = client.search().byUrl("Observation?" + subject + "&_count=1&_include=Observation:subject")
				.returnBundle(Bundle.class).execute();
		assertThat(included.getEntry()).extracting(e -> e.getResource().fhirType()).containsExactly("Observation", "Patient");

		Bundle revIncluded = client.search().byUrl("Patient?_id=" + patientId.getIdPart() + "&_revinclude=Observation:subject")
				.returnBundle(Bundle.class).execute();
		assertThat(revIncluded.getEntry()).hasSize(26);

		HttpResponse<String> elements = get("/fhir/Patient/" + patientId.getIdPart() + "?_elements=id");
		assertThat(elements.body()).doesNotContain(family).contains("SUBSETTED");

		Bundle summary = client.search().forResource(Patient.class).where(Patient.FAMILY.matchesExactly().value(family))
				.summaryMode(SummaryEnum.TRUE).returnBundle(Bundle.class).execute();
		assertThat(summary.getEntry()).hasSize(1);
	}

	@Test
	void conditionalCreateAndUpdate() {
		IGenericClient client = client();
		String identifier = UUID.randomUUID().toString();
		Patient patient = new Patient();
		patient.addIdentifier().setSystem("urn:test").setValue(identifier);
		MethodOutcome first = client.create().resource(patient).conditionalByUrl("Patient?identifier=urn:test|" + identifier).execute();
		MethodOutcome second = client.create().resource(patient).conditionalByUrl("Patient?identifier=urn:test|" + identifier).execute();
		assertThat(first.getCreated()).isTrue();
		assertThat(second.getCreated()).isNotEqualTo(Boolean.TRUE);
		assertThat(second.getId().getIdPart()).isEqualTo(first.getId().getIdPart());

		patient.setActive(false);
		MethodOutcome updated = client.update().resource(patient)
				.conditionalByUrl("Patient?identifier=urn:test|" + identifier).execute();
		assertThat(updated.getId().getIdPart()).isEqualTo(first.getId().getIdPart());
		assertThat(updated.getId().getVersionIdPart()).isEqualTo("2");
	}

	@Test
	void transactionIsAtomicAndBatchIsNot() {
		IGenericClient client = client();
		String family = "Tx" + UUID.randomUUID().toString().substring(0, 8);
		Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		Patient patient = new Patient();
		patient.addName().setFamily(family);
		transaction.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID()).setResource(patient)
				.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient");
		transaction.addEntry().getRequest().setMethod(Bundle.HTTPVerb.DELETE).setUrl("Patient?_id=does-not-exist-" + family);
		Bundle failing = transaction.copy();
		Observation dangling = new Observation();
		dangling.setStatus(Observation.ObservationStatus.FINAL);
		dangling.getCode().setText("dangling");
		dangling.setSubject(new Reference("Patient/does-not-exist-" + family));
		failing.addEntry().setResource(dangling).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");
		assertThatThrownBy(() -> client.transaction().withBundle(failing).execute()).isInstanceOf(Exception.class);
		assertThat(client.search().byUrl("Patient?family:exact=" + family).returnBundle(Bundle.class).execute().getEntry())
				.as("a failed transaction leaves nothing behind").isEmpty();

		Bundle response = client.transaction().withBundle(transaction).execute();
		assertThat(response.getEntryFirstRep().getResponse().getStatus()).startsWith("201");

		Bundle batch = new Bundle().setType(Bundle.BundleType.BATCH);
		batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("Patient?family:exact=" + family);
		batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("Patient/definitely-missing");
		Bundle batchResponse = client.transaction().withBundle(batch).execute();
		assertThat(batchResponse.getEntry().get(0).getResponse().getStatus()).startsWith("200");
		assertThat(batchResponse.getEntry().get(1).getResponse().getStatus()).startsWith("404");
	}

	@Test
	void jsonAndXmlByAcceptHeaderAndFormatParameter() {
		HttpResponse<String> xml = get("/fhir/MedicationKnowledge/atomoxetine", "Accept", "application/fhir+xml");
		assertThat(xml.headers().firstValue("Content-Type").orElse("")).startsWith("application/fhir+xml");
		assertThat(xml.body()).startsWith("<MedicationKnowledge");
		assertThat(get("/fhir/MedicationKnowledge/atomoxetine?_format=xml").body()).startsWith("<MedicationKnowledge");
		HttpResponse<String> json = get("/fhir/MedicationKnowledge/atomoxetine?_format=json");
		assertThat(json.headers().firstValue("Content-Type").orElse("")).startsWith("application/fhir+json");
		assertThat(json.body()).startsWith("{\"resourceType\":\"MedicationKnowledge\"");
	}

	@Test
	void badRequestsGetOperationOutcomesWithoutStackTraces() {
		HttpResponse<String> malformed =
				send("POST", "/fhir/Patient", "{not json", "Content-Type", "application/fhir+json");
		assertThat(malformed.statusCode()).isEqualTo(400);
		assertThat(malformed.body()).contains("\"resourceType\":\"OperationOutcome\"").doesNotContain("\tat ");

		HttpResponse<String> unknownType = get("/fhir/NoSuchType/1");
		assertThat(unknownType.statusCode()).isEqualTo(404);
		assertThat(unknownType.body()).contains("OperationOutcome");

		HttpResponse<String> unknownParameter = get("/fhir/Patient?no-such-parameter=1");
		assertThat(unknownParameter.statusCode()).isEqualTo(400);
		assertThat(unknownParameter.body()).contains("OperationOutcome");

		HttpResponse<String> missing = get("/fhir/MedicationKnowledge/no-such-medicine");
		assertThat(missing.statusCode()).isEqualTo(404);
		assertThat(missing.body()).contains("OperationOutcome");
	}

	@Test
	void openApiHealthAndMetrics() {
		HttpResponse<String> openApi = get("/fhir/api-docs");
		assertThat(openApi.statusCode()).isEqualTo(200);
		assertThat(openApi.body()).contains("openapi").contains("/MedicationKnowledge");

		assertThat(get("/actuator/health/liveness").body()).contains("\"UP\"");
		assertThat(get("/actuator/health/readiness").body()).contains("\"UP\"");
		HttpResponse<String> prometheus = get("/actuator/prometheus");
		assertThat(prometheus.statusCode()).isEqualTo(200);
		assertThat(prometheus.body()).contains("jvm_memory_used_bytes");
	}

	private static List<String> ids(Bundle bundle) {
		return bundle.getEntry().stream().map(e -> e.getResource().getIdElement().getIdPart()).toList();
	}
}
