package org.adhdkb.terminology;

import org.adhdkb.testing.ServerTestBase;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Resource;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** Calls terminology operations over HTTP, GET or POST, in JSON or XML, and reads the answers. */
abstract class TerminologyTestBase extends ServerTestBase {

	static final String BASE = "http://adhdkb.org/fhir";
	static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
	static final String SNOMED = "http://snomed.info/sct";
	static final String ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm";
	static final String MEDICATION_CLASS = BASE + "/CodeSystem/medication-class";

	enum Format {
		JSON("application/fhir+json"),
		XML("application/fhir+xml");

		final String mimeType;

		Format(String mimeType) {
			this.mimeType = mimeType;
		}
	}

	/** The answer: HTTP status and the parsed resource. */
	record Answer(int status, Resource resource, String body) {
		<T extends Resource> T as(Class<T> type) {
			assertThat(resource).as(body).isInstanceOf(type);
			return type.cast(resource);
		}

		/** Asserts an OperationOutcome with an error and the given status, and returns its first issue. */
		OperationOutcome.OperationOutcomeIssueComponent error(int expectedStatus) {
			assertThat(status).as(body).isEqualTo(expectedStatus);
			OperationOutcome outcome = as(OperationOutcome.class);
			assertThat(outcome.getIssueFirstRep().getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.ERROR);
			return outcome.getIssueFirstRep();
		}

		Parameters ok() {
			assertThat(status).as(body).isEqualTo(200);
			return as(Parameters.class);
		}
	}

	/** GET {@code /fhir/pathAndQuery} asking for the given format. */
	Answer get(String pathAndQuery, Format format) {
		return answer(get("/fhir/" + pathAndQuery, "Accept", format.mimeType));
	}

	Answer get(String pathAndQuery) {
		return get(pathAndQuery, Format.JSON);
	}

	/** POST a Parameters resource to {@code /fhir/path}, sent and answered in the given format. */
	Answer post(String path, Parameters parameters, Format format) {
		String body = format == Format.JSON
				? FHIR.newJsonParser().encodeResourceToString(parameters)
				: FHIR.newXmlParser().encodeResourceToString(parameters);
		return answer(send("POST", "/fhir/" + path, body, "Content-Type", format.mimeType, "Accept", format.mimeType));
	}

	void put(Resource resource) {
		String body = FHIR.newJsonParser().encodeResourceToString(resource);
		HttpResponse<String> response = send("PUT", "/fhir/" + resource.fhirType() + "/" + resource.getIdElement().getIdPart(),
				body, "Content-Type", Format.JSON.mimeType);
		assertThat(response.statusCode()).as(response.body()).isIn(200, 201);
	}

	private static Answer answer(HttpResponse<String> response) {
		String body = response.body();
		IBaseResource parsed = body.trim().startsWith("<")
				? FHIR.newXmlParser().parseResource(body)
				: FHIR.newJsonParser().parseResource(body);
		return new Answer(response.statusCode(), (Resource) parsed, body);
	}

	static boolean booleanResult(Parameters parameters) {
		return parameters.getParameterBool("result");
	}

	static String string(Parameters parameters, String name) {
		return parameters.hasParameterValue(name) ? parameters.getParameterValue(name).primitiveValue() : null;
	}
}
