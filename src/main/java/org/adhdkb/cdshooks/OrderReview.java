package org.adhdkb.cdshooks;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.Period;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.adhdkb.guidance.KnowledgeArtifacts;
import org.adhdkb.guidance.PatientRecord;
import org.adhdkb.guidance.PlanApplier;
import org.adhdkb.medication.DosingCalculator;
import org.adhdkb.medication.DosingPlan;
import org.adhdkb.medication.PatientFacts;
import org.hl7.fhir.r4.model.ActivityDefinition;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Dosage;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.stereotype.Component;

/**
 * order-select and order-sign: checks each draft MedicationRequest of an ADHD medicine against the dosing of its
 * MedicationKnowledge for this patient (maximum, starting dose for a new patient, weight needed, dose unreadable,
 * a product strength that alone is too much), then fires the content's eca-rules for it (interactions, follow-up).
 */
@Component
class OrderReview {

	static final String MEASURE_WEIGHT = "http://adhdkb.org/fhir/ActivityDefinition/measure-weight";

	private final KnowledgeArtifacts artifacts;
	private final PlanApplier applier;
	private final EcaRules rules;
	private final CardFactory cards;

	OrderReview(KnowledgeArtifacts artifacts, PlanApplier applier, EcaRules rules, CardFactory cards) {
		this.artifacts = artifacts;
		this.applier = applier;
		this.rules = rules;
		this.cards = cards;
	}

	List<CardJson.Card> review(HookData data, HookCall call) {
		PatientFacts facts = applier.factsOf(data.record());
		List<CardJson.Card> result = new ArrayList<>();
		Set<String> fired = new HashSet<>();
		boolean weightCardGiven = false;
		HookData withOrders = data.withDraftOrdersActive(); // the rules see every order of the call as taken
		for (MedicationRequest draft : data.draftOrders()) {
			CodeableConcept code = HookData.medicationCode(draft);
			MedicationKnowledge medicine = artifacts.medicineByCode(code, call.request());
			if (medicine == null) {
				continue; // not an ADHD medicine we publish
			}
			DosingPlan plan = DosingCalculator.plan(medicine, facts);
			DraftDose dose = DraftDose.of(draft);
			MedicationRequest current = currentOrder(data.record(), medicine, draft, call);
			ActivityDefinition measureWeight = artifacts.byCanonical(ActivityDefinition.class, MEASURE_WEIGHT, call.request());
			DoseInputs inputs = DoseInputs.of(data.record(), facts, medicine, plan, measureWeight);
			result.addAll(doseCards(draft, code, medicine, plan, dose, current == null, facts, inputs, call));
			if (plan.missingWeight() && !weightCardGiven) {
				result.add(weightNeeded(medicine, data, call));
				weightCardGiven = true;
			} else if (inputs.weightStale(LocalDate.now()) && !weightCardGiven) {
				result.add(weightStale(medicine, inputs, data, call));
				weightCardGiven = true;
			}
			if (current == null || !Objects.equals(DraftDose.of(current).dailyMg(), dose.dailyMg())) {
				result.addAll(rules.fire(code, withOrders, call, fired)); // a renewal of an unchanged order fires no rule
			}
		}
		result.addAll(rules.fireForTakenMedicines(data, withOrders, call, fired));
		return result;
	}

	private List<CardJson.Card> doseCards(MedicationRequest draft, CodeableConcept code, MedicationKnowledge medicine,
			DosingPlan plan, DraftDose dose, boolean newPatient, PatientFacts facts, DoseInputs inputs, HookCall call) {
		String checkedWith = "\n\n" + inputs.describe(LocalDate.now());
		String name = CardFactory.name(medicine);
		BigDecimal maximum = plan.maximumDailyMg();
		BigDecimal ceiling = maximum != null ? maximum : DosingCalculator.ceilingDailyMg(medicine, facts);
		List<CardJson.Card> found = new ArrayList<>();
		if (dose.known()) {
			if (maximum != null && dose.dailyMg().compareTo(maximum) > 0) {
				BigDecimal corrected = newPatient && plan.startingDailyMg() != null ? plan.startingDailyMg() : maximum;
				Correction correction = replace(draft, code, medicine, dose, corrected,
						newPatient ? "starting dose" : "maximum", call);
				found.add(cards.card("dose-above-maximum", CardFactory.Indicator.CRITICAL,
						"%s %s mg/day is above the maximum of %s mg/day for this patient".formatted(
								CardFactory.capitalised(name), mg(dose.dailyMg()), mg(maximum)),
						"The order gives **%s mg a day**. For this patient the maximum is **%s mg a day**.%s%s%s"
								.formatted(mg(dose.dailyMg()), mg(maximum), correction.note(), checkedWith,
										statement(medicine, plan, "maximum-dose")),
						cards.source(medicine, call),
						correction.suggestions(),
						List.of(cards.link(medicine, call)), call));
			} else if (maximum == null && ceiling != null && dose.dailyMg().compareTo(ceiling) > 0) {
				found.add(cards.card("dose-above-highest-maximum", CardFactory.Indicator.CRITICAL,
						"%s %s mg/day is above the highest maximum of %s mg/day".formatted(
								CardFactory.capitalised(name), mg(dose.dailyMg()), mg(ceiling)),
						"Whatever this patient's missing facts (such as weight) turn out to be, no dosing band of %s allows more than **%s mg a day**; the order gives **%s mg a day**."
								.formatted(name, mg(ceiling), mg(dose.dailyMg())),
						cards.source(medicine, call), List.of(), List.of(cards.link(medicine, call)), call));
			} else if (newPatient && plan.startingDailyMg() != null && dose.dailyMg().compareTo(plan.startingDailyMg()) > 0) {
				Correction correction = replace(draft, code, medicine, dose, plan.startingDailyMg(), "starting dose", call);
				found.add(cards.card("dose-above-start", CardFactory.Indicator.WARNING,
						"%s %s mg/day is above the recommended start of %s mg/day".formatted(
								CardFactory.capitalised(name), mg(dose.dailyMg()), mg(plan.startingDailyMg())),
						"This patient has no current order of %s, so this is a start. For this patient the recommended starting dose is **%s mg a day**.%s%s%s"
								.formatted(name, mg(plan.startingDailyMg()), correction.note(), checkedWith,
										statement(medicine, plan, "starting-dose")),
						cards.source(medicine, call),
						correction.suggestions(),
						List.of(cards.link(medicine, call)), call));
			}
			return found;
		}
		found.add(cards.card("dose-not-checked", CardFactory.Indicator.WARNING,
				"The dose of %s could not be checked".formatted(name),
				"The dose was not checked because %s. adhdkb does not guess a dose; add structured dosage instructions (a dose in mg and how often it is taken) to have it checked."
						.formatted(dose.problem()),
				cards.source(medicine, call), List.of(), List.of(cards.link(medicine, call)), call));
		for (Coding coding : code.getCoding()) {
			BigDecimal strength = DraftDose.unitStrengthMg(coding, medicine);
			if (strength != null && ceiling != null && strength.compareTo(ceiling) > 0) {
				found.add(cards.card("unit-above-maximum", CardFactory.Indicator.CRITICAL,
						"One unit of %s (%s mg) is above the maximum of %s mg/day".formatted(
								coding.hasDisplay() ? coding.getDisplay() : name, mg(strength), mg(ceiling)),
						"Even without readable dosage instructions this is certain: a single unit of the ordered product contains **%s mg**, and this patient's maximum is **%s mg a day**."
								.formatted(mg(strength), mg(ceiling)),
						cards.source(medicine, call), List.of(), List.of(cards.link(medicine, call)), call));
				break;
			}
		}
		return found;
	}

	private CardJson.Card weightNeeded(MedicationKnowledge medicine, HookData data, HookCall call) {
		ActivityDefinition measureWeight = artifacts.byCanonical(ActivityDefinition.class, MEASURE_WEIGHT, call.request());
		Resource request = applier.apply(measureWeight,
				data.applyContext(), data.record(), call.request());
		String name = CardFactory.name(medicine);
		return cards.card("weight-needed", CardFactory.Indicator.WARNING,
				"Weight needed to check the dose of " + name,
				"No usable body weight is recorded, and the dosing of %s for this patient depends on weight, so the weight-based maximum and starting dose were not checked. adhdkb does not guess a weight or a dose."
						.formatted(name),
				cards.source(medicine, call),
				List.of(cards.suggestion("Measure the patient's weight", List.of(cards.create(request, measureWeight.getTitle())))),
				List.of(cards.link(medicine, call)), call);
	}

	/** The dose was checked on a weight older than the content allows for this age: say so, and ask for a new one. */
	private CardJson.Card weightStale(MedicationKnowledge medicine, DoseInputs inputs, HookData data, HookCall call) {
		ActivityDefinition measureWeight = artifacts.byCanonical(ActivityDefinition.class, MEASURE_WEIGHT, call.request());
		Resource request = applier.apply(measureWeight, data.applyContext(), data.record(), call.request());
		String name = CardFactory.name(medicine);
		Period age = Period.between(inputs.weighedOn(), LocalDate.now());
		String ago = age.toTotalMonths() >= 1 ? age.toTotalMonths() + " months" : age.getDays() + " days";
		return cards.card("weight-stale", CardFactory.Indicator.WARNING,
				"Weight from %s is out of date: the dose of %s was checked on it".formatted(inputs.weighedOn(), name),
				("The newest body weight, **%s kg**, was measured on %s, %s ago. At %s years a weight stays current for %s "
						+ "(the content's *%s*, with its sources), and the dosing of %s for this patient depends on weight. The dose was checked against this "
						+ "old weight; weigh the patient and check it again.").formatted(
						inputs.weightKg().stripTrailingZeros().toPlainString(), inputs.weighedOn(), ago,
						inputs.ageYears().stripTrailingZeros().toPlainString(), months(inputs.currentFor()),
						measureWeight.getTitle(), name),
				cards.source(medicine, call),
				List.of(cards.suggestion("Measure the patient's weight", List.of(cards.create(request, measureWeight.getTitle())))),
				List.of(cards.link(medicine, call)), call);
	}

	private static String months(Period period) {
		return period.toTotalMonths() > 0 && period.getDays() == 0 ? period.toTotalMonths() + " months" : period.getDays() + " days";
	}

	/** What a dose card suggests: the corrected order, or nothing and why (said in the card's detail). */
	private record Correction(List<CardJson.Suggestion> suggestions, String note) {}

	/**
	 * The draft with the dose changed so that it orders at most {@code dailyMg} a day, in the same number of doses and
	 * with the same product: in whole units of the product when the order names one, in mg for an ingredient order.
	 */
	private Correction replace(MedicationRequest draft, CodeableConcept ordered, MedicationKnowledge medicine,
			DraftDose dose, BigDecimal dailyMg, String which, HookCall call) {
		ProductDose product = ProductDose.of(ordered, artifacts, call.request());
		if (product == null) {
			MedicationRequest corrected = dose.withDailyDose(draft, dailyMg);
			BigDecimal perDose = corrected.getDosageInstructionFirstRep().getDoseAndRateFirstRep().getDoseQuantity().getValue();
			return new Correction(List.of(cards.suggestion(changeLabel(mg(perDose) + " mg", dose, perDose), List.of(
					cards.update(corrected, "The same order with the %s: %s mg a day".formatted(which, mg(dailyMg)))))), "");
		}
		BigDecimal perDoseMg = dailyMg.divide(dose.administrations(), 6, java.math.RoundingMode.DOWN);
		BigDecimal units = product.unitsFor(perDoseMg);
		String productName = ordered.hasText() ? ordered.getText() : ordered.getCodingFirstRep().getDisplay();
		if (units.signum() <= 0) {
			List<String> smaller = product.smallerStrengths(medicine, perDoseMg, artifacts, call.request());
			return new Correction(List.of(), ("\n\nNo change of this order is suggested: %s cannot give %s mg or less per dose "
					+ "(%s).%s").formatted(productName, mg(perDoseMg.setScale(1, java.math.RoundingMode.DOWN)),
					product.step() == null ? "its dose is not counted in units"
							: "one %s holds %s mg".formatted(product.unitName(), mg(product.mgPerUnit())),
					smaller.isEmpty() ? "" : " Strengths of the same form that can: " + String.join(", ", smaller) + "."));
		}
		MedicationRequest corrected = product.apply(draft, units, dose.administrations());
		BigDecimal perDose = units.multiply(product.mgPerUnit());
		BigDecimal daily = perDose.multiply(dose.administrations());
		return new Correction(List.of(cards.suggestion(
				changeLabel(product.amount(units) + " (" + mg(perDose) + " mg)", dose, perDose),
				List.of(cards.update(corrected, "The same order of %s, %s %s: %s mg a day, the %s rounded down to whole doses"
						.formatted(productName, product.amount(units), ProductDose.often(dose.administrations()), mg(daily),
								which))))), "");
	}

	/** The label names the action, as the prescriber would say it: "Change to 1 capsule (40 mg) once daily". */
	private static String changeLabel(String amount, DraftDose dose, BigDecimal perDoseMg) {
		BigDecimal times = dose.administrations();
		String label = "Change to " + amount + " " + ProductDose.often(times);
		return times.compareTo(BigDecimal.ONE) > 0 && times.stripTrailingZeros().scale() <= 0
				? label + " (" + mg(perDoseMg.multiply(times)) + " mg a day)" : label;
	}

	/** The patient's current (active) order of the same medicine, other than the draft itself; null if none. */
	private MedicationRequest currentOrder(PatientRecord record, MedicationKnowledge medicine, MedicationRequest draft,
			HookCall call) {
		for (Resource resource : record.medications()) {
			if (resource instanceof MedicationRequest order && PatientRecord.isActive(order)
					&& !Objects.equals(order.getIdElement().getIdPart(), draft.getIdElement().getIdPart())) {
				MedicationKnowledge same = artifacts.medicineByCode(HookData.medicationCode(order), call.request());
				if (same != null && same.getIdElement().getIdPart().equals(medicine.getIdElement().getIdPart())) {
					return order;
				}
			}
		}
		return null;
	}

	/** The MedicationKnowledge's own words for a dose of the band, quoted as the reason. */
	private static String statement(MedicationKnowledge medicine, DosingPlan plan, String role) {
		for (var band : medicine.getAdministrationGuidelines()) {
			if (!Objects.equals(band.getId(), plan.band())) {
				continue;
			}
			for (var dosage : band.getDosage()) {
				if (dosage.getType().getCoding().stream().anyMatch(c -> role.equals(c.getCode()))) {
					for (Dosage d : dosage.getDosage()) {
						if (d.hasText()) {
							return "\n\n> " + d.getText();
						}
					}
				}
			}
		}
		return "";
	}

	private static String mg(BigDecimal value) {
		return value.stripTrailingZeros().toPlainString();
	}
}
