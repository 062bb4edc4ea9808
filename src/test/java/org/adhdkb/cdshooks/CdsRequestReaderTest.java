package org.adhdkb.cdshooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.server.cdshooks.CdsServiceRequestJson;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;

/** The CDS Hooks request as an EHR sends it, read into HAPI's request object without a second parse. */
class CdsRequestReaderTest {

	private static final FhirContext FHIR = FhirContext.forR4Cached();
	private final CdsRequestReader reader = new CdsRequestReader(FHIR);

	private CdsServiceRequestJson read(String body) {
		return reader.request(reader.object(body));
	}

	@Test
	void readsContextAndPrefetchResourcesWithTheirValues() {
		CdsServiceRequestJson request = read("""
				{"hook":"order-sign","hookInstance":"d1577c69-dfbe-44ad-ba6d-3e05e953b2ea","fhirServer":"https://ehr.example/fhir",
				 "fhirAuthorization":{"access_token":"abc","token_type":"Bearer","expires_in":300,"scope":"patient/*.read","subject":"cds"},
				 "context":{"userId":"Practitioner/1","patientId":"p1","selections":["MedicationRequest/m1"],
				  "draftOrders":{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"MedicationRequest",
				   "id":"m1","status":"draft","intent":"order","subject":{"reference":"Patient/p1"},
				   "dosageInstruction":[{"doseAndRate":[{"doseQuantity":{"value":0.50,"unit":"mg"}}]}]}}]}},
				 "prefetch":{"patient":{"resourceType":"Patient","id":"p1","birthDate":"2015-03-01"},"observations":null,
				  "weight":{"resourceType":"Observation","id":"w","status":"final","code":{"text":"weight"},
				   "valueQuantity":{"value":30.50,"unit":"kg"}}}}""");
		assertThat(request.getHook()).isEqualTo("order-sign");
		assertThat(request.getFhirServer()).isEqualTo("https://ehr.example/fhir");
		assertThat(request.getServiceRequestAuthorizationJson().getAccessToken()).isEqualTo("abc");
		assertThat(request.getServiceRequestAuthorizationJson().getExpiresIn()).isEqualTo(300L);
		assertThat(request.getContext().getString("patientId")).isEqualTo("p1");
		assertThat(request.getContext().getArray("selections")).isEqualTo(List.of("MedicationRequest/m1"));
		Bundle drafts = (Bundle) request.getContext().getResource("draftOrders");
		MedicationRequest draft = (MedicationRequest) drafts.getEntryFirstRep().getResource();
		// FHIR decimals keep their written precision (a double would make 0.50 into 0.5)
		assertThat(draft.getDosageInstructionFirstRep().getDoseAndRateFirstRep().getDoseQuantity().getValueElement()
				.getValueAsString()).isEqualTo("0.50");
		assertThat(((Patient) request.getPrefetch("patient")).getBirthDateElement().getValueAsString()).isEqualTo("2015-03-01");
		assertThat(((Observation) request.getPrefetch("weight")).getValueQuantity().getValueElement().getValueAsString())
				.isEqualTo("30.50");
		assertThat(request.getPrefetchKeys()).contains("observations");
		assertThat(request.getPrefetch("observations")).isNull();
	}

	@Test
	void refusesWhatIsNotARequestNamingTheField() {
		String start = "{\"hook\":\"order-sign\",\"hookInstance\":\"h\",";
		assertThatThrownBy(() -> read(start + "\"context\":{\"draftOrders\":{\"resourceType\":\"NoSuchType\"}}}"))
				.isInstanceOf(InvalidRequestException.class).hasMessageContaining("context.draftOrders");
		assertThatThrownBy(() -> read(start + "\"context\":{},\"prefetch\":{\"patient\":\"Patient/1\"}}"))
				.isInstanceOf(InvalidRequestException.class).hasMessageContaining("prefetch.patient");
		assertThatThrownBy(() -> read(start + "\"context\":{},\"prefetch\":[]}"))
				.isInstanceOf(InvalidRequestException.class).hasMessageContaining("prefetch");
		assertThatThrownBy(() -> read(start + "\"context\":[]}"))
				.isInstanceOf(InvalidRequestException.class).hasMessageContaining("context");
		assertThatThrownBy(() -> read("{\"hook\":\"order-sign\",\"context\":{}}"))
				.isInstanceOf(InvalidRequestException.class).hasMessageContaining("hookInstance");
		assertThatThrownBy(() -> read(start + "\"context\":{},\"fhirAuthorization\":\"token\"}"))
				.isInstanceOf(InvalidRequestException.class).hasMessageContaining("fhirAuthorization");
		assertThatThrownBy(() -> reader.object("[1]")).isInstanceOf(InvalidRequestException.class);
		assertThatThrownBy(() -> reader.object("{\"a\":")).isInstanceOf(InvalidRequestException.class);
	}
}
