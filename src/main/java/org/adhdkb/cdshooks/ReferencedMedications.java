package org.adhdkb.cdshooks;

import java.util.ArrayList;
import java.util.List;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.hapi.fhir.cdshooks.svc.prefetch.CdsPrefetchFhirClientSvc;
import org.adhdkb.guidance.PatientRecord;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

/**
 * What every order and statement of a call is for, when it says so with {@code medicationReference}: the Medication is
 * taken from the order (contained), from the call's Bundles, or read from the client's fhirServer (with its access
 * token, under the same rules and byte budget as prefetch). One that cannot be had is data the rules need: 412, never
 * a decision that silently leaves the medicine out.
 *
 * <p>The record's orders and statements are then given to the rules with the Medication's code as their
 * {@code medicationCodeableConcept} and the Medication contained (copies; the draft orders themselves stay as the
 * client wrote them, so that a suggested change keeps the client's reference): the rules, in CQL and in Java, read what
 * a medicine is from its code, and what an EHR's own product is made of from the contained Medication.
 */
@Component
class ReferencedMedications {

	private final CdsPrefetchFhirClientSvc fhirServer;
	private final long maxFetchBytes;

	ReferencedMedications(FhirContext fhirContext, @Value("${adhdkb.cds.max-prefetch-size:5MB}") DataSize maxFetchSize) {
		// the context whose FHIR client CdsHooksConfig restricted for prefetch fetches (policy, budget, no redirects)
		this.fhirServer = new CdsPrefetchFhirClientSvc(fhirContext);
		this.maxFetchBytes = maxFetchSize.toBytes();
	}

	/** The call's data with every referenced Medication resolved, and the record's medicines coded. */
	HookData resolve(HookData data) {
		for (MedicationRequest draft : data.draftOrders()) {
			medicationOf(draft, draft.getMedication(), "draft order", data);
		}
		List<Resource> coded = new ArrayList<>();
		for (Resource medicine : data.record().medications()) {
			coded.add(coded(medicine, data));
		}
		PatientRecord record = data.record();
		return new HookData(data.patientId(), new PatientRecord(record.patient(), record.observations(), coded),
				data.conditions(), data.draftOrders(), data.medications(), data.request());
	}

	/**
	 * An order or statement with a medicationReference, as a copy coded with its Medication's code that carries the
	 * Medication as contained (what the EHR's own product is made of: {@code AdhdOrderDose."Own product of"}).
	 */
	static Resource withCode(Resource medicine, Medication medication) {
		if (medication == null || !medication.hasCode()) {
			return medicine;
		}
		if (medicine instanceof MedicationRequest order && order.hasMedicationReference()) {
			MedicationRequest coded = order.copy().setMedication(medication.getCode().copy());
			return contain(coded, coded.getContained(), medication);
		}
		if (medicine instanceof MedicationStatement statement && statement.hasMedicationReference()) {
			MedicationStatement coded = statement.copy().setMedication(medication.getCode().copy());
			return contain(coded, coded.getContained(), medication);
		}
		return medicine;
	}

	private static Resource contain(Resource coded, List<Resource> contained, Medication medication) {
		boolean already = contained.stream().anyMatch(r -> r instanceof Medication m
				&& m.getIdElement().getIdPart() != null && m.getIdElement().getIdPart().equals(medication.getIdElement().getIdPart()));
		if (!already) {
			contained.add(medication.copy());
		}
		return coded;
	}

	private Resource coded(Resource medicine, HookData data) {
		if (medicine instanceof MedicationRequest order && order.hasMedicationReference()) {
			return withCode(order, medicationOf(order, order.getMedication(), "order", data));
		}
		if (medicine instanceof MedicationStatement statement && statement.hasMedicationReference()) {
			return withCode(statement, medicationOf(statement, statement.getMedication(), "medication statement", data));
		}
		return medicine;
	}

	/** The Medication a reference names; null for a medicationCodeableConcept. Kept in the call's data once read. */
	private Medication medicationOf(Resource medicine, org.hl7.fhir.r4.model.Type medication, String what, HookData data) {
		if (!(medication instanceof Reference reference)) {
			return null;
		}
		Medication found = data.referencedMedication(medicine, reference);
		if (found != null || !reference.hasReference() || reference.getReference().startsWith("#")) {
			return found; // a contained one that is not there: the order says nothing we can read
		}
		String url = reference.getReference();
		IdType id = new IdType(url);
		String name = "The " + what + " " + (medicine.hasIdElement() ? medicine.getIdElement().getIdPart() + " " : "");
		if (!"Medication".equals(id.getResourceType()) || !id.hasIdPart() || id.isAbsolute()
				|| data.request() == null || data.request().getFhirServer() == null) {
			throw new PreconditionFailedException(name + "names the medication " + url
					+ ", which is neither in the request nor readable from fhirServer");
		}
		try {
			IBaseResource read = PrefetchHttpClient.withBudget(maxFetchBytes,
					() -> fhirServer.resourceFromUrl(data.request(), "Medication/" + id.getIdPart()));
			if (read instanceof Medication fetched) {
				data.medications().put(url, fetched);
				return fetched;
			}
		} catch (RuntimeException e) {
			// as for prefetch: our words, never the remote server's answer
		}
		throw new PreconditionFailedException(name + "names the medication " + url + ", which could not be read from fhirServer");
	}
}
