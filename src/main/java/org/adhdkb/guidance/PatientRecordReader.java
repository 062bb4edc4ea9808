package org.adhdkb.guidance;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.List;

/**
 * Gathers a patient's record for $apply: from the {@code data} Bundle of the call when one is given (the caller's own
 * record), otherwise from this server's database.
 */
@Component
public class PatientRecordReader {

	private final DaoRegistry daoRegistry;
	private final IHapiTransactionService transactions;

	public PatientRecordReader(DaoRegistry daoRegistry, IHapiTransactionService transactions) {
		this.daoRegistry = daoRegistry;
		this.transactions = transactions;
	}

	public PatientRecord read(String subject, Bundle data, RequestDetails request) {
		IdType subjectId = subjectId(subject);
		if (data != null && data.hasEntry()) {
			return fromBundle(subjectId, data, request);
		}
		// One read-only transaction for the four reads: each DAO call would otherwise open and commit its own.
		return transactions.withRequest(request).readOnly().execute(() -> {
			Patient patient = readPatient(subjectId, request);
			String reference = "Patient/" + subjectId.getIdPart();
			List<Observation> observations = search("Observation", reference, request);
			List<Resource> medications = new ArrayList<>(search("MedicationRequest", reference, request));
			medications.addAll(search("MedicationStatement", reference, request));
			return new PatientRecord(patient, observations, medications);
		});
	}

	private PatientRecord fromBundle(IdType subjectId, Bundle data, RequestDetails request) {
		Patient patient = null;
		List<Observation> observations = new ArrayList<>();
		List<Resource> medications = new ArrayList<>();
		for (Bundle.BundleEntryComponent entry : data.getEntry()) {
			Resource resource = entry.getResource();
			if (resource instanceof Patient p && subjectId.getIdPart().equals(p.getIdElement().getIdPart())) {
				patient = p;
			} else if (resource instanceof Observation o) {
				observations.add(o);
			} else if (resource instanceof MedicationRequest || resource instanceof MedicationStatement) {
				medications.add(resource);
			}
		}
		return new PatientRecord(patient != null ? patient : readPatient(subjectId, request), observations, medications);
	}

	private Patient readPatient(IdType subjectId, RequestDetails request) {
		try {
			return (Patient) daoRegistry.getResourceDao("Patient").read(subjectId, request);
		} catch (ResourceNotFoundException e) {
			throw new ResourceNotFoundException("The subject " + subjectId.getValue() + " was not found");
		}
	}

	@SuppressWarnings("unchecked")
	private <T extends Resource> List<T> search(String type, String patientReference, RequestDetails request) {
		SearchParameterMap map = SearchParameterMap.newSynchronous().add("subject", new ReferenceParam(patientReference));
		List<IBaseResource> found = daoRegistry.getResourceDao(type).search(map, request).getAllResources();
		return (List<T>) (List<?>) found;
	}

	static IdType subjectId(String subject) {
		if (subject == null || subject.isBlank()) {
			throw new InvalidRequestException("The parameter 'subject' is required (for example Patient/123)");
		}
		IdType id = new IdType(subject.strip());
		if (!"Patient".equals(id.getResourceType()) || !id.hasIdPart()) {
			throw new InvalidRequestException("The parameter 'subject' must be a Patient reference such as Patient/123, not '"
					+ subject + "'");
		}
		return id.toUnqualifiedVersionless();
	}
}
