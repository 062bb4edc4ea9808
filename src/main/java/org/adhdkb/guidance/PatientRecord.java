package org.adhdkb.guidance;

import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Resource;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneId;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The part of a patient's record the guidance looks at: the Patient, their Observations and their medications
 * (MedicationRequest and MedicationStatement). Knows how to read the facts dosing depends on.
 */
public record PatientRecord(Patient patient, List<Observation> observations, List<Resource> medications) {

	public static final String LOINC = "http://loinc.org";
	public static final String BODY_WEIGHT = "29463-7";
	public static final String METABOLIZER_PHENOTYPE = "53040-2";
	public static final String POOR_METABOLIZER = "LA9657-3";

	private static final Set<Observation.ObservationStatus> USABLE = Set.of(
			Observation.ObservationStatus.FINAL, Observation.ObservationStatus.AMENDED,
			Observation.ObservationStatus.CORRECTED, Observation.ObservationStatus.PRELIMINARY);

	/** Whether an observation's status makes its value usable (final, amended, corrected or preliminary). */
	public static boolean usable(Observation observation) {
		return USABLE.contains(observation.getStatus());
	}

	/** Age in whole years on {@code today}, or null without a birth date. */
	public BigDecimal ageYears(LocalDate today) {
		if (!patient.hasBirthDate()) {
			return null;
		}
		LocalDate born = patient.getBirthDate().toInstant().atZone(ZoneId.systemDefault()).toLocalDate();
		return BigDecimal.valueOf(Period.between(born, today).getYears());
	}

	/** The most recent usable body weight in kg, or null when none is recorded in a unit we can convert. */
	public BigDecimal weightKg() {
		return observations.stream()
				.filter(o -> USABLE.contains(o.getStatus()) && hasCode(o.getCode(), LOINC, BODY_WEIGHT))
				.filter(o -> o.hasValueQuantity() && toKg(o.getValueQuantity()) != null)
				.max(Comparator.comparing(PatientRecord::effective))
				.map(o -> toKg(o.getValueQuantity()))
				.orElse(null);
	}

	/** Whether the most recent metabolizer phenotype observation says CYP2D6 poor metabolizer. */
	public boolean cyp2d6PoorMetabolizer() {
		Optional<Observation> latest = observations.stream()
				.filter(o -> USABLE.contains(o.getStatus()) && hasCode(o.getCode(), LOINC, METABOLIZER_PHENOTYPE))
				.max(Comparator.comparing(PatientRecord::effective));
		return latest.isPresent() && latest.get().hasValueCodeableConcept()
				&& hasCode(latest.get().getValueCodeableConcept(), LOINC, POOR_METABOLIZER);
	}

	/** The codings of the medications the patient is taking now (active or intended, not stopped or drafts). */
	public List<Coding> activeMedicationCodings() {
		return medications.stream()
				.filter(PatientRecord::isActive)
				.flatMap(m -> medicationCode(m).getCoding().stream())
				.toList();
	}

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

	private static BigDecimal toKg(Quantity quantity) {
		if (!quantity.hasValue()) {
			return null;
		}
		String unit = quantity.hasCode() ? quantity.getCode() : quantity.getUnit();
		if (unit == null) {
			return null;
		}
		return switch (unit) {
			case "kg" -> quantity.getValue();
			case "g" -> quantity.getValue().divide(BigDecimal.valueOf(1000), 3, RoundingMode.HALF_UP);
			case "[lb_av]", "lb", "lbs" -> quantity.getValue().multiply(new BigDecimal("0.45359237")).setScale(1, RoundingMode.HALF_UP);
			default -> null;
		};
	}
}
