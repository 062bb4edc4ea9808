package org.adhdkb.cdshooks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.param.TokenParam;
import org.adhdkb.cache.ChangeCounter;
import org.adhdkb.cache.VersionedCache;
import org.adhdkb.guidance.GuidanceLogic;
import org.adhdkb.guidance.KnowledgeArtifacts;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.hl7.fhir.r4.model.RelatedArtifact;
import org.adhdkb.guidance.PatientRecord;
import org.adhdkb.guidance.PlanApplier;
import org.adhdkb.guidance.ValueSetMembership;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.ActivityDefinition;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DataRequirement;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.PlanDefinition.PlanDefinitionActionComponent;
import org.hl7.fhir.r4.model.RequestGroup;
import org.hl7.fhir.r4.model.RequestGroup.RequestGroupActionComponent;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.TriggerDefinition;
import org.springframework.stereotype.Component;

/**
 * Fires the content's event-condition-action rules (PlanDefinitions of type eca-rule) for an order: a rule whose
 * action has a named-event trigger for the hook, with a data requirement whose value set holds the ordered code,
 * is applied to the patient with our $apply engine, and what applies becomes cards. An action whose sub-actions are
 * alternatives (selectionBehavior any) gives a card per sub-action that applies; any other gives one card whose
 * suggestion creates all its requests.
 */
@Component
class EcaRules {

	private static final String ECA_RULE = "eca-rule";

	private final DaoRegistry daoRegistry;
	private final PlanApplier applier;
	private final ValueSetMembership valueSets;
	private final CardFactory cards;
	private final KnowledgeArtifacts artifacts;
	private final VersionedCache<String, List<PlanDefinition>> rules;
	private final GuidanceLogic logic;
	private final ChangeCounter changeCounter;

	EcaRules(DaoRegistry daoRegistry, PlanApplier applier, ValueSetMembership valueSets, CardFactory cards,
			KnowledgeArtifacts artifacts, ChangeCounter changeCounter, GuidanceLogic logic) {
		this.logic = logic;
		this.changeCounter = changeCounter;
		this.artifacts = artifacts;
		this.daoRegistry = daoRegistry;
		this.applier = applier;
		this.valueSets = valueSets;
		this.cards = cards;
		this.rules = new VersionedCache<>(changeCounter, 4);
	}

	/**
	 * The CQL of all the hook's rules over one version of the call's data (with or without the draft orders counted as
	 * taken), in one engine session with the hook's knowledge and the draft orders as the parameter {@code draftOrders}:
	 * what the rules share (the patient's facts) is evaluated once per call, not once per rule, and what reads only the
	 * knowledge once per content version.
	 */
	GuidanceLogic.Definitions scope(HookRules hook, HookData data, HookCall call) {
		return scope(hook, data, call, Map.of());
	}

	/** As {@link #scope(HookRules, HookData, HookCall)}, with more CQL parameters (an engine's fast paths). */
	GuidanceLogic.Definitions scope(HookRules hook, HookData data, HookCall call, Map<String, Object> moreParameters) {
		Map<String, Object> parameters = new HashMap<>(data.applyContext().parameters());
		parameters.putAll(moreParameters);
		return logic.definitions(hook.libraries(), data.patientData(), hook.knowledge(), parameters, call.request());
	}

	/**
	 * As {@link #scope}, over {@code withOrders} ({@link HookData#withDraftOrdersActive()} of the data of
	 * {@code asItIs}): what does not read MedicationRequests is taken from {@code asItIs}, not evaluated again.
	 */
	GuidanceLogic.Definitions scopeWithOrders(GuidanceLogic.Definitions asItIs, HookData withOrders) {
		return asItIs.beside(withOrders.patientData(), HookData.CHANGED_BY_DRAFT_ORDERS);
	}

	/**
	 * Cards of the rules the order fires, evaluated in {@code scope} (over {@code data}, see {@link #scope});
	 * {@code fired} keeps a rule from firing twice in one call.
	 */
	List<CardJson.Card> fire(CodeableConcept ordered, HookData data, GuidanceLogic.Definitions scope, HookCall call,
			Set<String> fired) {
		List<CardJson.Card> result = new ArrayList<>();
		for (PlanDefinition rule : rules(call.request())) {
			for (PlanDefinitionActionComponent action : rule.getAction()) {
				if (triggeredBy(action, call, ordered) && fired.add(rule.getUrl() + "#" + action.getId())) {
					result.addAll(cardsOf(rule, action, data, scope, call));
				}
			}
		}
		return result;
	}

	/**
	 * Rules triggered by a medicine the patient already takes, fired by orders that make their condition true: an SSRI
	 * ordered for a patient on atomoxetine. Only the cards that the orders add are given ({@code withOrders} is the
	 * data with the draft orders counted as taken, see {@link HookData#withDraftOrdersActive()}), so an unrelated order
	 * does not repeat what was already true before it.
	 */
	List<CardJson.Card> fireForTakenMedicines(HookData withoutOrders, GuidanceLogic.Definitions withoutScope,
			HookData withOrders, GuidanceLogic.Definitions withScope, HookCall call, Set<String> fired) {
		List<CardJson.Card> result = new ArrayList<>();
		for (PlanDefinition rule : rules(call.request())) {
			for (PlanDefinitionActionComponent action : rule.getAction()) {
				String key = rule.getUrl() + "#" + action.getId();
				if (fired.contains(key) || !triggeredByTaken(action, call, withoutOrders)) {
					continue;
				}
				List<CardJson.Card> after = cardsOf(rule, action, withOrders, withScope, call);
				if (after.isEmpty()) {
					continue;
				}
				Set<String> before = new java.util.HashSet<>();
				cardsOf(rule, action, withoutOrders, withoutScope, call).forEach(card -> before.add(card.kind()));
				List<CardJson.Card> added = after.stream().filter(card -> !before.contains(card.kind())).toList();
				if (!added.isEmpty()) {
					fired.add(key);
					result.addAll(added);
				}
			}
		}
		return result;
	}

	private boolean triggeredByTaken(PlanDefinitionActionComponent action, HookCall call, HookData data) {
		for (Resource medication : data.record().medications()) {
			if (PatientRecord.isActive(medication)
					&& triggeredBy(action, call, PatientRecord.medicationCode(medication))) {
				return true;
			}
		}
		return false;
	}

	/**
	 * A hook without draft orders (patient-view): every rule of the hook is evaluated, the CQL of all of them once (one
	 * engine context over the record and the knowledge their Libraries read), and each top-level action triggered by
	 * the hook whose conditions hold becomes cards, as docs/eca-rules.md says.
	 */
	List<CardJson.Card> fireAll(HookRules hook, HookData data, HookCall call) {
		GuidanceLogic.Definitions scope =
				logic.definitions(hook.libraries(), data.patientData(), hook.knowledge(), call.request());
		// First the rules' own conditions, all in one evaluation; then, for the rules that fire, what their actions read.
		List<PlanDefinitionActionComponent> triggered = new ArrayList<>();
		for (PlanDefinition rule : hook.rules()) {
			for (PlanDefinitionActionComponent action : rule.getAction()) {
				if (triggeredWithoutOrder(action, call.hook())) {
					triggered.add(action);
				}
			}
		}
		Set<String> conditions = new java.util.LinkedHashSet<>();
		triggered.forEach(action -> conditions.addAll(conditionNames(action)));
		scope.evaluate(conditions);
		Set<PlanDefinitionActionComponent> firing = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
		for (PlanDefinitionActionComponent action : triggered) {
			if (holds(action, scope)) {
				firing.add(action);
			}
		}
		if (firing.isEmpty()) {
			return List.of();
		}
		Set<String> read = new java.util.LinkedHashSet<>();
		firing.forEach(a -> collectNames(a, read));
		scope.evaluate(read);
		List<CardJson.Card> result = new ArrayList<>();
		for (PlanDefinition rule : hook.rules()) {
			CarePlan applied = null;
			for (PlanDefinitionActionComponent action : rule.getAction()) {
				if (!firing.contains(action)) {
					continue;
				}
				if (applied == null) {
					applied = applier.apply(rule, data.applyContext(), data.record(), scope, call.request());
				}
				result.addAll(cardsOf(rule, action, applied, data, call));
			}
		}
		return result;
	}

	/** The CQL definitions an action's applicability conditions name. */
	private static List<String> conditionNames(PlanDefinitionActionComponent action) {
		List<String> names = new ArrayList<>();
		for (var condition : action.getCondition()) {
			if (condition.getKind() == PlanDefinition.ActionConditionKind.APPLICABILITY && condition.hasExpression()
					&& condition.getExpression().hasExpression()) {
				names.add(condition.getExpression().getExpression());
			}
		}
		return names;
	}

	/** Whether every applicability condition of the action holds (as {@link PlanApplier} decides it). */
	private static boolean holds(PlanDefinitionActionComponent action, GuidanceLogic.Definitions scope) {
		for (var condition : action.getCondition()) {
			if (condition.getKind() == PlanDefinition.ActionConditionKind.APPLICABILITY && condition.hasExpression()
					&& !scope.isTrue(condition.getExpression())) {
				return false;
			}
		}
		return true;
	}

	/** Every definition the action and its sub-actions name, in conditions and dynamic values. */
	private static void collectNames(PlanDefinitionActionComponent action, Set<String> into) {
		into.addAll(conditionNames(action));
		for (var dynamicValue : action.getDynamicValue()) {
			if (dynamicValue.hasExpression() && dynamicValue.getExpression().hasExpression()) {
				into.add(dynamicValue.getExpression().getExpression());
			}
		}
		action.getAction().forEach(child -> collectNames(child, into));
	}

	/** The active eca-rule PlanDefinitions of the content, by url; shared: do not modify. */
	List<PlanDefinition> rules(RequestDetails request) {
		return rules.get(ECA_RULE, changeCounter.current(request), key -> {
			SearchParameterMap map = SearchParameterMap.newSynchronous()
					.add("type", new TokenParam("http://terminology.hl7.org/CodeSystem/plan-definition-type", ECA_RULE))
					.add("status", new TokenParam("active"));
			List<PlanDefinition> found = new ArrayList<>();
			for (IBaseResource resource : daoRegistry.getResourceDao("PlanDefinition").search(map, request)
					.getAllResources()) {
				found.add((PlanDefinition) resource);
			}
			found.sort(java.util.Comparator.comparing(PlanDefinition::getUrl));
			return List.copyOf(found);
		});
	}

	/** Whether the hook names the action in a trigger without data (a rule evaluated on every call of the hook). */
	static boolean triggeredWithoutOrder(PlanDefinitionActionComponent action, String hook) {
		return action.getTrigger().stream().anyMatch(t -> t.getType() == TriggerDefinition.TriggerType.NAMEDEVENT
				&& hook.equals(t.getName()) && t.getData().isEmpty());
	}

	/** Whether the hook names the action in a trigger (with or without data). */
	static boolean triggeredByHook(PlanDefinitionActionComponent action, String hook) {
		return action.getTrigger().stream().anyMatch(t -> t.getType() == TriggerDefinition.TriggerType.NAMEDEVENT
				&& hook.equals(t.getName()));
	}

	private boolean triggeredBy(PlanDefinitionActionComponent action, HookCall call, CodeableConcept code) {
		for (TriggerDefinition trigger : action.getTrigger()) {
			if (trigger.getType() != TriggerDefinition.TriggerType.NAMEDEVENT || !call.hook().equals(trigger.getName())) {
				continue;
			}
			if (trigger.getData().isEmpty()) {
				return true;
			}
			for (DataRequirement data : trigger.getData()) {
				for (DataRequirement.DataRequirementCodeFilterComponent filter : data.getCodeFilter()) {
					if (filter.hasValueSet() && valueSets.anyIn(code.getCoding(), filter.getValueSet(), call.request())) {
						return true;
					}
				}
			}
		}
		return false;
	}

	private List<CardJson.Card> cardsOf(PlanDefinition rule, PlanDefinitionActionComponent action, HookData data,
			GuidanceLogic.Definitions scope, HookCall call) {
		return cardsOf(rule, action, applier.apply(rule, data.applyContext(), data.record(), scope, call.request()), data,
				call);
	}

	private List<CardJson.Card> cardsOf(PlanDefinition rule, PlanDefinitionActionComponent action, CarePlan applied,
			HookData data, HookCall call) {
		RequestGroup group = (RequestGroup) applied.getContained().stream()
				.filter(r -> r instanceof RequestGroup).findFirst().orElseThrow();
		Map<String, Resource> requests = new HashMap<>();
		applied.getContained().forEach(r -> requests.put("#" + r.getIdPart(), r));

		List<CardJson.Card> result = new ArrayList<>();
		for (RequestGroupActionComponent top : group.getAction()) {
			if (!action.getId().equals(top.getId())) {
				continue; // the rule's condition did not hold, or this is another action of the rule
			}
			if (action.getSelectionBehavior() == PlanDefinition.ActionSelectionBehavior.ANY) {
				top.getAction().forEach(child -> result.add(card(rule, child, requests, data, call)));
			} else {
				result.add(card(rule, top, requests, data, call));
			}
		}
		return result;
	}

	private CardJson.Card card(PlanDefinition rule, RequestGroupActionComponent action, Map<String, Resource> requests,
			HookData data, HookCall call) {
		List<CardJson.Action> actions = new ArrayList<>();
		List<MedicationRequest> updated = new ArrayList<>();
		List<RequestGroupActionComponent> creating = new ArrayList<>();
		List<String> changes = new ArrayList<>();
		collectRequests(action, requests, data, call, actions, updated, creating, changes);
		String label = !changes.isEmpty() ? String.join("; ", changes)
				: updated.isEmpty() ? label(rule, creating, call) : "Add to this order: " + firstSentence(action.getDescription());
		List<CardJson.Suggestion> suggestions = actions.isEmpty()
				? List.of()
				: List.of(cards.suggestion(label, actions));
		return cards.card(action.getId(), CardFactory.Indicator.of(action.getPriority()), action.getTitle(), action.getDescription(),
				cards.source(rule, call), suggestions, links(rule, action, call), call);
	}

	/**
	 * The rule's page, then the knowledge it names in relatedArtifact (a guidance, an activity, a medicine, a value
	 * set), then what the applied action's documentation names (from a dynamicValue: the product line the card is about).
	 */
	private List<CardJson.Link> links(PlanDefinition rule, RequestGroupActionComponent applied, HookCall call) {
		List<CardJson.Link> links = new ArrayList<>(List.of(cards.link(rule, call)));
		List<RelatedArtifact> named = new ArrayList<>(rule.getRelatedArtifact());
		named.addAll(applied.getDocumentation());
		for (RelatedArtifact related : named) {
			String canonical = related.getResource();
			CardJson.Link link = null;
			if (canonical == null) {
				continue;
			}
			if (canonical.contains("/PlanDefinition/")) {
				link = cards.link(artifacts.byCanonical(PlanDefinition.class, canonical, call.request()), call);
			} else if (canonical.contains("/MedicationKnowledge/")) {
				link = cards.link(artifacts.byCanonical(MedicationKnowledge.class, canonical, call.request()), call);
			} else if (canonical.contains("/ActivityDefinition/")) {
				link = cards.link(artifacts.byCanonical(ActivityDefinition.class, canonical, call.request()), call);
			} else if (canonical.contains("/ValueSet/")) {
				link = cards.link(artifacts.byCanonical(org.hl7.fhir.r4.model.ValueSet.class, canonical, call.request()), call);
			}
			if (link != null && !links.contains(link)) {
				links.add(link);
			}
		}
		return links;
	}

	/**
	 * A proposed order of a medicine the call already orders becomes an update of that draft, with the action's advice
	 * as a note: never a second order of the same medicine beside the draft. A proposal whose priorPrescription names a
	 * draft of the call changes that draft's dosage instructions to its own (the corrected dose of PlanDefinition
	 * dose-limits), keeping everything else the prescriber wrote (product, text, dispense); the action's title names
	 * the change ({@code changes}, the suggestion's label).
	 */
	private void collectRequests(RequestGroupActionComponent action, Map<String, Resource> requests, HookData data,
			HookCall call, List<CardJson.Action> into, List<MedicationRequest> updated,
			List<RequestGroupActionComponent> creating, List<String> changes) {
		if (action.hasResource() && requests.containsKey(action.getResource().getReference())) {
			Resource request = requests.get(action.getResource().getReference());
			MedicationRequest changed = request instanceof MedicationRequest proposed ? draftChangedBy(proposed, data) : null;
			MedicationRequest draft = request instanceof MedicationRequest proposed ? draftOfSame(proposed, data, call) : null;
			if (changed != null) {
				if (!updated.contains(changed)) {
					MedicationRequest corrected = changed.copy();
					corrected.setDosageInstruction(new ArrayList<>());
					((MedicationRequest) request).getDosageInstruction().forEach(d -> corrected.addDosageInstruction(d.copy()));
					into.add(cards.update(corrected, action.getDescription()));
					updated.add(changed);
					changes.add(action.getTitle());
				}
			} else if (draft == null && request instanceof MedicationRequest proposed && alreadyTaken(proposed, data, call)) {
				// advice about a medicine the patient already takes: the card says it; a second order would be wrong
			} else if (draft == null) {
				into.add(cards.create(request, action.getTitle()));
				creating.add(action);
			} else if (!updated.contains(draft)) {
				MedicationRequest noted = draft.copy();
				noted.addNote().setText(action.getDescription());
				into.add(cards.update(noted, "This order, with the note: " + action.getDescription()));
				updated.add(draft);
			}
		}
		action.getAction().forEach(child -> collectRequests(child, requests, data, call, into, updated, creating, changes));
	}

	/** The draft order of the call that the proposal's priorPrescription names (by id), with dosage to change it to. */
	private static MedicationRequest draftChangedBy(MedicationRequest proposed, HookData data) {
		if (!proposed.hasPriorPrescription() || !proposed.hasDosageInstruction()) {
			return null;
		}
		String id = proposed.getPriorPrescription().getReferenceElement().getIdPart();
		return data.draftOrders().stream().filter(d -> d.getIdElement().getIdPart().equals(id)).findFirst().orElse(null);
	}

	/**
	 * A label that names what accepting does, from the titles of the ActivityDefinitions whose requests it creates
	 * ("Book a follow-up visit, measure blood pressure, ..."), not the card's summary again.
	 */
	private String label(PlanDefinition rule, List<RequestGroupActionComponent> creating, HookCall call) {
		List<String> titles = new ArrayList<>();
		for (RequestGroupActionComponent created : creating) {
			PlanDefinitionActionComponent step = planAction(rule.getAction(), created.getId());
			String title = step != null && step.hasDefinitionCanonicalType()
					&& step.getDefinitionCanonicalType().getValue().contains("/ActivityDefinition/")
					? artifacts.byCanonical(ActivityDefinition.class, step.getDefinitionCanonicalType().getValue(),
							call.request()).getTitle()
					: created.getTitle();
			titles.add(titles.isEmpty() ? title : Character.toLowerCase(title.charAt(0)) + title.substring(1));
		}
		if (titles.size() <= 1) {
			return titles.isEmpty() ? "" : titles.get(0);
		}
		return String.join(", ", titles.subList(0, titles.size() - 1)) + " and " + titles.get(titles.size() - 1);
	}

	/** The rule's action (at any depth) with this id; the RequestGroup's actions carry the ids of the plan's. */
	private static PlanDefinitionActionComponent planAction(List<PlanDefinitionActionComponent> actions, String id) {
		for (PlanDefinitionActionComponent action : actions) {
			if (id.equals(action.getId())) {
				return action;
			}
			PlanDefinitionActionComponent inner = planAction(action.getAction(), id);
			if (inner != null) {
				return inner;
			}
		}
		return null;
	}

	/** Whether the record (not the drafts of this call) has an active order of the proposed medicine. */
	private boolean alreadyTaken(MedicationRequest proposed, HookData data, HookCall call) {
		MedicationKnowledge medicine = artifacts.medicineByCode(HookData.medicationCode(proposed), call.request());
		if (medicine == null) {
			return false;
		}
		List<String> drafts = data.draftOrders().stream().map(d -> d.getIdElement().getIdPart()).toList();
		for (Resource taken : data.record().medications()) {
			if (PatientRecord.isActive(taken) && !drafts.contains(taken.getIdElement().getIdPart())) {
				MedicationKnowledge same = artifacts.medicineByCode(PatientRecord.medicationCode(taken), call.request());
				if (same != null && same.getIdElement().getIdPart().equals(medicine.getIdElement().getIdPart())) {
					return true;
				}
			}
		}
		return false;
	}

	private MedicationRequest draftOfSame(MedicationRequest proposed, HookData data, HookCall call) {
		MedicationKnowledge medicine = artifacts.medicineByCode(HookData.medicationCode(proposed), call.request());
		if (medicine == null) {
			return null;
		}
		for (MedicationRequest draft : data.draftOrders()) {
			MedicationKnowledge ordered = artifacts.medicineByCode(HookData.medicationCode(draft), call.request());
			if (ordered != null && ordered.getIdElement().getIdPart().equals(medicine.getIdElement().getIdPart())) {
				return draft;
			}
		}
		return null;
	}

	private static String firstSentence(String text) {
		int end = text.indexOf(". ");
		String sentence = end < 0 ? text : text.substring(0, end + 1);
		return sentence.isEmpty() ? sentence : Character.toLowerCase(sentence.charAt(0)) + sentence.substring(1);
	}
}
