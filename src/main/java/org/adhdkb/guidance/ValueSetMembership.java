package org.adhdkb.guidance;

import ca.uhn.fhir.context.support.ConceptValidationOptions;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import org.hl7.fhir.r4.model.Coding;
import org.springframework.stereotype.Component;

import java.util.List;

/** Whether a coding is in one of our value sets, answered by HAPI's terminology service (pre-expanded value sets). */
@Component
public class ValueSetMembership {

	public static final String SSRIS = "http://adhdkb.org/fhir/ValueSet/ssri-medications";
	public static final String STRONG_CYP2D6_INHIBITORS = "http://adhdkb.org/fhir/ValueSet/strong-cyp2d6-inhibitors";

	private final IValidationSupport validationSupport;

	public ValueSetMembership(IValidationSupport validationSupport) {
		this.validationSupport = validationSupport;
	}

	public boolean anyIn(List<Coding> codings, String valueSetUrl) {
		for (Coding coding : codings) {
			if (coding.hasSystem() && coding.hasCode()) {
				var result = validationSupport.validateCode(
						new ValidationSupportContext(validationSupport),
						new ConceptValidationOptions(),
						coding.getSystem(),
						coding.getCode(),
						null,
						valueSetUrl);
				if (result != null && result.isOk()) {
					return true;
				}
			}
		}
		return false;
	}
}
