package org.adhdkb.cdshooks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.stereotype.Component;

/** The CDS services adhdkb offers, with the prefetch each needs. */
@Component
class CdsServiceCatalog {

	static final String PATIENT_VIEW = "adhd-patient-view";
	static final String ORDER_SELECT = "adhd-order-select";
	static final String ORDER_SIGN = "adhd-order-sign";

	private static final String PATIENT = "Patient/{{context.patientId}}";
	private static final String SUBJECT = "subject=Patient/{{context.patientId}}";
	/** Body weight and the CYP2D6 metabolizer phenotype: what dosing depends on. */
	private static final String DOSING_OBSERVATIONS = "http://loinc.org|29463-7,http://loinc.org|53040-2";
	/** The vital signs of ValueSet adhd-monitoring-observations, and findings coded with our own code systems. */
	private static final String MONITORING_OBSERVATIONS = DOSING_OBSERVATIONS
			+ ",http://loinc.org|85354-9,http://loinc.org|8480-6,http://loinc.org|8462-4,http://loinc.org|8867-4"
			+ ",http://adhdkb.org/fhir/CodeSystem/adverse-effect|,http://adhdkb.org/fhir/CodeSystem/monitoring-topic|";

	private final Map<String, HookService> services = new LinkedHashMap<>();

	CdsServiceCatalog(OrderReview orders, PatientViewReview patientView) {
		Map<String, String> orderPrefetch = new LinkedHashMap<>();
		orderPrefetch.put(HookData.PATIENT, PATIENT);
		orderPrefetch.put(HookData.OBSERVATIONS, "Observation?" + SUBJECT + "&code=" + DOSING_OBSERVATIONS);
		orderPrefetch.put(HookData.MEDICATIONS, "MedicationRequest?" + SUBJECT);

		Map<String, String> patientPrefetch = new LinkedHashMap<>();
		patientPrefetch.put(HookData.PATIENT, PATIENT);
		patientPrefetch.put(HookData.OBSERVATIONS, "Observation?" + SUBJECT + "&code=" + MONITORING_OBSERVATIONS);
		patientPrefetch.put(HookData.MEDICATIONS, "MedicationRequest?" + SUBJECT);
		patientPrefetch.put(HookData.CONDITIONS, "Condition?" + SUBJECT);

		String orderChecks = " draft orders of ADHD medicines against the patient's dosing band (maximum dose, starting dose for a new "
				+ "patient, weight needed), atomoxetine with an SSRI, a strong CYP2D6 inhibitor or CYP2D6 poor metabolism, and "
				+ "the follow-up every change needs.";
		add(HookService.of(ORDER_SELECT, "order-select", "ADHD medication order check",
				"Checks selected" + orderChecks, orderPrefetch, orders::review));
		add(HookService.of(ORDER_SIGN, "order-sign", "ADHD medication order check at signing",
				"Checks the to-be-signed" + orderChecks, orderPrefetch, orders::review));
		add(HookService.of(PATIENT_VIEW, "patient-view", "ADHD medication monitoring",
				"For a patient on ADHD medicines: blood pressure and heart rate missing since the last change, findings on a "
						+ "stimulant that favour a non-stimulant, atomoxetine too recent to judge, and rebound after stopping.",
				patientPrefetch, patientView::review));
	}

	private void add(HookService service) {
		services.put(service.descriptor().getId(), service);
	}

	Optional<HookService> byId(String id) {
		return Optional.ofNullable(services.get(id));
	}

	List<HookService> all() {
		return List.copyOf(services.values());
	}
}
