package org.adhdkb.medication;

import java.math.BigDecimal;

/**
 * The doses of one MedicationKnowledge dosing band, computed for one patient. Daily amounts are in mg/d; a value is
 * null when the band does not give it or it cannot be computed (never guessed).
 *
 * @param band                         id of the administrationGuidelines entry that applies, or null if none can be
 *                                     chosen
 * @param startingDailyMg              starting dose, not above the maximum
 * @param targetDailyMg                target dose, not above the maximum
 * @param maximumDailyMg               the lowest of the band's maxima for this patient
 * @param absoluteMaximumDailyMg       the lowest of those maxima that the content does not mark as a usual ceiling
 *                                     ({@code StructureDefinition/usual-limit}), or null when all are usual ceilings
 * @param minimumTitrationIntervalDays the label's minimum wait before raising towards the target
 * @param usualTitrationInterval       the usual interval in practice, e.g. "7-14 d"
 * @param missingWeight                true when no band could be chosen because the patient's weight is unknown
 */
public record DosingPlan(
		String band,
		BigDecimal startingDailyMg,
		BigDecimal targetDailyMg,
		BigDecimal maximumDailyMg,
		BigDecimal absoluteMaximumDailyMg,
		Integer minimumTitrationIntervalDays,
		String usualTitrationInterval,
		boolean missingWeight) {

	public static DosingPlan none(boolean missingWeight) {
		return new DosingPlan(null, null, null, null, null, null, null, missingWeight);
	}

	/** The maximum that applies is a usual ceiling ("rarely exceeded", "the studied range"), not an absolute one. */
	public boolean maximumIsUsual() {
		return maximumDailyMg != null && (absoluteMaximumDailyMg == null || maximumDailyMg.compareTo(absoluteMaximumDailyMg) < 0);
	}

	public boolean chosen() {
		return band != null;
	}
}
