package org.adhdkb.guidance;

import org.adhdkb.testing.ServerTestBase;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.RequestGroup;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PlanDefinition/$apply of the atomoxetine titration guidance (G1) for the test patients of the guidance issue.
 * Expected doses are the label's (codes.md section 6) worked by hand: 30 kg child 15 mg/d start, 36 mg/d target.
 */
class ApplyTest extends ServerTestBase {

	private static final String PLAN = "/fhir/PlanDefinition/atomoxetine-titration/$apply";

	@Test
	void childOf30kgGetsWeightBasedStartingAndTargetDoses() {
		CarePlan plan = applyStored(patient(8, "30"));
		assertThat(dose(plan, "start-atomoxetine")).isEqualByComparingTo("15");
		assertThat(dose(plan, "titrate-atomoxetine-to-target")).isEqualByComparingTo("36");
		assertThat(actionIds(plan)).doesNotContain("measure-weight-before-dosing")
				.contains("baseline-blood-pressure", "baseline-heart-rate", "baseline-suicidality", "raise-to-target");
	}

	@Test
	void heavierAdolescentAndAdultGetFixedDoses() {
		CarePlan adolescent = applyStored(patient(15, "75"));
		assertThat(dose(adolescent, "start-atomoxetine")).isEqualByComparingTo("40");
		assertThat(dose(adolescent, "titrate-atomoxetine-to-target")).isEqualByComparingTo("80");
		CarePlan adult = applyStored(patient(35, "68"));
		assertThat(dose(adult, "start-atomoxetine")).isEqualByComparingTo("40");
		assertThat(dose(adult, "titrate-atomoxetine-to-target")).isEqualByComparingTo("80");
	}

	@Test
	void childWithoutWeightGetsAWeightMeasurementInsteadOfADose() {
		CarePlan plan = applyStored(patient(9, null));
		assertThat(actionIds(plan)).contains("measure-weight-before-dosing").doesNotContain("start-atomoxetine");
		assertThat(plan.getContained()).noneMatch(r -> r instanceof MedicationRequest);
		ServiceRequest measure = (ServiceRequest) requestFor(plan, "measure-weight");
		assertThat(measure.getCode().getCoding()).anyMatch(c -> "29463-7".equals(c.getCode()));
	}

	@Test
	void aWriteToTheChartIsSeenByTheNextApply() {
		// The server keeps records it has read until the next write: this asks twice, then records a weight.
		List<Resource> record = patient(9, null);
		CarePlan before = applyStored(record);
		assertThat(applyStored(record).getContained()).noneMatch(r -> r instanceof MedicationRequest);
		assertThat(actionIds(before)).contains("measure-weight-before-dosing");

		Observation weight = (Observation) patient(9, "30").get(1);
		weight.setSubject(new Reference("Patient/" + record.get(0).getIdElement().getIdPart()));
		CarePlan after = applyStored(List.of(record.get(0), weight));
		assertThat(dose(after, "start-atomoxetine")).isEqualByComparingTo("15");
		assertThat(actionIds(after)).doesNotContain("measure-weight-before-dosing");
	}

	@Test
	void fluoxetineTriggersTheCyp2d6RuleAndNoEarlyTitration() {
		List<Resource> record = patient(10, "30");
		record.add(medication(record, "4493", "fluoxetine"));
		CarePlan plan = applyStored(record);
		assertThat(dose(plan, "start-atomoxetine")).isEqualByComparingTo("15");
		assertThat(actionIds(plan)).contains("cyp2d6-hold-then-raise").doesNotContain("raise-to-target");
		assertThat(actionIds(plan)).as("fluoxetine is an SSRI too").contains("ssri-serotonergic-watch");
	}

	@Test
	void sertralineTriggersSerotonergicMonitoringOnly() {
		List<Resource> record = patient(12, "40");
		record.add(medication(record, "36437", "sertraline"));
		CarePlan plan = applyStored(record);
		assertThat(actionIds(plan)).contains("ssri-serotonergic-watch", "raise-to-target")
				.doesNotContain("cyp2d6-hold-then-raise");
		assertThat(dose(plan, "titrate-atomoxetine-to-target")).isEqualByComparingTo("48");
		assertThat(dose(plan, "start-atomoxetine")).isEqualByComparingTo("20");
	}

	@Test
	void poorMetabolizerGetsTheCyp2d6Rule() {
		List<Resource> record = patient(11, "30");
		Observation phenotype = new Observation();
		phenotype.setId(UUID.randomUUID().toString());
		phenotype.setStatus(Observation.ObservationStatus.FINAL);
		phenotype.getCode().addCoding().setSystem("http://loinc.org").setCode("53040-2");
		phenotype.setValue(new CodeableConcept().addCoding(
				new org.hl7.fhir.r4.model.Coding("http://loinc.org", "LA9657-3", "Poor metabolizer")));
		phenotype.setSubject(new Reference("Patient/" + record.get(0).getIdElement().getIdPart()));
		record.add(phenotype);
		CarePlan plan = applyStored(record);
		assertThat(actionIds(plan)).contains("cyp2d6-hold-then-raise").doesNotContain("raise-to-target", "ssri-serotonergic-watch");
		assertThat(dose(plan, "start-atomoxetine")).isEqualByComparingTo("15");
	}

	@Test
	void dataPassedInTheCallIsUsedInsteadOfTheServersRecord() {
		List<Resource> record = patient(8, "30");
		// the server knows the patient but not the weight
		client().update().resource(record.get(0)).execute();
		Parameters parameters = new Parameters();
		parameters.addParameter("subject", new StringType("Patient/" + record.get(0).getIdElement().getIdPart()));
		Bundle data = new Bundle().setType(Bundle.BundleType.COLLECTION);
		record.forEach(r -> data.addEntry().setResource(r));
		parameters.addParameter().setName("data").setResource(data);
		CarePlan plan = client().operation().onInstance("PlanDefinition/atomoxetine-titration").named("$apply")
				.withParameters(parameters).returnResourceType(CarePlan.class).execute();
		assertThat(dose(plan, "start-atomoxetine")).isEqualByComparingTo("15");
	}

	/**
	 * CPG's $apply input {@code parameters} gives the CQL its parameters, here the draft orders of an order-sign call
	 * as cqf-fhir-cr's CDS Hooks service passes them: the follow-up rule fires for a new order, not for a renewal of
	 * the current order at the same dose, and not without draft orders; a parameter no Library declares is a 400.
	 */
	@Test
	void parametersGiveTheCqlTheDraftOrders() {
		List<Resource> record = patient(12, "40");
		MedicationRequest current = order(record, "current", MedicationRequest.MedicationRequestStatus.ACTIVE, 40);
		record.add(current);
		store(record);
		String subject = "Patient/" + record.get(0).getIdElement().getIdPart();
		String followUp = "PlanDefinition/follow-up-after-change";

		assertThat(actionIds(applyWith(followUp, subject, draftOrders(order(record, "raise", MedicationRequest.MedicationRequestStatus.DRAFT, 60)))))
				.as("a dose change: follow up").contains("follow-up-after-change", "book-follow-up");
		assertThat(actionIds(applyWith(followUp, subject, draftOrders(order(record, "renew", MedicationRequest.MedicationRequestStatus.DRAFT, 40)))))
				.as("the same dose renewed: nothing changes").isEmpty();
		assertThat(actionIds(applyWith(followUp, subject, null))).as("no draft orders: nothing is ordered").isEmpty();

		Parameters unknown = new Parameters();
		unknown.addParameter().setName("draftOrder").setResource(order(record, "x", MedicationRequest.MedicationRequestStatus.DRAFT, 60));
		Parameters call = new Parameters();
		call.addParameter("subject", new StringType(subject));
		call.addParameter().setName("parameters").setResource(unknown);
		HttpResponse<String> refused = send("POST", "/fhir/" + followUp + "/$apply",
				FHIR.newJsonParser().encodeResourceToString(call), "Content-Type", "application/fhir+json");
		assertThat(refused.statusCode()).isEqualTo(400);
		assertThat(refused.body()).contains("OperationOutcome").contains("'draftOrder' is not a parameter").contains("draftOrders");
	}

	private CarePlan applyWith(String plan, String subject, Parameters cqlParameters) {
		Parameters call = new Parameters();
		call.addParameter("subject", new StringType(subject));
		if (cqlParameters != null) {
			call.addParameter().setName("parameters").setResource(cqlParameters);
		}
		return client().operation().onInstance(plan).named("$apply").withParameters(call)
				.returnResourceType(CarePlan.class).execute();
	}

	private static Parameters draftOrders(MedicationRequest... drafts) {
		Parameters parameters = new Parameters();
		for (MedicationRequest draft : drafts) {
			parameters.addParameter().setName("draftOrders").setResource(draft);
		}
		return parameters;
	}

	/** An order of atomoxetine (RxNorm 38400) of {@code mg} once a day. */
	private static MedicationRequest order(List<Resource> record, String id, MedicationRequest.MedicationRequestStatus status,
			int mg) {
		MedicationRequest order = new MedicationRequest();
		order.setId(record.get(0).getIdElement().getIdPart() + "-" + id);
		order.setStatus(status);
		order.setIntent(MedicationRequest.MedicationRequestIntent.ORDER);
		order.setMedication(new CodeableConcept().addCoding(
				new org.hl7.fhir.r4.model.Coding("http://www.nlm.nih.gov/research/umls/rxnorm", "38400", "atomoxetine")));
		order.setSubject(new Reference("Patient/" + record.get(0).getIdElement().getIdPart()));
		order.addDosageInstruction().setTiming(new org.hl7.fhir.r4.model.Timing().setRepeat(
						new org.hl7.fhir.r4.model.Timing.TimingRepeatComponent().setFrequency(1).setPeriod(1)
								.setPeriodUnit(org.hl7.fhir.r4.model.Timing.UnitsOfTime.D)))
				.addDoseAndRate().setDose(new Quantity().setValue(mg).setUnit("mg").setSystem("http://unitsofmeasure.org").setCode("mg"));
		return order;
	}

	@Test
	void typeLevelByUrlAndBadRequests() {
		List<Resource> record = patient(35, "80");
		store(record);
		String subject = "Patient/" + record.get(0).getIdElement().getIdPart();
		HttpResponse<String> byUrl = get("/fhir/PlanDefinition/$apply?url=http://adhdkb.org/fhir/PlanDefinition/atomoxetine-titration&subject=" + subject);
		assertThat(byUrl.statusCode()).isEqualTo(200);
		assertThat(byUrl.body()).contains("\"resourceType\":\"CarePlan\"");

		HttpResponse<String> noSubject = get(PLAN);
		assertThat(noSubject.statusCode()).isEqualTo(400);
		assertThat(noSubject.body()).contains("OperationOutcome").contains("subject");
		HttpResponse<String> badSubject = get(PLAN + "?subject=Observation/1");
		assertThat(badSubject.statusCode()).isEqualTo(400);
		assertThat(get(PLAN + "?subject=Patient/does-not-exist").statusCode()).isEqualTo(404);
		assertThat(get("/fhir/PlanDefinition/no-such-plan/$apply?subject=" + subject).statusCode()).isEqualTo(404);
		assertThat(get("/fhir/PlanDefinition/$apply?url=http://adhdkb.org/fhir/PlanDefinition/nope&subject=" + subject)
				.statusCode()).isEqualTo(404);
	}

	@Test
	void activityDefinitionApplyComputesTheDose() {
		List<Resource> record = patient(8, "30");
		store(record);
		HttpResponse<String> response = get("/fhir/ActivityDefinition/start-atomoxetine/$apply?subject=Patient/"
				+ record.get(0).getIdElement().getIdPart());
		assertThat(response.statusCode()).isEqualTo(200);
		MedicationRequest request = (MedicationRequest) FHIR.newJsonParser().parseResource(response.body());
		assertThat(request.getDosageInstructionFirstRep().getDoseAndRateFirstRep().getDoseQuantity().getValue())
				.isEqualByComparingTo("15");
	}

	@Test
	void dosesFollowTheContentWhenAMaximumChanges() {
		List<Resource> record = patient(8, "30");
		assertThat(dose(applyStored(record), "titrate-atomoxetine-to-target")).isEqualByComparingTo("36");
		org.hl7.fhir.r4.model.MedicationKnowledge atomoxetine = client().read()
				.resource(org.hl7.fhir.r4.model.MedicationKnowledge.class).withId("atomoxetine").execute();
		org.hl7.fhir.r4.model.MedicationKnowledge original = atomoxetine.copy();
		atomoxetine.getAdministrationGuidelines().stream().filter(g -> g.getId().equals("weight-up-to-70kg"))
				.flatMap(g -> g.getDosage().stream())
				.filter(d -> d.getType().getCodingFirstRep().getCode().equals("maximum-dose"))
				.flatMap(d -> d.getDosage().stream())
				.filter(d -> "mg/kg".equals(d.getMaxDosePerPeriod().getNumerator().getCode()))
				.forEach(d -> d.getMaxDosePerPeriod().getNumerator().setValue(new java.math.BigDecimal("1.0")));
		client().update().resource(atomoxetine).execute();
		try {
			assertThat(dose(applyStored(record), "titrate-atomoxetine-to-target"))
					.as("target capped by the edited maximum, 1.0 mg/kg x 30 kg").isEqualByComparingTo("30");
		} finally {
			original.setMeta(null);
			original.setId("MedicationKnowledge/atomoxetine");
			client().update().resource(original).execute();
		}
		assertThat(dose(applyStored(record), "titrate-atomoxetine-to-target")).isEqualByComparingTo("36");
	}

	@Test
	void packageHoldsEverythingThePlanNeeds() {
		HttpResponse<String> response = get("/fhir/PlanDefinition/atomoxetine-titration/$package");
		assertThat(response.statusCode()).isEqualTo(200);
		Bundle bundle = (Bundle) FHIR.newJsonParser().parseResource(response.body());
		List<String> urls = bundle.getEntry().stream().map(Bundle.BundleEntryComponent::getFullUrl).toList();
		assertThat(urls).contains(
				"http://adhdkb.org/fhir/PlanDefinition/atomoxetine-titration",
				"http://adhdkb.org/fhir/Library/AdhdGuidanceLogic",
				"http://adhdkb.org/fhir/ActivityDefinition/start-atomoxetine",
				"http://adhdkb.org/fhir/MedicationKnowledge/atomoxetine",
				"http://adhdkb.org/fhir/ValueSet/strong-cyp2d6-inhibitors",
				// the facts' CQL reads the dosing conditions' result codes and bounds from it
				"http://adhdkb.org/fhir/Library/AdhdPatientFacts",
				"http://adhdkb.org/fhir/CodeSystem/patient-characteristic",
				"http://adhdkb.org/fhir/ValueSet/dosing-condition-results");
		assertThat(urls).doesNotHaveDuplicates();
	}

	@Test
	void dataRequirementsNameThePatientDataTheEngineReads() {
		HttpResponse<String> response = get("/fhir/PlanDefinition/atomoxetine-titration/$data-requirements");
		assertThat(response.statusCode()).isEqualTo(200);
		org.hl7.fhir.r4.model.Library library = (org.hl7.fhir.r4.model.Library) FHIR.newJsonParser().parseResource(response.body());
		assertReadsWeightAndSsriStatements(library);
		assertThat(library.getRelatedArtifact()).extracting(a -> a.getResource())
				.contains("http://adhdkb.org/fhir/MedicationKnowledge/atomoxetine");
	}

	@Test
	void libraryEvaluateGivesTheDefinitionsForThePatient() {
		List<Resource> record = patient(8, "30");
		store(record);
		String subject = "Patient/" + record.get(0).getIdElement().getIdPart();
		HttpResponse<String> response = get("/fhir/Library/AdhdGuidanceLogic/$evaluate?subject=" + subject
				+ "&expression=Starting%20daily%20dose&expression=Needs%20weight&expression=Atomoxetine%20dosing");
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		org.hl7.fhir.r4.model.Parameters result =
				(org.hl7.fhir.r4.model.Parameters) FHIR.newJsonParser().parseResource(response.body());
		// Strattera 2.1: about 0.5 mg/kg/d to start, never more than 1.4 mg/kg/d: 15 and 42 mg/d at 30 kg
		Quantity starting = (Quantity) result.getParameter("Starting daily dose").getValue();
		assertThat(starting.getValue()).isEqualByComparingTo("15");
		assertThat(starting.getCode()).isEqualTo("mg/d");
		assertThat(((org.hl7.fhir.r4.model.BooleanType) result.getParameter("Needs weight").getValue()).getValue()).isFalse();
		assertThat(result.getParameter("Atomoxetine dosing").getPart()).anySatisfy(part -> {
			assertThat(part.getName()).isEqualTo("maximumMg");
			assertThat(((org.hl7.fhir.r4.model.DecimalType) part.getValue()).getValue()).isEqualByComparingTo("42");
		});

		assertThat(get("/fhir/Library/AdhdGuidanceLogic/$evaluate").statusCode()).isEqualTo(400);
		HttpResponse<String> unknown = get("/fhir/Library/AdhdGuidanceLogic/$evaluate?subject=" + subject
				+ "&expression=No%20such%20definition");
		assertThat(unknown.statusCode()).isEqualTo(422);
		assertThat(unknown.body()).contains("OperationOutcome").contains("No such definition");
	}

	@Test
	void libraryDataRequirementsComeFromItsCql() {
		HttpResponse<String> response = get("/fhir/Library/AdhdPatientFacts/$data-requirements");
		assertThat(response.statusCode()).isEqualTo(200);
		org.hl7.fhir.r4.model.Library library = (org.hl7.fhir.r4.model.Library) FHIR.newJsonParser().parseResource(response.body());
		assertReadsWeightAndSsriStatements(library);
		assertThat(library.getRelatedArtifact()).extracting(a -> a.getResource())
				.contains("http://hl7.org/fhir/Library/FHIRHelpers|4.0.1");
	}

	// --- helpers

	/** The CQL reads the body weight (LOINC 29463-7) and medication statements coded in the SSRI value set. */
	private static void assertReadsWeightAndSsriStatements(org.hl7.fhir.r4.model.Library library) {
		assertThat(library.getType().getCodingFirstRep().getCode()).isEqualTo("module-definition");
		assertThat(library.getDataRequirement()).anySatisfy(r -> {
			assertThat(r.getType()).isEqualTo("Observation");
			assertThat(r.getCodeFilterFirstRep().getCodeFirstRep().getCode()).isEqualTo("29463-7");
		});
		assertThat(library.getDataRequirement()).anySatisfy(r -> {
			assertThat(r.getType()).isEqualTo("MedicationStatement");
			assertThat(r.getCodeFilterFirstRep().getValueSet()).isEqualTo("http://adhdkb.org/fhir/ValueSet/ssri-medications");
		});
	}

	private CarePlan applyStored(List<Resource> record) {
		store(record);
		HttpResponse<String> response = get(PLAN + "?subject=Patient/" + record.get(0).getIdElement().getIdPart());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return (CarePlan) FHIR.newJsonParser().parseResource(response.body());
	}

	@Test
	void libraryEvaluateReadsTheDosingConditionsFromAStoredRecord() {
		// A stored eGFR of 22 mL/min/1.73 m2 is severe renal impairment (GFR 15 to below 30, the Vyvanse and Adderall XR
		// labels), and a stored poor-metabolizer phenotype is CYP2D6 poor metabolism: $evaluate reads both with the
		// CodeSystem's data bindings, as $apply and the CDS services do.
		List<Resource> record = patient(40, "80");
		String subject = "Patient/" + record.get(0).getIdElement().getIdPart();
		Observation egfr = new Observation();
		egfr.setId(UUID.randomUUID().toString());
		egfr.setStatus(Observation.ObservationStatus.FINAL);
		egfr.getCode().addCoding().setSystem("http://loinc.org").setCode("98979-8");
		egfr.setSubject(new Reference(subject));
		egfr.setEffective(new org.hl7.fhir.r4.model.DateTimeType(new Date()));
		egfr.setValue(new Quantity().setValue(22).setUnit("mL/min/1.73m2").setSystem("http://unitsofmeasure.org")
				.setCode("mL/min/{1.73_m2}"));
		Observation phenotype = new Observation();
		phenotype.setId(UUID.randomUUID().toString());
		phenotype.setStatus(Observation.ObservationStatus.FINAL);
		phenotype.getCode().addCoding().setSystem("http://loinc.org").setCode("53040-2");
		phenotype.setSubject(new Reference(subject));
		phenotype.setEffective(new org.hl7.fhir.r4.model.DateTimeType(new Date()));
		phenotype.setValue(new CodeableConcept(new org.hl7.fhir.r4.model.Coding("http://loinc.org", "LA9657-3", "Poor metabolizer")));
		record.add(egfr);
		record.add(phenotype);
		store(record);

		HttpResponse<String> response = get("/fhir/Library/AdhdPatientFacts/$evaluate?subject=" + subject
				+ "&expression=Dosing%20conditions");
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		org.hl7.fhir.r4.model.Parameters result =
				(org.hl7.fhir.r4.model.Parameters) FHIR.newJsonParser().parseResource(response.body());
		assertThat(result.getParameter().stream().filter(p -> p.getName().equals("Dosing conditions"))
				.map(p -> p.getValue().primitiveValue()).toList())
				.containsExactlyInAnyOrder("severe-renal-impairment", "cyp2d6-poor-metabolizer");
	}

	private void store(List<Resource> record) {
		Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		for (Resource resource : record) {
			transaction.addEntry().setResource(resource).getRequest()
					.setMethod(Bundle.HTTPVerb.PUT).setUrl(resource.fhirType() + "/" + resource.getIdElement().getIdPart());
		}
		client().transaction().withBundle(transaction).execute();
	}

	static List<Resource> patient(int age, String weightKg) {
		Patient patient = new Patient();
		patient.setId("apply-" + UUID.randomUUID());
		patient.setBirthDateElement(new DateType(Date.from(LocalDate.now().minusYears(age).minusDays(30)
				.atStartOfDay(ZoneId.systemDefault()).toInstant())));
		List<Resource> record = new ArrayList<>(List.of(patient));
		if (weightKg != null) {
			Observation weight = new Observation();
			weight.setId(UUID.randomUUID().toString());
			weight.setStatus(Observation.ObservationStatus.FINAL);
			weight.getCode().addCoding().setSystem("http://loinc.org").setCode("29463-7").setDisplay("Body weight");
			weight.setSubject(new Reference("Patient/" + patient.getIdElement().getIdPart()));
			weight.setEffective(new org.hl7.fhir.r4.model.DateTimeType(new Date()));
			weight.setValue(new Quantity().setValue(new java.math.BigDecimal(weightKg)).setUnit("kg")
					.setSystem("http://unitsofmeasure.org").setCode("kg"));
			record.add(weight);
		}
		return record;
	}

	static MedicationStatement medication(List<Resource> record, String rxnorm, String name) {
		MedicationStatement statement = new MedicationStatement();
		statement.setId(UUID.randomUUID().toString());
		statement.setStatus(MedicationStatement.MedicationStatementStatus.ACTIVE);
		statement.setMedication(new CodeableConcept().addCoding(
				new org.hl7.fhir.r4.model.Coding("http://www.nlm.nih.gov/research/umls/rxnorm", rxnorm, name)));
		statement.setSubject(new Reference("Patient/" + record.get(0).getIdElement().getIdPart()));
		return statement;
	}

	private static RequestGroup group(CarePlan plan) {
		return plan.getContained().stream().filter(r -> r instanceof RequestGroup).map(r -> (RequestGroup) r)
				.findFirst().orElseThrow();
	}

	private static List<RequestGroup.RequestGroupActionComponent> allActions(List<RequestGroup.RequestGroupActionComponent> actions) {
		List<RequestGroup.RequestGroupActionComponent> all = new ArrayList<>();
		for (var action : actions) {
			all.add(action);
			all.addAll(allActions(action.getAction()));
		}
		return all;
	}

	private static List<String> actionIds(CarePlan plan) {
		return allActions(group(plan).getAction()).stream().map(a -> a.getId()).toList();
	}

	private static Resource requestFor(CarePlan plan, String activityId) {
		return plan.getContained().stream()
				.filter(r -> {
					String url = instantiates(r);
					return url != null && url.endsWith("/" + activityId);
				})
				.findFirst()
				.orElseThrow(() -> new AssertionError("no request from ActivityDefinition " + activityId));
	}

	private static String instantiates(Resource resource) {
		if (resource instanceof MedicationRequest r && r.hasInstantiatesCanonical()) {
			return r.getInstantiatesCanonical().get(0).getValue();
		}
		if (resource instanceof ServiceRequest r && r.hasInstantiatesCanonical()) {
			return r.getInstantiatesCanonical().get(0).getValue();
		}
		if (resource instanceof org.hl7.fhir.r4.model.Task r && r.hasInstantiatesCanonical()) {
			return r.getInstantiatesCanonical();
		}
		return null;
	}

	private static java.math.BigDecimal dose(CarePlan plan, String activityId) {
		MedicationRequest request = (MedicationRequest) requestFor(plan, activityId);
		// one administration in mg, taken once a day, and the day's total as maxDosePerPeriod (R4 Dosage; review X1)
		org.hl7.fhir.r4.model.Dosage dosage = request.getDosageInstructionFirstRep();
		Quantity dose = dosage.getDoseAndRateFirstRep().getDoseQuantity();
		assertThat(dose.getCode()).isEqualTo("mg");
		assertThat(dosage.getTiming().getRepeat().getFrequency()).isEqualTo(1);
		assertThat(dosage.getTiming().getRepeat().hasFrequencyMax()).isFalse();
		assertThat(dosage.getMaxDosePerPeriod().getNumerator().getValue()).isEqualByComparingTo(dose.getValue());
		assertThat(dosage.getMaxDosePerPeriod().getNumerator().getCode()).isEqualTo("mg");
		assertThat(dosage.getMaxDosePerPeriod().getDenominator().getValue()).isEqualByComparingTo("1");
		assertThat(dosage.getMaxDosePerPeriod().getDenominator().getCode()).isEqualTo("d");
		return dose.getValue();
	}
}
