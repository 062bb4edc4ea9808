package org.adhdkb.cdshooks;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.adhdkb.guidance.GuidanceLogic;
import org.adhdkb.guidance.KnowledgeArtifacts;
import org.adhdkb.guidance.PatientRecord;
import org.adhdkb.medication.DosingCalculator;
import org.adhdkb.medication.DosingPlan;
import org.adhdkb.medication.PatientFacts;
import org.adhdkb.medication.ProductCatalog;
import org.adhdkb.medication.UnitStrength;
import org.hl7.fhir.r4.model.ActivityDefinition;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Dosage;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.stereotype.Component;

/**
 * order-select and order-sign: finds the product line of each draft MedicationRequest from its code (the line's
 * products, its own code, or an ingredient-only code: then every line of the ingredient), reads the ordered amount
 * with the product's strength ({@link DraftDose}, the fast path of Library AdhdOrderDose), checks it against the line's
 * dosing for this patient (maximum, starting dose for a new patient, dose unreadable, a unit that alone is too much),
 * then fires the content's eca-rules for it: interactions, follow-up, a weight that is missing or out of date
 * (PlanDefinition weight-for-dosing), a line the label does not recommend or dose for this patient, for which no dose
 * check runs (dosing-for-this-patient), and a product with an ADHD ingredient but no ADHD dosing here
 * (product-not-dosed). The patient's facts are the content's CQL ({@link #PATIENT_FACTS}); the doses are
 * {@link DosingCalculator}'s, the fast path of Library AdhdDosing. A medicationReference is already resolved
 * ({@link ReferencedMedications}, or 412).
 */
@Component
class OrderReview {

	static final String MEASURE_WEIGHT = "http://adhdkb.org/fhir/ActivityDefinition/measure-weight";
	/** The CQL that reads what dosing depends on from the record: age, weight and the dosing conditions. */
	static final String PATIENT_FACTS = "http://adhdkb.org/fhir/Library/AdhdPatientFacts";
	private static final List<String> FACTS = List.of("Age in years", "Body weight in kg", "Latest body weight", "Dosing conditions");
	private static final String USUAL_LIMIT = "http://adhdkb.org/fhir/StructureDefinition/usual-limit";

	private final KnowledgeArtifacts artifacts;
	private final EcaRules rules;
	private final CardFactory cards;

	OrderReview(KnowledgeArtifacts artifacts, EcaRules rules, CardFactory cards) {
		this.artifacts = artifacts;
		this.rules = rules;
		this.cards = cards;
	}

	/**
	 * What is checked for one order: the line whose knowledge is cited, the doses for this patient, the highest
	 * maximum whatever the patient's missing facts, and, for an order that names only an ingredient, that its limits
	 * are those of every line of the ingredient (empty for one line, whose band {@link DoseInputs} describes).
	 */
	private record Check(MedicationKnowledge medicine, DosingPlan plan, BigDecimal ceiling, String scope, boolean oneLine,
			boolean noBand) {}

	/** What dosing depends on, as the content's CQL reads it from the record, and the day of the weight it used. */
	private record RecordFacts(PatientFacts facts, LocalDate weighedOn) {}

	/**
	 * Age, weight and dosing conditions from Library AdhdPatientFacts over the call's data: the same reading of the
	 * record as the guidance's, with the conditions' codes and thresholds from CodeSystem patient-characteristic
	 * (the eGFR bounds of the renal bands, the metabolizer phenotype), never a second reading in Java.
	 */
	private static RecordFacts factsOf(GuidanceLogic.Definitions read) {
		read.evaluate(FACTS);
		BigDecimal age = read.value("Age in years") instanceof Integer years ? BigDecimal.valueOf(years) : null;
		BigDecimal weight = read.value("Body weight in kg") instanceof org.opencds.cqf.cql.engine.runtime.Quantity kg
				&& kg.getValue() != null ? kg.getValue().stripTrailingZeros() : null;
		LocalDate weighedOn = read.value("Latest body weight") instanceof Observation latest && weight != null
				&& PatientRecord.effective(latest).getTime() > 0
				? PatientRecord.effective(latest).toInstant().atOffset(ZoneOffset.UTC).toLocalDate() : null;
		Set<String> conditions = new HashSet<>();
		if (read.value("Dosing conditions") instanceof Iterable<?> codes) {
			codes.forEach(code -> conditions.add(String.valueOf(code)));
		}
		return new RecordFacts(new PatientFacts(age, weight, conditions), weighedOn);
	}

	List<CardJson.Card> review(HookRules hook, HookData data, HookCall call) {
		RecordFacts read = null; // read for the first order to check: a call without one needs no knowledge at all
		// one CQL session each for the record as it is (the facts; the rules before the orders) and with the orders
		// counted as taken (the rules), each started only when first asked; the second takes from the first what reads
		// no MedicationRequest (age, weight, conditions), so it is computed once
		HookData withOrders = data.withDraftOrdersActive(); // the rules see every order of the call as taken
		GuidanceLogic.Definitions asItIs = rules.scope(hook, data, call);
		GuidanceLogic.Definitions withOrdersScope = rules.scopeWithOrders(asItIs, withOrders);
		ProductCatalog catalog = artifacts.productCatalog(call.request());
		List<CardJson.Card> result = new ArrayList<>();
		Set<String> fired = new HashSet<>();
		for (MedicationRequest draft : data.draftOrders()) {
			Medication own = data.referencedMedication(draft);
			CodeableConcept code = HookData.medicationCode(draft, own);
			ProductCatalog.Ordered ordered = catalog.find(code, own);
			if (!ordered.checkable()) {
				if (ordered.withoutDosing()) {
					// an ADHD ingredient without ADHD dosing here: PlanDefinition product-not-dosed says so
					result.addAll(rules.fire(code, withOrders, withOrdersScope, call, fired));
				}
				continue; // no dose to check; no ADHD medicine at all: no rule to evaluate
			}
			if (read == null) {
				read = factsOf(asItIs);
			}
			PatientFacts facts = read.facts();
			Check check = check(ordered, facts);
			// a line the label does not recommend for this patient, or no band of it for them: no dose can be checked,
			// and PlanDefinition dosing-for-this-patient says why (AdhdOrderChecks)
			boolean notRecommended = check.oneLine() && !statement(check.medicine(), check.plan(), "not-recommended", null).isEmpty();
			if (!notRecommended && !check.noBand()) {
				DraftDose dose = doseOf(draft, ordered);
				MedicationRequest current = currentOrder(data, ordered, draft, catalog);
				ActivityDefinition measureWeight = artifacts.byCanonical(ActivityDefinition.class, MEASURE_WEIGHT, call.request());
				DoseInputs inputs = DoseInputs.of(read.weighedOn(), facts, check.medicine(), check.plan(), measureWeight);
				result.addAll(doseCards(draft, ordered, check, dose, current == null, inputs, catalog, call));
			}
			// a missing or out-of-date weight is content's (PlanDefinition weight-for-dosing), as is whether a renewal
			// that changes nothing fires a rule (AdhdOrderContext)
			result.addAll(rules.fire(code, withOrders, withOrdersScope, call, fired));
		}
		result.addAll(rules.fireForTakenMedicines(data, asItIs, withOrders, withOrdersScope, call, fired));
		return result;
	}

	private static DraftDose doseOf(MedicationRequest order, ProductCatalog.Ordered ordered) {
		MedicationKnowledge line = ordered.lines().isEmpty() ? null : ordered.lines().get(0);
		return DraftDose.of(order, UnitStrength.of(ordered.product(), line), ordered.name());
	}

	/** The doses of the one line ordered; for an ingredient-only order, what holds whichever of its lines it is. */
	private static Check check(ProductCatalog.Ordered ordered, PatientFacts facts) {
		if (ordered.lines().size() == 1) {
			MedicationKnowledge line = ordered.lines().get(0);
			DosingPlan plan = DosingCalculator.plan(line, facts);
			BigDecimal ceiling = plan.maximumDailyMg() != null ? plan.maximumDailyMg() : DosingCalculator.ceilingDailyMg(line, facts);
			return new Check(line, plan, ceiling, "", true, !plan.chosen() && !plan.missingWeight()); // band: in DoseInputs
		}
		MedicationKnowledge widest = null;
		BigDecimal maximum = BigDecimal.ZERO;
		BigDecimal starting = BigDecimal.ZERO;
		BigDecimal ceiling = BigDecimal.ZERO;
		boolean missingWeight = false;
		boolean noBand = true;
		for (MedicationKnowledge line : ordered.lines()) {
			DosingPlan plan = DosingCalculator.plan(line, facts);
			missingWeight |= plan.missingWeight();
			noBand &= !plan.chosen() && !plan.missingWeight();
			BigDecimal lineCeiling = plan.maximumDailyMg() != null ? plan.maximumDailyMg() : DosingCalculator.ceilingDailyMg(line, facts);
			if (maximum != null && plan.maximumDailyMg() != null && (widest == null || plan.maximumDailyMg().compareTo(maximum) > 0)) {
				widest = line;
			}
			maximum = higher(maximum, plan.maximumDailyMg());
			starting = higher(starting, plan.startingDailyMg());
			ceiling = higher(ceiling, lineCeiling);
		}
		// the widest line decides whether the highest maximum is a usual ceiling or an absolute one
		boolean usual = widest != null && DosingCalculator.plan(widest, facts).maximumIsUsual();
		DosingPlan plan = new DosingPlan(null, starting, null, maximum, usual ? null : maximum, null, null, missingWeight);
		return new Check(widest != null ? widest : ordered.lines().get(0), plan, ceiling,
				" (the highest limit of any of the %d product lines of %s, as the order names no product)".formatted(
						ordered.lines().size(), ordered.name()), false, noBand);
	}

	/** The higher of two limits; null (unknown) as soon as one is unknown: a limit is certain only if all are. */
	private static BigDecimal higher(BigDecimal a, BigDecimal b) {
		return a == null || b == null ? null : a.max(b);
	}

	private List<CardJson.Card> doseCards(MedicationRequest draft, ProductCatalog.Ordered ordered, Check check, DraftDose dose,
			boolean newPatient, DoseInputs inputs, ProductCatalog catalog, HookCall call) {
		MedicationKnowledge medicine = check.medicine();
		DosingPlan plan = check.plan();
		String checkedWith = "\n\n" + inputs.describe(LocalDate.now());
		String name = check.oneLine() ? CardFactory.name(medicine) : ordered.name();
		BigDecimal maximum = plan.maximumDailyMg();
		BigDecimal ceiling = check.ceiling();
		List<CardJson.Card> found = new ArrayList<>();
		if (dose.known()) {
			BigDecimal absolute = plan.absoluteMaximumDailyMg();
			if (maximum != null && dose.dailyMg().compareTo(maximum) > 0 && plan.maximumIsUsual()
					&& (absolute == null || dose.dailyMg().compareTo(absolute) <= 0)) {
				boolean start = newPatient && plan.startingDailyMg() != null;
				Correction correction = replace(draft, ordered, check, dose, start ? plan.startingDailyMg() : maximum,
						start ? "starting dose" : "usual ceiling", catalog);
				found.add(cards.card("dose-above-usual-maximum", CardFactory.Indicator.WARNING,
						"%s %s mg/day is above the usual ceiling of %s mg/day for this patient".formatted(
								CardFactory.capitalised(name), mg(dose.dailyMg()), mg(maximum)),
						("The order gives **%s mg a day**. For this patient%s the label's usual ceiling is **%s mg a day**: "
								+ "not an absolute maximum, but a dose above it is beyond the range the label usually "
								+ "recommends.%s%s%s%s").formatted(mg(dose.dailyMg()), check.scope(), mg(maximum),
								absolute == null ? "" : " The absolute maximum is **%s mg a day**.".formatted(mg(absolute)),
								correction.note(), checkedWith, statement(medicine, plan, "maximum-dose", true)),
						cards.source(medicine, call),
						correction.suggestions(),
						List.of(cards.link(medicine, call)), call));
			} else if (maximum != null && dose.dailyMg().compareTo(maximum) > 0) {
				BigDecimal hard = plan.maximumIsUsual() ? absolute : maximum; // above an absolute maximum
				BigDecimal corrected = newPatient && plan.startingDailyMg() != null ? plan.startingDailyMg() : maximum;
				Correction correction = replace(draft, ordered, check, dose, corrected,
						newPatient && plan.startingDailyMg() != null ? "starting dose" : "maximum", catalog);
				found.add(cards.card("dose-above-maximum", CardFactory.Indicator.CRITICAL,
						"%s %s mg/day is above the maximum of %s mg/day for this patient".formatted(
								CardFactory.capitalised(name), mg(dose.dailyMg()), mg(hard)),
						"The order gives **%s mg a day**. For this patient%s the maximum is **%s mg a day**%s.%s%s%s"
								.formatted(mg(dose.dailyMg()), check.scope(), mg(hard),
										hard.compareTo(maximum) > 0 ? " (and the label's usual ceiling %s mg a day)".formatted(mg(maximum)) : "",
										correction.note(), checkedWith, statement(medicine, plan, "maximum-dose", false)),
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
				Correction correction = replace(draft, ordered, check, dose, plan.startingDailyMg(), "starting dose", catalog);
				found.add(cards.card("dose-above-start", CardFactory.Indicator.WARNING,
						"%s %s mg/day is above the recommended start of %s mg/day".formatted(
								CardFactory.capitalised(name), mg(dose.dailyMg()), mg(plan.startingDailyMg())),
						"This patient has no current order of %s, so this is a start. For this patient%s the recommended starting dose is **%s mg a day**.%s%s%s"
								.formatted(name, check.scope(), mg(plan.startingDailyMg()), correction.note(), checkedWith,
										statement(medicine, plan, "starting-dose", null)),
						cards.source(medicine, call),
						correction.suggestions(),
						List.of(cards.link(medicine, call)), call));
			}
			return found;
		}
		found.add(cards.card("dose-not-checked", CardFactory.Indicator.WARNING,
				"The dose of %s could not be checked".formatted(name),
				"The dose was not checked because %s. adhdkb does not guess a dose; add structured dosage instructions (a dose in mg or in units of the product, and how often it is taken) to have it checked."
						.formatted(dose.problem()),
				cards.source(medicine, call), List.of(), List.of(cards.link(medicine, call)), call));
		UnitStrength strength = UnitStrength.of(ordered.product(), medicine);
		if (strength != null && strength.per() != UnitStrength.Per.ML && strength.per() != UnitStrength.Per.HOUR_OF_WEAR
				&& ceiling != null && strength.mg().compareTo(ceiling) > 0) {
			found.add(cards.card("unit-above-maximum", CardFactory.Indicator.CRITICAL,
					"One unit of %s (%s mg) is above the maximum of %s mg/day".formatted(ordered.name(), mg(strength.mg()), mg(ceiling)),
					"Even without readable dosage instructions this is certain: a single %s of the ordered product contains **%s mg**, and this patient's maximum is **%s mg a day**."
							.formatted(strength.per().words(), mg(strength.mg()), mg(ceiling)),
					cards.source(medicine, call), List.of(), List.of(cards.link(medicine, call)), call));
		}
		return found;
	}

	/** What a dose card suggests: the corrected order, or nothing and why (said in the card's detail). */
	private record Correction(List<CardJson.Suggestion> suggestions, String note) {}

	/**
	 * The draft with the dose changed so that it orders at most {@code dailyMg} a day, in the same number of doses and
	 * with the same product: in whole units of the product when the order names one, in mg for an ingredient order of
	 * one line. An ingredient order of several lines gets no suggestion: no product fixes its amount.
	 */
	private Correction replace(MedicationRequest draft, ProductCatalog.Ordered ordered, Check check, DraftDose dose,
			BigDecimal dailyMg, String which, ProductCatalog catalog) {
		if (!check.oneLine()) {
			return new Correction(List.of(), "\n\nNo change of this order is suggested: it names only the ingredient, "
					+ "and the amount that can be given depends on the product.");
		}
		ProductDose product = ProductDose.of(ordered.product(), check.medicine());
		if (product == null) {
			MedicationRequest corrected = dose.withDailyDose(draft, dailyMg);
			BigDecimal perDose = corrected.getDosageInstructionFirstRep().getDoseAndRateFirstRep().getDoseQuantity().getValue();
			return new Correction(List.of(cards.suggestion(changeLabel(mg(perDose) + " mg", dose, perDose), List.of(
					cards.update(corrected, "The same order with the %s: %s mg a day".formatted(which, mg(dailyMg)))))), "");
		}
		BigDecimal perDoseMg = dailyMg.divide(dose.administrations(), 6, RoundingMode.DOWN);
		BigDecimal units = product.unitsFor(perDoseMg);
		if (units.signum() <= 0) {
			List<String> smaller = product.smallerStrengths(catalog.productsOf(check.medicine()), check.medicine(), perDoseMg);
			return new Correction(List.of(), ("\n\nNo change of this order is suggested: %s cannot give %s mg or less per dose "
					+ "(%s).%s").formatted(ordered.name(), mg(perDoseMg.setScale(1, RoundingMode.DOWN)),
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
						.formatted(ordered.name(), product.amount(units), ProductDose.often(dose.administrations()), mg(daily),
								which))))), "");
	}

	/** The label names the action, as the prescriber would say it: "Change to 1 capsule (40 mg) once daily". */
	private static String changeLabel(String amount, DraftDose dose, BigDecimal perDoseMg) {
		BigDecimal times = dose.administrations();
		String label = "Change to " + amount + " " + ProductDose.often(times);
		return times.compareTo(BigDecimal.ONE) > 0 && times.stripTrailingZeros().scale() <= 0
				? label + " (" + mg(perDoseMg.multiply(times)) + " mg a day)" : label;
	}

	/** The patient's current (active) order of the same product line, other than the draft itself; null if none. */
	private MedicationRequest currentOrder(HookData data, ProductCatalog.Ordered ordered, MedicationRequest draft,
			ProductCatalog catalog) {
		Set<String> lines = new HashSet<>();
		ordered.lines().forEach(line -> lines.add(line.getIdElement().getIdPart()));
		for (Resource resource : data.record().medications()) {
			if (resource instanceof MedicationRequest order && PatientRecord.isActive(order)
					&& !Objects.equals(order.getIdElement().getIdPart(), draft.getIdElement().getIdPart())) {
				Medication own = data.referencedMedication(order);
				ProductCatalog.Ordered same = catalog.find(HookData.medicationCode(order, own), own);
				if (same.lines().stream().anyMatch(line -> lines.contains(line.getIdElement().getIdPart()))) {
					return order;
				}
			}
		}
		return null;
	}

	/**
	 * The MedicationKnowledge's own words for a dose of the band, quoted as the reason; for a maximum, those of a usual
	 * ceiling ({@code usual} true) or of an absolute one (false); null: any.
	 */
	private static String statement(MedicationKnowledge medicine, DosingPlan plan, String role, Boolean usual) {
		for (var band : medicine.getAdministrationGuidelines()) {
			if (!Objects.equals(band.getId(), plan.band())) {
				continue;
			}
			for (var dosage : band.getDosage()) {
				if (dosage.getType().getCoding().stream().anyMatch(c -> role.equals(c.getCode()))) {
					for (Dosage d : dosage.getDosage()) {
						if (d.hasText() && (usual == null || usual == d.hasExtension(USUAL_LIMIT))) {
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
