package org.adhdkb.cdshooks;

import java.util.List;

import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.adhdkb.cql.Knowledge;

/**
 * The eca-rules of one hook as the content has them now, with what evaluating them needs besides the patient's record.
 *
 * @param hook      the hook's name (its rules' named-event trigger)
 * @param rules     the PlanDefinitions with a top-level action triggered by the hook, by url
 * @param libraries the CQL Libraries of those rules, each once
 * @param knowledge the content's resources of the knowledge types the Libraries retrieve (MedicationKnowledge,
 *                  PlanDefinition, ...), with the values of the definitions that read only them, kept while the
 *                  content does not change: shared, not to be modified
 */
record HookRules(String hook, List<PlanDefinition> rules, List<CanonicalType> libraries, Knowledge knowledge) {}
