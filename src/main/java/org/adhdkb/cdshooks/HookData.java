package org.adhdkb.cdshooks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ca.uhn.fhir.rest.api.server.cdshooks.CdsServiceRequestJson;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import org.adhdkb.guidance.PatientRecord;
import org.adhdkb.guidance.PlanApplier;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/**
 * The patient data of one hook call, read from the prefetch (which HAPI's prefetch service has completed from the
 * client's fhirServer where keys were missing). A key whose value is null means the client has no such data.
 *
 * @param patientId   the context's patientId
 * @param record      Patient, Observations and MedicationRequests, as the guidance engine reads them
 * @param conditions  the patient's Conditions
 * @param draftOrders the MedicationRequests of the context's draftOrders (order-select and order-sign)
 * @param medications the Medications that orders reference, by reference ("Medication/id" or a fullUrl), as found in
 *                    the draftOrders and prefetch Bundles
 * @param request     the call, for reading a referenced Medication from its fhirServer
 */
record HookData(String patientId, PatientRecord record, List<Condition> conditions, List<MedicationRequest> draftOrders,
		Map<String, Medication> medications, CdsServiceRequestJson request) {

	/**
	 * @param keys the service's prefetch keys: only their values are read, so that a key the service did not ask for
	 *             (and {@link PrefetchCompleteness} therefore did not check against a template) is never data to
	 *             decide on
	 */
	static HookData from(CdsServiceRequestJson request, java.util.Set<String> keys) {
		Object patientId = request.getContext().get("patientId");
		if (!(patientId instanceof String id) || id.isBlank()) {
			throw new InvalidRequestException("context.patientId is required and must be a string");
		}
		// Every value of the service's keys counts, whatever its name: the keys are derived from the rules' data
		// requirements.
		List<IBaseResource> values = new ArrayList<>();
		request.getPrefetchKeys().stream().filter(keys::contains).forEach(key -> values.add(request.getPrefetch(key)));
		Patient patient = entries(values, Patient.class).stream().findFirst().orElseGet(Patient::new);
		if (!patient.hasId()) {
			patient.setId(id);
		}
		List<Observation> observations = entries(values, Observation.class);
		List<Resource> medications = new ArrayList<>(entries(values, MedicationRequest.class));
		medications.addAll(entries(values, MedicationStatement.class));
		List<Condition> conditions = entries(values, Condition.class);
		List<MedicationRequest> drafts = request.getContext().containsKey("draftOrders")
				? selected(entries(List.of(draftOrders(request)), MedicationRequest.class), request.getContext().get("selections"))
				: List.of();
		// Medications that orders reference, from the draft orders and from any prefetched Bundle (the keys are derived)
		Map<String, Medication> referenced = new HashMap<>();
		List<IBaseResource> bundles = new ArrayList<>();
		if (request.getContext().containsKey("draftOrders")) {
			bundles.add(draftOrders(request));
		}
		bundles.addAll(values);
		for (IBaseResource bundle : bundles) {
			if (bundle instanceof Bundle b) {
				for (Bundle.BundleEntryComponent entry : b.getEntry()) {
					if (entry.getResource() instanceof Medication m) {
						referenced.put("Medication/" + m.getIdElement().getIdPart(), m);
						if (entry.hasFullUrl()) {
							referenced.put(entry.getFullUrl(), m);
						}
					}
				}
			}
		}
		return new HookData(id, new PatientRecord(patient, observations, medications), conditions, drafts, referenced, request);
	}

	/** The resource types in which {@link #withDraftOrdersActive()} differs from this data. */
	static final Set<String> CHANGED_BY_DRAFT_ORDERS = Set.of("MedicationRequest");

	/**
	 * The same data with the draft orders counted as medicines the patient takes (copies with status active), so that a
	 * rule sees an order together with the record and with the other orders of the same call.
	 */
	HookData withDraftOrdersActive() {
		if (draftOrders.isEmpty()) {
			return this;
		}
		List<Resource> medications = new ArrayList<>(record.medications());
		for (MedicationRequest draft : draftOrders) {
			// coded with its Medication's code, as ReferencedMedications codes the record's orders
			MedicationRequest active = draft.copy().setStatus(MedicationRequest.MedicationRequestStatus.ACTIVE);
			medications.add(ReferencedMedications.withCode(active, referencedMedication(draft)));
		}
		return new HookData(patientId, new PatientRecord(record.patient(), record.observations(), medications), conditions,
				draftOrders, this.medications, request);
	}

	/**
	 * Who the guidance is applied to: the hook's patient, with no encounter or practitioner of our own; on an order hook,
	 * the call's draft orders as the CQL parameter {@code draftOrders} (each coded with the Medication it references),
	 * as CPG engines pass CDS Hooks context to the rules.
	 */
	PlanApplier.Context applyContext() {
		if (draftOrders.isEmpty()) {
			return new PlanApplier.Context("Patient/" + patientId, null, null, null);
		}
		List<Resource> coded = new ArrayList<>();
		draftOrders.forEach(draft -> coded.add(ReferencedMedications.withCode(draft, referencedMedication(draft))));
		return new PlanApplier.Context("Patient/" + patientId, null, null, null, Map.of(DRAFT_ORDERS, coded));
	}

	/** The CQL parameter of the draft orders: the CDS Hooks context field's name, as cqf-fhir-cr passes it. */
	static final String DRAFT_ORDERS = "draftOrders";

	/** The code of what an order is for: its medicationCodeableConcept, or the code of a contained Medication. */
	static CodeableConcept medicationCode(MedicationRequest order) {
		return medicationCode(order, contained(order));
	}

	/** The code of what an order is for: its medicationCodeableConcept, or the code of the Medication it references. */
	static CodeableConcept medicationCode(MedicationRequest order, Medication referenced) {
		if (order.hasMedicationCodeableConcept()) {
			return order.getMedicationCodeableConcept();
		}
		return referenced != null ? referenced.getCode() : new CodeableConcept();
	}

	/**
	 * The Medication an order references without fetching: contained, already resolved, or in the draftOrders or
	 * prefetch Bundles; null for a medicationCodeableConcept or a reference found nowhere here.
	 */
	Medication referencedMedication(MedicationRequest order) {
		return order.getMedication() instanceof Reference reference ? referencedMedication(order, reference) : null;
	}

	/** The Medication a reference of an order or statement names, without fetching; null when not found here. */
	Medication referencedMedication(Resource medicine, Reference reference) {
		return referenced(medicine, reference, medications);
	}

	/** A contained or already resolved Medication of an order; null for anything else. */
	private static Medication contained(MedicationRequest order) {
		return order.getMedication() instanceof Reference reference ? referenced(order, reference, Map.of()) : null;
	}

	/** The reference's Medication: resolved on the reference, contained, or among {@code known} by its url. */
	private static Medication referenced(Resource medicine, Reference reference, Map<String, Medication> known) {
		if (reference.getResource() instanceof Medication m) {
			return m;
		}
		String url = reference.getReference();
		if (url == null) {
			return null;
		}
		return url.startsWith("#") ? containedIn(medicine, url.substring(1)) : known.get(url);
	}

	private static Medication containedIn(Resource medicine, String id) {
		if (medicine instanceof org.hl7.fhir.r4.model.DomainResource domain) {
			for (Resource contained : domain.getContained()) {
				if (contained instanceof Medication m && id.equals(contained.getIdElement().getIdPart())) {
					return m;
				}
			}
		}
		return null;
	}

	/**
	 * order-select: {@code selections} names the orders just selected ("MedicationRequest/id"); the other draft orders
	 * are context, already reviewed when they were selected. Without selections (order-sign) every draft counts.
	 */
	private static List<MedicationRequest> selected(List<MedicationRequest> drafts, Object selections) {
		if (!(selections instanceof List<?> names) || names.isEmpty()) {
			return drafts;
		}
		return drafts.stream()
				.filter(d -> names.contains("MedicationRequest/" + d.getIdElement().getIdPart()))
				.toList();
	}

	private static IBaseResource draftOrders(CdsServiceRequestJson request) {
		Object value = request.getContext().get("draftOrders");
		if (!(value instanceof Bundle bundle)) {
			throw new InvalidRequestException("context.draftOrders must be a FHIR Bundle");
		}
		return bundle;
	}

	/** The resources of one type in prefetched Bundles (or the resources themselves), each once; none for nulls. */
	private static <T extends Resource> List<T> entries(List<IBaseResource> values, Class<T> type) {
		List<T> found = new ArrayList<>();
		java.util.Set<String> seen = new java.util.HashSet<>();
		for (IBaseResource value : values) {
			if (value instanceof Bundle bundle) {
				for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
					if (type.isInstance(entry.getResource()) && once(entry.getResource(), seen)) {
						found.add(type.cast(entry.getResource()));
					}
				}
			} else if (type.isInstance(value) && once((Resource) value, seen)) {
				found.add(type.cast(value));
			}
		}
		return found;
	}

	/** Two keys may fetch the same resource (two searches of one type): it is counted once. */
	private static boolean once(Resource resource, java.util.Set<String> seen) {
		return !resource.hasIdElement() || resource.getIdElement().getIdPart() == null
				|| seen.add(resource.fhirType() + "/" + resource.getIdElement().getIdPart());
	}

	/**
	 * Everything the rules' CQL may retrieve about the patient: the record (its orders and statements coded with their
	 * Medication's code, the Medication contained: see {@link ReferencedMedications}) and the Conditions.
	 */
	List<Resource> patientData() {
		List<Resource> data = new ArrayList<>();
		data.add(record.patient());
		data.addAll(record.observations());
		data.addAll(record.medications());
		data.addAll(conditions);
		return data;
	}
}
