package org.adhdkb.medication;

import java.math.BigDecimal;
import java.util.Set;

/**
 * What dosing depends on, as known for one patient.
 *
 * @param ageYears   age in whole years, or null when unknown
 * @param weightKg   most recent body weight in kg, or null when none is recorded
 * @param conditions codes of {@code http://adhdkb.org/fhir/CodeSystem/patient-characteristic} that hold for the
 *                   patient (for example {@code strong-cyp2d6-inhibitor})
 */
public record PatientFacts(BigDecimal ageYears, BigDecimal weightKg, Set<String> conditions) {

	public PatientFacts {
		conditions = Set.copyOf(conditions);
	}
}
