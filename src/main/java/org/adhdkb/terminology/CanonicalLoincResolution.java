package org.adhdkb.terminology;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.dao.JpaPersistedResourceValidationSupport;
import ca.uhn.fhir.jpa.validation.JpaValidationSupportChain;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.ValueSet;
import org.springframework.beans.factory.config.BeanPostProcessor;

import java.util.Locale;

/**
 * Resolves code systems and value sets whose canonical URL mentions LOINC by that URL, as every other canonical.
 *
 * <p>Why: HAPI's {@link JpaPersistedResourceValidationSupport} assumes that LOINC was loaded with HAPI's own LOINC
 * uploader, which stores it as {@code CodeSystem/loinc}. For any unversioned URL that merely contains "loinc" it reads
 * {@code CodeSystem/loinc} (or {@code ValueSet/<the part after http://loinc.org/vs/>}) by resource id, and never searches
 * by URL (TermReadSvcUtil.isLoincUnversionedCodeSystem). Our LOINC fragment is {@code CodeSystem/loinc-fragment}, so
 * HAPI found no {@code http://loinc.org} at all: {@code $lookup} answered 404 and {@code $validate-code} "unknown code
 * system" for every LOINC code of the content. This module sits first in HAPI's validation support chain and answers
 * those URLs with HAPI's own search by canonical URL (the same {@code fetchResource} HAPI uses for all other URLs);
 * when that finds nothing the chain goes on to HAPI's id-based rule, so a LOINC release loaded by HAPI's uploader
 * still resolves.
 */
final class CanonicalLoincResolution implements IValidationSupport {

	private final JpaPersistedResourceValidationSupport stored;

	private CanonicalLoincResolution(JpaPersistedResourceValidationSupport stored) {
		this.stored = stored;
	}

	/** Whether HAPI's LOINC rule (any unversioned URL containing "loinc", any case) would catch this URL. */
	static boolean caughtByHapisLoincRule(String url) {
		return url != null && !url.contains("|") && url.toLowerCase(Locale.ROOT).contains("loinc");
	}

	@Override
	public IBaseResource fetchCodeSystem(String system) {
		return caughtByHapisLoincRule(system) ? stored.fetchResource(CodeSystem.class, system) : null;
	}

	@Override
	public IBaseResource fetchValueSet(String url) {
		return caughtByHapisLoincRule(url) ? stored.fetchResource(ValueSet.class, url) : null;
	}

	@Override
	public FhirContext getFhirContext() {
		return stored.getFhirContext();
	}

	@Override
	public String getName() {
		return "adhdkb: LOINC resolved by canonical URL";
	}

	/** Puts the module at the head of HAPI's JPA validation support chain once HAPI has built the chain. */
	static final class Installer implements BeanPostProcessor {
		@Override
		public Object postProcessAfterInitialization(Object bean, String beanName) {
			if (bean instanceof JpaValidationSupportChain chain
					&& chain.myJpaValidationSupport instanceof JpaPersistedResourceValidationSupport stored) {
				chain.addValidationSupport(0, new CanonicalLoincResolution(stored));
			}
			return bean;
		}
	}
}
