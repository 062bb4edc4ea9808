package org.adhdkb.cdshooks;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.adhdkb.guidance.KnowledgeArtifacts;
import org.adhdkb.guidance.PatientRecord;
import org.adhdkb.guidance.PlanApplier;
import org.adhdkb.guidance.ValueSetMembership;
import org.hl7.fhir.r4.model.ActivityDefinition;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.PlanDefinition.PlanDefinitionActionComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.RelatedArtifact;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.stereotype.Component;

/**
 * patient-view: what a clinician opening the record of a patient on ADHD medicines should see. Every window and
 * code comes from the content: the follow-up window of G3, the efficacy window of G1, the value sets of medicines
 * and findings, the measurement and taper ActivityDefinitions.
 */
@Component
class PatientViewReview {

	private static final String BASE = "http://adhdkb.org/fhir/";
	static final String ADHD_MEDICATIONS = BASE + "ValueSet/adhd-medications";
	static final String STIMULANTS = BASE + "ValueSet/adhd-stimulants";
	static final String NON_STIMULANT_REASONS = BASE + "ValueSet/non-stimulant-reasons";
	static final String FOLLOW_UP = BASE + "PlanDefinition/follow-up-after-change";
	static final String NON_STIMULANT_SELECTION = BASE + "PlanDefinition/non-stimulant-selection";
	static final String ATOMOXETINE_TITRATION = BASE + "PlanDefinition/atomoxetine-titration";
	static final String REBOUND = BASE + "PlanDefinition/rebound-and-discontinuation";
	static final String MEASURE_BLOOD_PRESSURE = BASE + "ActivityDefinition/measure-blood-pressure";
	static final String MEASURE_HEART_RATE = BASE + "ActivityDefinition/measure-heart-rate";
	/** The medication-class code of the medicines that are tapered rather than stopped at once. */
	static final String ALPHA_2_AGONIST = "alpha-2-adrenergic-agonist";

	private final KnowledgeArtifacts artifacts;
	private final PlanApplier applier;
	private final ValueSetMembership valueSets;
	private final CardFactory cards;

	PatientViewReview(KnowledgeArtifacts artifacts, PlanApplier applier, ValueSetMembership valueSets, CardFactory cards) {
		this.artifacts = artifacts;
		this.applier = applier;
		this.valueSets = valueSets;
		this.cards = cards;
	}

	List<CardJson.Card> review(HookData data, HookCall call) {
		List<MedicationRequest> adhdOrders = new ArrayList<>();
		for (Resource resource : data.record().medications()) {
			if (resource instanceof MedicationRequest order
					&& valueSets.anyIn(HookData.medicationCode(order).getCoding(), ADHD_MEDICATIONS)) {
				adhdOrders.add(order);
			}
		}
		if (adhdOrders.isEmpty()) {
			return List.of();
		}
		List<CardJson.Card> result = new ArrayList<>();
		vitalsSinceLastChange(adhdOrders, data, call).ifPresent(result::add);
		nonStimulantReasons(adhdOrders, data, call).ifPresent(result::add);
		tooEarlyToJudgeEfficacy(adhdOrders, call).ifPresent(result::add);
		result.addAll(afterStopping(adhdOrders, data, call));
		return result;
	}

	/** On an ADHD medicine, and no blood pressure or heart rate recorded since the last change (G3). */
	private Optional<CardJson.Card> vitalsSinceLastChange(List<MedicationRequest> orders, HookData data,
			HookCall call) {
		if (orders.stream().noneMatch(PatientRecord::isActive)) {
			return Optional.empty();
		}
		Date lastChange = orders.stream().map(PatientViewReview::changeDate).filter(Objects::nonNull)
				.max(Comparator.naturalOrder()).orElse(null);
		if (lastChange == null) {
			return Optional.empty();
		}
		List<ActivityDefinition> missing = new ArrayList<>();
		for (String measurement : List.of(MEASURE_BLOOD_PRESSURE, MEASURE_HEART_RATE)) {
			ActivityDefinition activity = artifacts.byCanonical(ActivityDefinition.class, measurement, call.request());
			boolean measured = data.record().observations().stream()
					.anyMatch(o -> PatientRecord.usable(o) && sharesCoding(o.getCode(), activity.getCode())
							&& !PatientRecord.effective(o).before(lastChange));
			if (!measured) {
				missing.add(activity);
			}
		}
		if (missing.isEmpty()) {
			return Optional.empty();
		}
		PlanDefinition followUp = artifacts.byCanonical(PlanDefinition.class, FOLLOW_UP, call.request());
		List<String> what = missing.stream().map(a -> a.getTitle().replaceFirst("^Measure ", "").toLowerCase()).toList();
		List<CardJson.Action> creates = new ArrayList<>();
		for (ActivityDefinition activity : missing) {
			creates.add(cards.create(applier.apply(activity, data.applyContext(), data.record(), call.request()), activity.getTitle()));
		}
		return Optional.of(cards.card("vitals-since-change", CardFactory.Indicator.WARNING,
				"No %s recorded since the ADHD medication change on %s".formatted(String.join(" or ", what), day(lastChange)),
				followUp.getDescription(), cards.source(followUp, call),
				List.of(cards.suggestion("Measure " + String.join(" and ", what), creates)),
				List.of(cards.link(followUp, call)), call));
	}

	/** On a stimulant with findings that favour a norepinephrine-targeting non-stimulant (G5). */
	private Optional<CardJson.Card> nonStimulantReasons(List<MedicationRequest> orders, HookData data,
			HookCall call) {
		boolean onStimulant = orders.stream().anyMatch(o -> PatientRecord.isActive(o)
				&& valueSets.anyIn(HookData.medicationCode(o).getCoding(), STIMULANTS));
		if (!onStimulant) {
			return Optional.empty();
		}
		Set<String> findings = new LinkedHashSet<>();
		for (Condition condition : data.conditions()) {
			if (current(condition)) {
				findings.addAll(displaysIn(condition.getCode()));
			}
		}
		for (Observation observation : data.record().observations()) {
			if (PatientRecord.usable(observation)) {
				findings.addAll(displaysIn(observation.getCode()));
				if (observation.hasValueCodeableConcept()) {
					findings.addAll(displaysIn(observation.getValueCodeableConcept()));
				}
			}
		}
		if (findings.isEmpty()) {
			return Optional.empty();
		}
		PlanDefinition selection = artifacts.byCanonical(PlanDefinition.class, NON_STIMULANT_SELECTION, call.request());
		List<CardJson.Link> links = new ArrayList<>(List.of(cards.link(selection, call)));
		MedicationKnowledge alternative = dependsOn(selection, call);
		if (alternative != null) {
			links.add(cards.link(alternative, call));
		}
		return Optional.of(cards.card("non-stimulant-reasons", CardFactory.Indicator.INFO,
				"On a stimulant with %s: consider a norepinephrine-targeting non-stimulant"
						.formatted(String.join(", ", findings).toLowerCase()),
				selection.getDescription(), cards.source(selection, call), List.of(), links, call));
	}

	/** Atomoxetine started less than the efficacy window of G1 ago: too early to judge whether it works. */
	private Optional<CardJson.Card> tooEarlyToJudgeEfficacy(List<MedicationRequest> orders, HookCall call) {
		PlanDefinition titration = artifacts.byCanonical(PlanDefinition.class, ATOMOXETINE_TITRATION, call.request());
		MedicationKnowledge medicine = dependsOn(titration, call);
		PlanDefinitionActionComponent review = null;
		Range window = null;
		for (PlanDefinitionActionComponent action : titration.getAction()) {
			for (var related : action.getRelatedAction()) {
				if (related.getOffset() instanceof Range range) {
					review = action;
					window = range;
				}
			}
		}
		if (medicine == null || review == null) {
			return Optional.empty();
		}
		List<MedicationRequest> course = orders.stream().filter(o -> sameMedicine(o, medicine, call)).toList();
		if (course.stream().noneMatch(PatientRecord::isActive)) {
			return Optional.empty();
		}
		Date started = course.stream().filter(MedicationRequest::hasAuthoredOn).map(MedicationRequest::getAuthoredOn)
				.min(Comparator.naturalOrder()).orElse(null);
		if (started == null) {
			return Optional.empty();
		}
		long daysOn = Duration.between(started.toInstant(), Instant.now()).toDays();
		if (daysOn >= days(window.getHigh())) {
			return Optional.empty();
		}
		return Optional.of(cards.card("too-early-to-judge", CardFactory.Indicator.INFO,
				"%s started %d weeks ago: too early to judge efficacy (judge after %s to %s weeks)".formatted(
						CardFactory.capitalised(CardFactory.name(medicine)), daysOn / 7,
						window.getLow().getValue().toPlainString(), window.getHigh().getValue().toPlainString()),
				review.getDescription(), cards.source(titration, call), List.of(),
				List.of(cards.link(titration, call), cards.link(medicine, call)), call));
	}

	/** A medicine stopped within the follow-up window: rebound after a stimulant, an alpha-2 agonist without taper. */
	private List<CardJson.Card> afterStopping(List<MedicationRequest> orders, HookData data, HookCall call) {
		PlanDefinition followUp = artifacts.byCanonical(PlanDefinition.class, FOLLOW_UP, call.request());
		Quantity windowEnd = followUp.getActionFirstRep().getActionFirstRep().getTimingRange().getHigh();
		Instant since = Instant.now().minus(Duration.ofDays(days(windowEnd)));
		PlanDefinition rebound = artifacts.byCanonical(PlanDefinition.class, REBOUND, call.request());

		Map<String, List<MedicationRequest>> byMedicine = new LinkedHashMap<>();
		Map<String, MedicationKnowledge> medicines = new LinkedHashMap<>();
		for (MedicationRequest order : orders) {
			MedicationKnowledge medicine = artifacts.medicineByCode(HookData.medicationCode(order), call.request());
			if (medicine != null) {
				String id = medicine.getIdElement().getIdPart();
				byMedicine.computeIfAbsent(id, k -> new ArrayList<>()).add(order);
				medicines.put(id, medicine);
			}
		}
		List<CardJson.Card> result = new ArrayList<>();
		for (var entry : byMedicine.entrySet()) {
			List<MedicationRequest> course = entry.getValue();
			if (course.stream().anyMatch(PatientRecord::isActive)) {
				continue;
			}
			Date stopped = course.stream().filter(PatientViewReview::ended).map(PatientViewReview::endDate)
					.filter(Objects::nonNull).max(Comparator.naturalOrder()).orElse(null);
			if (stopped == null || stopped.toInstant().isBefore(since)) {
				continue;
			}
			MedicationKnowledge medicine = medicines.get(entry.getKey());
			String name = CardFactory.name(medicine);
			boolean stimulant = course.stream().anyMatch(o -> valueSets.anyIn(HookData.medicationCode(o).getCoding(), STIMULANTS));
			if (stimulant) {
				PlanDefinitionActionComponent recognise = rebound.getActionFirstRep();
				ActivityDefinition assess = artifacts.byCanonical(ActivityDefinition.class,
						recognise.getDefinitionCanonicalType().getValue(), call.request());
				result.add(cards.card("rebound-after-stopping", CardFactory.Indicator.WARNING,
						"%s stopped on %s: watch for rebound".formatted(CardFactory.capitalised(name), day(stopped)),
						recognise.getDescription(), cards.source(rebound, call),
						List.of(cards.suggestion(assess.getTitle(), List.of(cards.create(
								applier.apply(assess, data.applyContext(), data.record(), call.request()), assess.getTitle())))),
						List.of(cards.link(rebound, call), cards.link(medicine, call)), call));
			} else if (isAlpha2Agonist(medicine) && !tapered(course)) {
				PlanDefinitionActionComponent stop = stepFor(rebound, medicine, call);
				List<CardJson.Suggestion> suggestions = new ArrayList<>();
				if (stop != null) {
					ActivityDefinition taper = artifacts.byCanonical(ActivityDefinition.class,
							stop.getDefinitionCanonicalType().getValue(), call.request());
					suggestions.add(cards.suggestion(taper.getTitle(), List.of(cards.create(
							applier.apply(taper, data.applyContext(), data.record(), call.request()), taper.getTitle()))));
				}
				result.add(cards.card("stopped-without-taper", CardFactory.Indicator.WARNING,
						"%s was stopped on %s without a taper: watch for rebound".formatted(
								CardFactory.capitalised(name), day(stopped)),
						stop != null ? stop.getDescription() : rebound.getDescription(), cards.source(rebound, call),
						suggestions, List.of(cards.link(rebound, call), cards.link(medicine, call)), call));
			}
		}
		return result;
	}

	/** The stopping step of G7 whose ActivityDefinition depends on this medicine. */
	private PlanDefinitionActionComponent stepFor(PlanDefinition rebound, MedicationKnowledge medicine, HookCall call) {
		for (PlanDefinitionActionComponent group : rebound.getAction()) {
			for (PlanDefinitionActionComponent step : group.getAction()) {
				if (!step.hasDefinitionCanonicalType()) {
					continue;
				}
				ActivityDefinition activity = artifacts.byCanonical(ActivityDefinition.class,
						step.getDefinitionCanonicalType().getValue(), call.request());
				for (RelatedArtifact related : activity.getRelatedArtifact()) {
					if (related.getType() == RelatedArtifact.RelatedArtifactType.DEPENDSON
							&& related.getResource() != null
							&& related.getResource().endsWith("/MedicationKnowledge/" + medicine.getIdElement().getIdPart())) {
						return step;
					}
				}
			}
		}
		return null;
	}

	private MedicationKnowledge dependsOn(PlanDefinition plan, HookCall call) {
		for (RelatedArtifact related : plan.getRelatedArtifact()) {
			if (related.getType() == RelatedArtifact.RelatedArtifactType.DEPENDSON && related.hasResource()
					&& related.getResource().contains("/MedicationKnowledge/")) {
				return artifacts.byCanonical(MedicationKnowledge.class, related.getResource(), call.request());
			}
		}
		return null;
	}

	private boolean sameMedicine(MedicationRequest order, MedicationKnowledge medicine, HookCall call) {
		MedicationKnowledge ordered = artifacts.medicineByCode(HookData.medicationCode(order), call.request());
		return ordered != null && ordered.getIdElement().getIdPart().equals(medicine.getIdElement().getIdPart());
	}

	private List<String> displaysIn(CodeableConcept concept) {
		List<String> found = new ArrayList<>();
		for (Coding coding : concept.getCoding()) {
			if (valueSets.anyIn(List.of(coding), NON_STIMULANT_REASONS)) {
				found.add(coding.hasDisplay() ? coding.getDisplay() : coding.getCode());
			}
		}
		return found;
	}

	private static boolean isAlpha2Agonist(MedicationKnowledge medicine) {
		return medicine.getMedicineClassification().stream()
				.flatMap(c -> c.getClassification().stream())
				.flatMap(c -> c.getCoding().stream())
				.anyMatch(c -> ALPHA_2_AGONIST.equals(c.getCode()));
	}

	/** Tapered: the last order of the course asked for less a day than the one before it. */
	private static boolean tapered(List<MedicationRequest> course) {
		List<MedicationRequest> sorted = course.stream().filter(MedicationRequest::hasAuthoredOn)
				.sorted(Comparator.comparing(MedicationRequest::getAuthoredOn)).toList();
		if (sorted.size() < 2) {
			return false;
		}
		DraftDose last = DraftDose.of(sorted.get(sorted.size() - 1));
		DraftDose before = DraftDose.of(sorted.get(sorted.size() - 2));
		return last.known() && before.known() && last.dailyMg().compareTo(before.dailyMg()) < 0;
	}

	private static boolean current(Condition condition) {
		String clinical = condition.getClinicalStatus().getCodingFirstRep().getCode();
		String verification = condition.getVerificationStatus().getCodingFirstRep().getCode();
		return (clinical == null || Set.of("active", "recurrence", "relapse").contains(clinical))
				&& (verification == null || !Set.of("refuted", "entered-in-error").contains(verification));
	}

	private static boolean ended(MedicationRequest order) {
		return order.getStatus() == MedicationRequest.MedicationRequestStatus.STOPPED
				|| order.getStatus() == MedicationRequest.MedicationRequestStatus.COMPLETED;
	}

	/** When an order ended: the end of its validity period or of its dosage bounds; null when it does not say. */
	private static Date endDate(MedicationRequest order) {
		if (order.getDispenseRequest().getValidityPeriod().hasEnd()) {
			return order.getDispenseRequest().getValidityPeriod().getEnd();
		}
		for (var dosage : order.getDosageInstruction()) {
			if (dosage.getTiming().getRepeat().hasBoundsPeriod() && dosage.getTiming().getRepeat().getBoundsPeriod().hasEnd()) {
				return dosage.getTiming().getRepeat().getBoundsPeriod().getEnd();
			}
		}
		return null;
	}

	/** When an order changed the treatment: its end for an ended order, else when it was written. */
	private static Date changeDate(MedicationRequest order) {
		Date end = ended(order) ? endDate(order) : null;
		return end != null ? end : order.getAuthoredOn();
	}

	private static boolean sharesCoding(CodeableConcept a, CodeableConcept b) {
		return a.getCoding().stream().anyMatch(x -> b.getCoding().stream()
				.anyMatch(y -> Objects.equals(x.getSystem(), y.getSystem()) && Objects.equals(x.getCode(), y.getCode())));
	}

	private static long days(Quantity duration) {
		long value = duration.getValue().longValue();
		return switch (duration.getCode()) {
			case "wk" -> value * 7;
			case "mo" -> value * 30;
			case "h" -> Math.max(1, value / 24);
			default -> value;
		};
	}

	private static String day(Date date) {
		return date.toInstant().atOffset(ZoneOffset.UTC).toLocalDate().toString();
	}
}
