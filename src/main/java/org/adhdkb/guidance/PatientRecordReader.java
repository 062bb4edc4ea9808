package org.adhdkb.guidance;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import org.adhdkb.cache.ChangeCounter;
import org.adhdkb.cache.KeptResources;
import org.adhdkb.cache.VersionedCache;
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
 *
 * <p>Records read from the database are kept until the next committed write (the {@link ChangeCounter}): the three
 * searches behind one record cost more than the whole guidance logic, and a chart is typically asked about several
 * times in a row (each plan, each refresh). Any write anywhere retires them all, so a server that is written to as
 * often as it is asked gains nothing; {@code Cache-Control: no-cache} reads the record again. Nothing here depends on
 * who asks: this server's scopes grant by resource type, never by patient compartment. Were patient-compartment
 * scopes added, the key would have to name the caller.
 */
@Component
public class PatientRecordReader {

	private final DaoRegistry daoRegistry;
	private final IHapiTransactionService transactions;
	private final ChangeCounter changeCounter;
	/** Bounded by the resources held: a record weighs its Patient plus its observations and medications. */
	private final VersionedCache<String, PatientRecord> stored;

	public PatientRecordReader(DaoRegistry daoRegistry, IHapiTransactionService transactions, ChangeCounter changeCounter) {
		this.daoRegistry = daoRegistry;
		this.transactions = transactions;
		this.changeCounter = changeCounter;
		this.stored = new VersionedCache<>(changeCounter, 50_000L,
				record -> 1L + record.observations().size() + record.medications().size());
	}

	public PatientRecord read(String subject, Bundle data, RequestDetails request) {
		IdType subjectId = subjectId(subject);
		if (data != null && data.hasEntry()) {
			return fromBundle(subjectId, data, request);
		}
		if (freshReadAsked(request)) {
			return readStored(subjectId, request);
		}
		return stored.get(subjectId.getValue(), changeCounter.current(request), key -> readStored(subjectId, request));
	}

	/** {@code Cache-Control: no-cache}: the caller asks for the record to be read again, as HTTP caches do. */
	private static boolean freshReadAsked(RequestDetails request) {
		String cacheControl = request == null ? null : request.getHeader("Cache-Control");
		return cacheControl != null && cacheControl.contains("no-cache");
	}

	private PatientRecord readStored(IdType subjectId, RequestDetails request) {
		// One read-only transaction for the four reads: each DAO call would otherwise open and commit its own.
		return transactions.withRequest(request).readOnly().execute(() -> {
			Patient patient = readPatient(subjectId, request);
			String reference = "Patient/" + subjectId.getIdPart();
			List<Observation> observations = search("Observation", reference, request);
			List<Resource> medications = new ArrayList<>(search("MedicationRequest", reference, request));
			medications.addAll(search("MedicationStatement", reference, request));
			// shared by concurrent requests from now on: nothing may add to it
			return new PatientRecord(patient, List.copyOf(observations), List.copyOf(medications));
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
		List<IBaseResource> found = KeptResources.compact(daoRegistry.getResourceDao(type).search(map, request).getAllResources());
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
