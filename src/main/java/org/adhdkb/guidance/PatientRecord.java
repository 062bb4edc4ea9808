package org.adhdkb.guidance;

import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;

import java.util.Date;
import java.util.List;

/**
 * The part of a patient's record the guidance looks at: the Patient, their Observations and their medications
 * (MedicationRequest and MedicationStatement). The facts dosing depends on (age, weight, dosing conditions) are read
 * from it by the content's CQL (Library AdhdPatientFacts), not here.
 */
public record PatientRecord(Patient patient, List<Observation> observations, List<Resource> medications) {

	public static final String LOINC = "http://loinc.org";
	public static final String BODY_WEIGHT = "29463-7";

	public static boolean isActive(Resource medication) {
		if (medication instanceof MedicationRequest request) {
			return request.getStatus() == MedicationRequest.MedicationRequestStatus.ACTIVE;
		}
		if (medication instanceof MedicationStatement statement) {
			return statement.getStatus() == MedicationStatement.MedicationStatementStatus.ACTIVE
					|| statement.getStatus() == MedicationStatement.MedicationStatementStatus.INTENDED;
		}
		return false;
	}

	public static CodeableConcept medicationCode(Resource medication) {
		if (medication instanceof MedicationRequest request && request.hasMedicationCodeableConcept()) {
			return request.getMedicationCodeableConcept();
		}
		if (medication instanceof MedicationStatement statement && statement.hasMedicationCodeableConcept()) {
			return statement.getMedicationCodeableConcept();
		}
		return new CodeableConcept();
	}

	public static boolean hasCode(CodeableConcept concept, String system, String code) {
		return concept.getCoding().stream().anyMatch(c -> system.equals(c.getSystem()) && code.equals(c.getCode()));
	}

	public static Date effective(Observation observation) {
		if (observation.hasEffectiveDateTimeType()) {
			return observation.getEffectiveDateTimeType().getValue();
		}
		if (observation.hasEffectivePeriod() && observation.getEffectivePeriod().hasStart()) {
			return observation.getEffectivePeriod().getStart();
		}
		return observation.hasIssued() ? observation.getIssued() : new Date(0);
	}

}
