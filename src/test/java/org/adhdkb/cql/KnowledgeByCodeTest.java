package org.adhdkb.cql;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;
import org.opencds.cqf.cql.engine.fhir.model.R4FhirModelResolver;
import org.opencds.cqf.cql.engine.runtime.Code;

/**
 * The content's products are knowledge the order hooks find by the ordered code; a retrieve of every Medication (how
 * the CQL resolves an EHR's medicationReference) gets none of them, or each order would be matched against them all.
 */
class KnowledgeByCodeTest {

	private static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";

	@Test
	void productsAreFoundByTheirCodeAndNotByARetrieveOfEveryMedication() {
		Medication capsule = new Medication().setCode(new CodeableConcept(new Coding(RXNORM, "854834", null)));
		capsule.setId("rxnorm-854834");
		Medication tablet = new Medication().setCode(new CodeableConcept(new Coding(RXNORM, "1091157", null)));
		tablet.setId("rxnorm-1091157");
		Medication ehrs = new Medication().setCode(new CodeableConcept(new Coding(RXNORM, "854834", null)));
		ehrs.setId("ehr-med");
		RecordRetrieveProvider retrieve = new RecordRetrieveProvider(Map.of("Medication", List.<Resource>of(ehrs)),
				new R4FhirModelResolver(FhirContext.forR4Cached()), null, new Knowledge(List.of(capsule, tablet), Set.of("Medication")));

		Iterable<Object> byCode = retrieve.retrieve("Patient", null, "p", "Medication", null, "code",
				List.of(new Code().withSystem(RXNORM).withCode("854834")), null, null, null, null, null);
		Iterable<Object> every = retrieve.retrieve("Patient", null, "p", "Medication", null, null, null, null, null, null,
				null, null);

		assertThat(byCode).containsExactly(capsule, ehrs);
		assertThat(every).containsExactly(ehrs);
	}
}
