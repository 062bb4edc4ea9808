package org.adhdkb.cdshooks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import org.adhdkb.guidance.PatientRecord;
import org.adhdkb.testing.ReferenceEngine;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DataRequirement;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.RequestGroup;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.TriggerDefinition;
import org.hl7.fhir.r4.model.ValueSet;

/**
 * The content's eca-rules run by the reference CPG engine ({@link ReferenceEngine}) on a CDS case file's record: the
 * cards they give by the eca-rule contract of docs/eca-rules.md, worked out here apart from our server's code. A rule
 * is triggered when its named event is the hook and (for a trigger with data) a draft order is in the trigger's value
 * set, or, for a rule only a medicine the patient already takes triggers, when the drafts make it fire where it did
 * not fire without them. A triggered top-level action that $apply keeps is a card; with selectionBehavior {@code any},
 * each of its sub-actions is. The card's summary is the action's title as $apply wrote it (dynamic values included).
 */
final class ReferenceEngineRules {

	/** A card of an eca-rule: the PlanDefinition's id and the summary. */
	record Card(String rule, String summary) implements Comparable<Card> {
		@Override
		public int compareTo(Card other) {
			return (rule + "|" + summary).compareTo(other.rule + "|" + other.summary);
		}
	}

	private ReferenceEngineRules() {
	}

	static Set<Card> cards(JsonNode testCase, String hook) {
		List<Resource> record = new ArrayList<>();
		List<MedicationRequest> drafts = new ArrayList<>();
		String patientId = null;
		for (JsonNode json : testCase.get("resources")) {
			Resource resource = (Resource) ReferenceEngine.FHIR.newJsonParser().parseResource(json.toString());
			record.add(resource);
			if (resource.fhirType().equals("Patient")) {
				patientId = resource.getIdElement().getIdPart();
			}
		}
		// CDS Hooks context.draftOrders as cqf-fhir-cr's CDS Hooks service passes it: the CQL parameter "draftOrders",
		// one part per order, marked as a list (cpg-parameterDefinition, max *) so that a single order is a list too
		org.hl7.fhir.r4.model.Parameters context = new org.hl7.fhir.r4.model.Parameters();
		for (JsonNode json : testCase.path("draftOrders")) {
			MedicationRequest draft = (MedicationRequest) ReferenceEngine.FHIR.newJsonParser().parseResource(json.toString());
			if (draft.hasMedicationReference()) { // the Medication it names, from the record, as a client resolves it
				String id = draft.getMedicationReference().getReferenceElement().getIdPart();
				record.stream().filter(r -> r.fhirType().equals("Medication") && r.getIdElement().getIdPart().equals(id))
						.findFirst().ifPresent(m -> {
							// coded with the Medication's code, the Medication contained, as our server gives it
							draft.setMedication(((org.hl7.fhir.r4.model.Medication) m).getCode().copy());
							draft.addContained(m.copy());
						});
			}
			context.addParameter().setName("draftOrders").setResource(draft.copy());
			draft.setStatus(MedicationRequest.MedicationRequestStatus.ACTIVE); // the rules see the orders as taken
			drafts.add(draft);
		}
		if (context.hasParameter()) {
			context.getParameterFirstRep().addExtension("http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-parameterDefinition",
					new org.hl7.fhir.r4.model.ParameterDefinition().setName("draftOrders").setMax("*")
							.setUse(org.hl7.fhir.r4.model.ParameterDefinition.ParameterUse.IN).setType("MedicationRequest"));
		}

		List<Resource> withDrafts = new ArrayList<>(record);
		withDrafts.addAll(drafts);

		Map<String, Set<String>> expansions = expansions();
		Set<Card> cards = new TreeSet<>();
		for (Resource resource : ReferenceEngine.knowledge()) {
			if (!(resource instanceof PlanDefinition rule) || !rule.getType().hasCoding("http://terminology.hl7.org/CodeSystem/plan-definition-type", "eca-rule")) {
				continue;
			}
			Map<Boolean, CarePlan> applied = new HashMap<>();
			for (PlanDefinition.PlanDefinitionActionComponent action : rule.getAction()) {
				boolean byDraft = false;
				boolean byTaken = false;
				for (TriggerDefinition trigger : action.getTrigger()) {
					if (trigger.getType() != TriggerDefinition.TriggerType.NAMEDEVENT || !hook.equals(trigger.getName())) {
						continue;
					}
					if (trigger.getData().isEmpty()) {
						byDraft = true;
					}
					for (DataRequirement data : trigger.getData()) {
						for (var filter : data.getCodeFilter()) {
							Set<String> members = expansions.getOrDefault(filter.getValueSet(), Set.of());
							byDraft |= drafts.stream().anyMatch(d -> in(PatientRecord.medicationCode(d), members));
							byTaken |= record.stream().anyMatch(r -> taken(r) && in(PatientRecord.medicationCode(r), members));
						}
					}
				}
				if (!byDraft && !(byTaken && !drafts.isEmpty())) {
					continue;
				}
				String id = rule.getIdElement().getIdPart();
				String patient = patientId;
				Set<Card> after = cardsOf(id, action, applied.computeIfAbsent(true,
						k -> ReferenceEngine.apply(id, copies(withDrafts), patient, context.hasParameter() ? context : null)));
				if (!byDraft) {
					after.removeAll(cardsOf(id, action, applied.computeIfAbsent(false,
							k -> ReferenceEngine.apply(id, copies(record), patient, context.hasParameter() ? context : null))));
				}
				cards.addAll(after);
			}
		}
		return cards;
	}

	private static Set<Card> cardsOf(String rule, PlanDefinition.PlanDefinitionActionComponent action, CarePlan applied) {
		Set<Card> cards = new HashSet<>();
		for (Resource contained : applied.getContained()) {
			if (contained instanceof RequestGroup group) {
				for (RequestGroup.RequestGroupActionComponent top : group.getAction()) {
					if (top == null || !action.getId().equals(top.getId())) {
						continue;
					}
					if (action.getSelectionBehavior() == PlanDefinition.ActionSelectionBehavior.ANY) {
						top.getAction().forEach(child -> cards.add(new Card(rule, child.getTitle())));
					} else {
						cards.add(new Card(rule, top.getTitle()));
					}
				}
			}
		}
		return cards;
	}

	private static Map<String, Set<String>> expansions() {
		Map<String, Set<String>> expansions = new HashMap<>();
		for (Resource resource : ReferenceEngine.knowledge()) {
			if (resource instanceof ValueSet valueSet) {
				Set<String> members = new HashSet<>();
				valueSet.getExpansion().getContains().forEach(c -> members.add(c.getSystem() + "|" + c.getCode()));
				expansions.put(valueSet.getUrl(), members);
			}
		}
		return expansions;
	}

	private static boolean taken(Resource resource) {
		return resource instanceof MedicationRequest order && order.getStatus() == MedicationRequest.MedicationRequestStatus.ACTIVE
				|| resource instanceof MedicationStatement statement
						&& (statement.getStatus() == MedicationStatement.MedicationStatementStatus.ACTIVE
								|| statement.getStatus() == MedicationStatement.MedicationStatementStatus.INTENDED);
	}

	private static boolean in(CodeableConcept concept, Set<String> members) {
		for (Coding coding : concept.getCoding()) {
			if (members.contains(coding.getSystem() + "|" + coding.getCode())) {
				return true;
			}
		}
		return false;
	}

	private static List<Resource> copies(List<Resource> resources) {
		return resources.stream().map(Resource::copy).toList();
	}
}
