package org.adhdkb.guidance;

import ca.uhn.fhir.context.support.ConceptValidationOptions;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.hl7.fhir.r4.model.Coding;
import org.adhdkb.cache.ChangeCounter;
import org.adhdkb.cache.VersionedCache;
import org.springframework.stereotype.Component;

import java.util.List;

/** Whether a coding is in one of our value sets, answered by HAPI's terminology service (pre-expanded value sets). */
@Component
public class ValueSetMembership {

	public static final String SSRIS = "http://adhdkb.org/fhir/ValueSet/ssri-medications";

	private final IValidationSupport validationSupport;
	private final ChangeCounter changeCounter;
	private final VersionedCache<String, Boolean> answers;

	public ValueSetMembership(IValidationSupport validationSupport, ChangeCounter changeCounter) {
		this.validationSupport = validationSupport;
		this.changeCounter = changeCounter;
		this.answers = new VersionedCache<>(changeCounter, 10_000);
	}

	public boolean anyIn(List<Coding> codings, String valueSetUrl) {
		return anyIn(codings, valueSetUrl, answers.currentVersion());
	}

	/**
	 * The same at the content version pinned for the request (one database read per request, not one per question:
	 * a CDS call asks this for every trigger of every rule).
	 */
	public boolean anyIn(List<Coding> codings, String valueSetUrl, RequestDetails request) {
		return anyIn(codings, valueSetUrl, changeCounter.current(request));
	}

	/**
	 * The same, for a caller that already knows the content version it works at (a CQL evaluator lives for one
	 * version and asks this for every code its queries test: reading the version each time was a database query per
	 * code, most of a patient-view call's CPU).
	 */
	public boolean anyIn(List<Coding> codings, String valueSetUrl, long version) {
		for (Coding coding : codings) {
			if (coding.hasSystem() && coding.hasCode()
					&& answers.get(valueSetUrl + "|" + coding.getSystem() + "|" + coding.getCode(), version,
							key -> isIn(coding, valueSetUrl))) {
				return true;
			}
		}
		return false;
	}

	private boolean isIn(Coding coding, String valueSetUrl) {
		var result = validationSupport.validateCode(
				new ValidationSupportContext(validationSupport),
				new ConceptValidationOptions(),
				coding.getSystem(),
				coding.getCode(),
				null,
				valueSetUrl);
		return result != null && result.isOk();
	}
}
