package org.adhdkb.guidance;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.hl7.fhir.r4.model.ActivityDefinition;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.CommunicationRequest;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.PlanDefinition.PlanDefinitionActionComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Property;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.RelatedArtifact;
import org.hl7.fhir.r4.model.RequestGroup;
import org.hl7.fhir.r4.model.RequestGroup.RequestGroupActionComponent;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * PlanDefinition/$apply and ActivityDefinition/$apply: turns guidance into proposed requests for one patient.
 *
 * <p>Written here rather than taken from the clinical reasoning module: measured on this machine, that module served
 * about one $apply per second under load once a dose was computed in a dynamic value, against a budget of 200.
 * Conditions and dynamic values are the content's CQL definitions, evaluated by the CQL reference engine with the
 * Libraries' ELM compiled once ({@link GuidanceLogic}); the doses are computed by that CQL from the MedicationKnowledge. Knowledge resources come from a shared cache: everything
 * taken from them into a result is copied. It follows the R4 $apply semantics: a CarePlan whose activity
 * is a contained RequestGroup, with the created requests contained alongside.
 */
@Component
public class PlanApplier {

	static final String UCUM = "http://unitsofmeasure.org";
	private static final String ACTION_PATH = "action.";
	/** The dosing conditions with their data bindings (Library AdhdPatientFacts reads them). */
	static final String PATIENT_CHARACTERISTIC = "http://adhdkb.org/fhir/CodeSystem/patient-characteristic";

	private final KnowledgeArtifacts artifacts;
	private final PatientRecordReader records;
	private final GuidanceLogic logic;
	/**
	 * Per plan and content version: the knowledge its CQL reads (the MedicationKnowledge it depends on, the dosing
	 * conditions' CodeSystem) with the values of the definitions that read only them, such as the medicine's dosing
	 * bands as read once, kept for every patient instead of computed in every $apply.
	 */
	private final org.adhdkb.cache.VersionedCache<String, org.adhdkb.cql.Knowledge> knowledgeByPlan;
	private final org.adhdkb.cache.ChangeCounter changeCounter;

	public PlanApplier(KnowledgeArtifacts artifacts, PatientRecordReader records, GuidanceLogic logic,
			org.adhdkb.cache.ChangeCounter changeCounter) {
		this.artifacts = artifacts;
		this.records = records;
		this.logic = logic;
		this.changeCounter = changeCounter;
		this.knowledgeByPlan = new org.adhdkb.cache.VersionedCache<>(changeCounter, 64);
	}

	/**
	 * Who and what a request is about, and the values of the CQL Libraries' parameters by name ($apply's
	 * {@code parameters}, CDS Hooks' {@code draftOrders}).
	 */
	public record Context(String subject, String encounter, String practitioner, Bundle data,
			Map<String, Object> parameters) {

		public Context(String subject, String encounter, String practitioner, Bundle data) {
			this(subject, encounter, practitioner, data, Map.of());
		}
	}

	public CarePlan apply(PlanDefinition plan, Context context, RequestDetails request) {
		return apply(plan, context, records.read(context.subject(), context.data(), request), request);
	}

	/** Applies a plan to a record the caller already holds (CDS Hooks builds it from the prefetch). */
	public CarePlan apply(PlanDefinition plan, Context context, PatientRecord record, RequestDetails request) {
		org.adhdkb.cql.Knowledge knowledge = knowledgeByPlan.get(plan.getUrl() + "|" + plan.getVersion(),
				changeCounter.current(request), key -> {
			List<Resource> resources = new ArrayList<>();
			MedicationKnowledge medicine = medicineOf(plan.getRelatedArtifact(), request);
			if (medicine != null) {
				resources.add(medicine);
			}
			resources.add(artifacts.byCanonical(CodeSystem.class, PATIENT_CHARACTERISTIC, request));
			return new org.adhdkb.cql.Knowledge(resources);
		});
		List<Resource> patientData = new ArrayList<>();
		patientData.add(record.patient());
		patientData.addAll(record.observations());
		patientData.addAll(record.medications());
		return apply(plan, context, record, logic.definitions(plan.getLibrary(), patientData, knowledge,
				context.parameters(), request), request);
	}

	/**
	 * Applies a plan with definitions the caller already evaluates for several plans (CDS Hooks evaluates the CQL of
	 * all the rules of a hook once per call); {@code scope} must cover the plan's Libraries.
	 */
	public CarePlan apply(PlanDefinition plan, Context context, PatientRecord record, GuidanceLogic.Definitions scope,
			RequestDetails request) {

		RequestGroup group = new RequestGroup();
		group.setId("request-group");
		group.setStatus(RequestGroup.RequestStatus.DRAFT);
		group.setIntent(RequestGroup.RequestIntent.PROPOSAL);
		group.setSubject(new Reference(context.subject()));
		group.addInstantiatesCanonical(plan.getUrl());
		if (context.encounter() != null) {
			group.setEncounter(new Reference(context.encounter()));
		}
		if (context.practitioner() != null) {
			group.setAuthor(new Reference(context.practitioner()));
		}

		CarePlan carePlan = new CarePlan();
		carePlan.setStatus(CarePlan.CarePlanStatus.DRAFT);
		carePlan.setIntent(CarePlan.CarePlanIntent.PROPOSAL);
		carePlan.setSubject(new Reference(context.subject()));
		carePlan.addInstantiatesCanonical(plan.getUrl());
		carePlan.setTitle(plan.getTitle());
		carePlan.setDescription(plan.getDescription());
		carePlan.setCreatedElement(DateTimeType.now());
		if (context.encounter() != null) {
			carePlan.setEncounter(new Reference(context.encounter()));
		}
		if (context.practitioner() != null) {
			carePlan.setAuthor(new Reference(context.practitioner()));
		}

		Set<String> ids = new HashSet<>();
		for (PlanDefinitionActionComponent action : plan.getAction()) {
			applyAction(action, group.getAction(), carePlan, context, record, scope, ids, request);
		}
		carePlan.addContained(group);
		carePlan.addActivity().setReference(new Reference("#" + group.getId()));
		return carePlan;
	}

	public Resource apply(ActivityDefinition activity, Context context, RequestDetails request) {
		return apply(activity, context, records.read(context.subject(), context.data(), request), request);
	}

	/** Applies an activity to a record the caller already holds. */
	public Resource apply(ActivityDefinition activity, Context context, PatientRecord record, RequestDetails request) {
		MedicationKnowledge medicine = medicineOf(activity.getRelatedArtifact(), request);
		if (medicine == null && activity.hasProductCodeableConcept()) {
			medicine = artifacts.medicineByCode(activity.getProductCodeableConcept(), request);
		}
		GuidanceLogic.Definitions scope = logic.definitions(activity.getLibrary(), data(record, medicine, request),
				context.parameters(), request);
		return createRequest(activity, context, scope, "request");
	}

	private void applyAction(PlanDefinitionActionComponent action, List<RequestGroupActionComponent> into,
			CarePlan carePlan, Context context, PatientRecord record, GuidanceLogic.Definitions scope, Set<String> ids,
			RequestDetails request) {
		for (var condition : action.getCondition()) {
			if (condition.getKind() == PlanDefinition.ActionConditionKind.APPLICABILITY
					&& condition.hasExpression()
					&& !scope.isTrue(condition.getExpression())) {
				return;
			}
		}
		RequestGroupActionComponent applied = new RequestGroupActionComponent();
		applied.setId(action.getId());
		applied.setPrefix(action.getPrefix());
		applied.setTitle(action.getTitle());
		applied.setDescription(action.getDescription());
		applied.setTextEquivalent(action.getTextEquivalent());
		action.getCode().forEach(code -> applied.addCode(code.copy()));
		action.getDocumentation().forEach(doc -> applied.addDocumentation(doc.copy()));
		applied.setTiming(action.hasTiming() ? action.getTiming().copy() : null);
		if (action.hasPriority()) {
			applied.setPriority(RequestGroup.RequestPriority.fromCode(action.getPriority().toCode()));
		}
		for (var related : action.getRelatedAction()) {
			var copy = applied.addRelatedAction();
			copy.setActionId(related.getActionId());
			copy.setRelationship(RequestGroup.ActionRelationshipType.fromCode(related.getRelationship().toCode()));
			copy.setOffset(related.hasOffset() ? related.getOffset().copy() : null);
		}
		if (action.hasGroupingBehavior()) {
			applied.setGroupingBehavior(RequestGroup.ActionGroupingBehavior.fromCode(action.getGroupingBehavior().toCode()));
		}
		if (action.hasSelectionBehavior()) {
			applied.setSelectionBehavior(RequestGroup.ActionSelectionBehavior.fromCode(action.getSelectionBehavior().toCode()));
		}
		// CQF convention (as in cqf-fhir-cr): a dynamic value whose path starts with "action." sets the applied action
		// (a card's summary, detail or priority from CQL); any other path is set on the request the action creates.
		for (var dynamicValue : action.getDynamicValue()) {
			if (dynamicValue.hasPath() && dynamicValue.getPath().startsWith(ACTION_PATH)) {
				setPath(applied, dynamicValue.getPath().substring(ACTION_PATH.length()),
						scope.fhirValue(dynamicValue.getExpression()));
			}
		}
		if (action.hasDefinitionCanonicalType()) {
			ActivityDefinition activity =
					artifacts.byCanonical(ActivityDefinition.class, action.getDefinitionCanonicalType().getValue(), request);
			String id = uniqueId("request-" + (action.hasId() ? action.getId() : activity.getIdElement().getIdPart()), ids);
			Resource created = createRequest(activity, context, activityScope(activity, context, record, scope, request), id);
			for (var dynamicValue : action.getDynamicValue()) {
				if (!dynamicValue.hasPath() || !dynamicValue.getPath().startsWith(ACTION_PATH)) {
					setPath(created, dynamicValue.getPath(), scope.fhirValue(dynamicValue.getExpression()));
				}
			}
			carePlan.addContained(created);
			applied.setResource(new Reference("#" + id));
		}
		into.add(applied);
		for (PlanDefinitionActionComponent child : action.getAction()) {
			applyAction(child, applied.getAction(), carePlan, context, record, scope, ids, request);
		}
	}

	private Resource createRequest(ActivityDefinition activity, Context context, GuidanceLogic.Definitions scope,
			String id) {
		Reference subject = new Reference(context.subject());
		Reference requester = context.practitioner() == null ? null : new Reference(context.practitioner());
		DomainResource created = switch (activity.hasKind() ? activity.getKind().toCode() : "Task") {
			case "MedicationRequest" -> {
				MedicationRequest r = new MedicationRequest();
				r.setStatus(MedicationRequest.MedicationRequestStatus.DRAFT);
				r.setIntent(MedicationRequest.MedicationRequestIntent.PROPOSAL);
				r.setSubject(subject);
				r.setMedication(activity.hasProduct() ? activity.getProduct().copy() : null);
				activity.getDosage().forEach(d -> r.addDosageInstruction(d.copy()));
				r.addInstantiatesCanonical(activity.getUrl());
				r.setRequester(requester);
				yield r;
			}
			case "ServiceRequest" -> {
				ServiceRequest r = new ServiceRequest();
				r.setStatus(ServiceRequest.ServiceRequestStatus.DRAFT);
				r.setIntent(ServiceRequest.ServiceRequestIntent.PROPOSAL);
				r.setSubject(subject);
				r.setCode(copyOf(activity.getCode()));
				r.addInstantiatesCanonical(activity.getUrl());
				r.setRequester(requester);
				if (activity.hasTimingTiming()) {
					r.setOccurrence(activity.getTimingTiming().copy());
				}
				yield r;
			}
			case "CommunicationRequest" -> {
				CommunicationRequest r = new CommunicationRequest();
				r.setStatus(CommunicationRequest.CommunicationRequestStatus.DRAFT);
				r.setSubject(subject);
				r.addPayload().setContent(new StringType(activity.getDescription()));
				r.setRequester(requester);
				yield r;
			}
			case "Appointment" -> {
				Appointment r = new Appointment();
				r.setStatus(Appointment.AppointmentStatus.PROPOSED);
				r.setDescription(activity.getTitle());
				r.addParticipant().setActor(subject).setStatus(Appointment.ParticipationStatus.NEEDSACTION);
				if (activity.hasCode()) {
					r.addServiceType(activity.getCode().copy());
				}
				yield r;
			}
			default -> {
				Task r = new Task();
				r.setStatus(Task.TaskStatus.DRAFT);
				r.setIntent(Task.TaskIntent.PROPOSAL);
				r.setFor(subject);
				r.setCode(copyOf(activity.getCode()));
				r.setDescription(activity.hasDescription() ? activity.getDescription() : activity.getTitle());
				r.setInstantiatesCanonical(activity.getUrl());
				r.setRequester(requester);
				yield r;
			}
		};
		created.setId(id);
		for (var dynamicValue : activity.getDynamicValue()) {
			setPath(created, dynamicValue.getPath(), scope.fhirValue(dynamicValue.getExpression()));
		}
		return created;
	}

	/**
	 * The definitions an activity's dynamic values name: the plan's when the activity lists the same Libraries (one
	 * evaluation for the whole plan), else its own.
	 */
	private GuidanceLogic.Definitions activityScope(ActivityDefinition activity, Context context, PatientRecord record,
			GuidanceLogic.Definitions planScope, RequestDetails request) {
		if (activity.getDynamicValue().isEmpty() || planScope.covers(activity.getLibrary())) {
			return planScope;
		}
		MedicationKnowledge medicine = medicineOf(activity.getRelatedArtifact(), request);
		return logic.definitions(activity.getLibrary(), data(record, medicine, request), context.parameters(), request);
	}

	/**
	 * What the CQL may retrieve: the patient's record, the MedicationKnowledge the artifact depends on, and
	 * CodeSystem patient-characteristic, whose data bindings (result codes and thresholds of the dosing conditions)
	 * Library AdhdPatientFacts reads.
	 */
	private List<Resource> data(PatientRecord record, MedicationKnowledge medicine, RequestDetails request) {
		List<Resource> data = new ArrayList<>();
		data.add(record.patient());
		data.addAll(record.observations());
		data.addAll(record.medications());
		if (medicine != null) {
			data.add(medicine);
		}
		data.add(artifacts.byCanonical(CodeSystem.class, PATIENT_CHARACTERISTIC, request));
		return data;
	}

	/** The medicine an artifact is about: its relatedArtifact of type depends-on naming a MedicationKnowledge. */
	private MedicationKnowledge medicineOf(List<RelatedArtifact> relatedArtifacts, RequestDetails request) {
		for (RelatedArtifact artifact : relatedArtifacts) {
			if (artifact.getType() == RelatedArtifact.RelatedArtifactType.DEPENDSON
					&& artifact.hasResource() && artifact.getResource().contains("/MedicationKnowledge/")) {
				return artifacts.byCanonical(MedicationKnowledge.class, artifact.getResource(), request);
			}
		}
		return null;
	}

	/**
	 * Sets a dynamic value at a simple FHIRPath-like path ({@code dosageInstruction[0].doseAndRate[0].doseQuantity}),
	 * creating the elements on the way. An empty value leaves the element as it is.
	 */
	static void setPath(Base target, String path, List<Base> value) {
		if (value.isEmpty()) {
			return;
		}
		String[] segments = path.split("\\.");
		Base current = target;
		for (int i = 0; i < segments.length - 1; i++) {
			current = child(current, segments[i]);
		}
		String name = segments[segments.length - 1];
		try {
			// a list for a repeating element (dosageInstruction) adds every item, in order; else the first is the value
			Property property = current.getNamedProperty(name);
			boolean repeating = property != null && property.getMaxCardinality() > 1;
			for (Base item : repeating ? value : value.subList(0, 1)) {
				current.setProperty(name, item);
			}
		} catch (org.hl7.fhir.exceptions.FHIRException unknownName) {
			// A typed name of a choice element (doseQuantity for dose[x]) is set through the choice.
			for (var property : current.children()) {
				String choice = property.getName();
				if (choice.endsWith("[x]") && name.startsWith(choice.substring(0, choice.length() - 3))) {
					current.setProperty(choice, value.get(0));
					return;
				}
			}
			throw unknownName;
		}
	}

	private static Base child(Base parent, String segment) {
		String name = segment;
		int index = 0;
		int bracket = segment.indexOf('[');
		if (bracket > 0) {
			name = segment.substring(0, bracket);
			index = Integer.parseInt(segment.substring(bracket + 1, segment.indexOf(']')));
		}
		List<Base> values = parent.getNamedProperty(name).getValues();
		while (values.size() <= index) {
			parent.addChild(name);
			values = parent.getNamedProperty(name).getValues();
		}
		return values.get(index);
	}

	private static org.hl7.fhir.r4.model.CodeableConcept copyOf(org.hl7.fhir.r4.model.CodeableConcept concept) {
		return concept == null || concept.isEmpty() ? null : concept.copy();
	}

	private static String uniqueId(String wanted, Set<String> taken) {
		String id = wanted;
		for (int n = 2; !taken.add(id); n++) {
			id = wanted + "-" + n;
		}
		return id;
	}
}
