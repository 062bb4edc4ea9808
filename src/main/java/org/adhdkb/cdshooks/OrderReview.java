package org.adhdkb.cdshooks;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.adhdkb.guidance.GuidanceLogic;
import org.adhdkb.guidance.KnowledgeArtifacts;
import org.adhdkb.medication.ProductCatalog;
import org.adhdkb.medication.UnitStrength;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.opencds.cqf.cql.engine.runtime.Tuple;
import org.springframework.stereotype.Component;

/**
 * order-select and order-sign: fires the content's eca-rules for the call's draft orders of ADHD medicines. Every
 * check is a rule of the content (docs/eca-rules.md): the dose within the label's limits (PlanDefinition dose-limits),
 * a weight that is missing or out of date (weight-for-dosing), a line the label does not recommend or dose for this
 * patient (dosing-for-this-patient), a product with an ADHD ingredient but no ADHD dosing here (product-not-dosed),
 * interactions and follow-up. What stays here is which orders call for them: a draft of an ADHD product line (its
 * product, its own code or an ingredient) or of a product with an ADHD ingredient; an order of another medicine alone
 * fires none. It also reads each draft's amount a day ({@link DraftDose}, the proven fast path of the CQL's reading) and
 * gives it to the CQL as a parameter. A medicationReference is already resolved ({@link ReferencedMedications}, or 412).
 */
@Component
class OrderReview {

	/** The CQL parameter of AdhdOrderDose by which the order services give the CQL the draft orders' doses they read. */
	static final String DRAFT_ORDER_DOSES = "Draft order doses";

	private final KnowledgeArtifacts artifacts;
	private final EcaRules rules;

	OrderReview(KnowledgeArtifacts artifacts, EcaRules rules) {
		this.artifacts = artifacts;
		this.rules = rules;
	}

	List<CardJson.Card> review(HookRules hook, HookData data, HookCall call) {
		// one CQL session each for the record as it is (the rules before the orders) and with the orders counted as
		// taken, each started only when first asked; the second takes from the first what reads no MedicationRequest
		// (age, weight, conditions), so it is computed once
		ProductCatalog catalog = artifacts.productCatalog(call.request());
		List<CodeableConcept> adhdOrders = new ArrayList<>();
		List<Tuple> doses = new ArrayList<>();
		for (MedicationRequest draft : data.draftOrders()) {
			Medication own = data.referencedMedication(draft);
			CodeableConcept code = HookData.medicationCode(draft, own);
			ProductCatalog.Ordered ordered = catalog.find(code, own);
			if (ordered.checkable() || ordered.withoutDosing()) {
				adhdOrders.add(code);
			}
			if (ordered.checkable() && draft.hasIdElement() && draft.getIdElement().getIdPart() != null) {
				doses.add(doseOf(draft, ordered));
			}
		}
		HookData withOrders = data.withDraftOrdersActive();
		GuidanceLogic.Definitions asItIs = rules.scope(hook, data, call, Map.of(DRAFT_ORDER_DOSES, doses));
		GuidanceLogic.Definitions withOrdersScope = rules.scopeWithOrders(asItIs, withOrders);
		List<CardJson.Card> result = new ArrayList<>();
		Set<String> fired = new HashSet<>();
		for (CodeableConcept code : adhdOrders) {
			result.addAll(rules.fire(code, withOrders, withOrdersScope, call, fired));
		}
		result.addAll(rules.fireForTakenMedicines(data, asItIs, withOrders, withOrdersScope, call, fired));
		return result;
	}

	/**
	 * The amount a day of a draft order of a product line, as the fast path of AdhdOrderDose."Daily dose" reads it
	 * (DraftDose, with the strength of the ordered product counted in the first line's dose basis, as the CQL does).
	 */
	private static Tuple doseOf(MedicationRequest draft, ProductCatalog.Ordered ordered) {
		DraftDose dose = DraftDose.of(draft, UnitStrength.of(ordered.product(), ordered.lines().get(0)), ordered.name());
		Map<String, Object> elements = new LinkedHashMap<>();
		elements.put("id", draft.getIdElement().getIdPart());
		elements.put("dailyMg", plain(dose.dailyMg()));
		elements.put("administrations", plain(dose.administrations()));
		elements.put("problem", dose.problem());
		return new Tuple().withElements(elements);
	}

	/** A number as the CQL writes it: 120, not 1.2E+2 (what a stripped BigDecimal prints). */
	private static BigDecimal plain(BigDecimal value) {
		return value == null || value.scale() >= 0 ? value : value.setScale(0);
	}
}
