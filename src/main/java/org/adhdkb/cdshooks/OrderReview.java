package org.adhdkb.cdshooks;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.adhdkb.guidance.GuidanceLogic;
import org.adhdkb.guidance.KnowledgeArtifacts;
import org.adhdkb.medication.ProductCatalog;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.springframework.stereotype.Component;

/**
 * order-select and order-sign: fires the content's eca-rules for the call's draft orders of ADHD medicines. Every
 * check is a rule of the content (docs/eca-rules.md): the dose within the label's limits (PlanDefinition dose-limits),
 * a weight that is missing or out of date (weight-for-dosing), a line the label does not recommend or dose for this
 * patient (dosing-for-this-patient), a product with an ADHD ingredient but no ADHD dosing here (product-not-dosed),
 * interactions and follow-up. What stays here is which orders call for them: a draft of an ADHD product line (its
 * product, its own code or an ingredient) or of a product with an ADHD ingredient; an order of another medicine alone
 * fires none. A medicationReference is already resolved ({@link ReferencedMedications}, or 412).
 */
@Component
class OrderReview {

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
		HookData withOrders = data.withDraftOrdersActive();
		GuidanceLogic.Definitions asItIs = rules.scope(hook, data, call);
		GuidanceLogic.Definitions withOrdersScope = rules.scopeWithOrders(asItIs, withOrders);
		ProductCatalog catalog = artifacts.productCatalog(call.request());
		List<CardJson.Card> result = new ArrayList<>();
		Set<String> fired = new HashSet<>();
		for (MedicationRequest draft : data.draftOrders()) {
			Medication own = data.referencedMedication(draft);
			CodeableConcept code = HookData.medicationCode(draft, own);
			ProductCatalog.Ordered ordered = catalog.find(code, own);
			if (ordered.checkable() || ordered.withoutDosing()) {
				result.addAll(rules.fire(code, withOrders, withOrdersScope, call, fired));
			}
		}
		result.addAll(rules.fireForTakenMedicines(data, asItIs, withOrders, withOrdersScope, call, fired));
		return result;
	}
}
