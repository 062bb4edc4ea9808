package org.adhdkb.cdshooks;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.StringParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.RestfulServer;
import org.adhdkb.guidance.KnowledgeArtifacts;
import org.adhdkb.server.FhirServerCustomizer;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Component;

/**
 * {@code AuditEvent/$cds-feedback-summary}: for operators tuning alert fatigue, how often each kind of card of each
 * service was accepted and overridden, and why, counted from the stored feedback AuditEvents. It is a read of the
 * audit trail, so it is authorised as one (a token that may read AuditEvent, never anonymous).
 */
@Component
class FeedbackSummary implements FhirServerCustomizer {

	static final String OPERATION = "$cds-feedback-summary";
	private static final int PAGE = 500;

	private final DaoRegistry daoRegistry;
	private final KnowledgeArtifacts artifacts;

	FeedbackSummary(DaoRegistry daoRegistry, KnowledgeArtifacts artifacts) {
		this.daoRegistry = daoRegistry;
		this.artifacts = artifacts;
	}

	@Override
	public void customize(RestfulServer server) {
		server.registerProvider(this);
	}

	/** Counts per service and card kind; {@code service} narrows to one service. */
	private static final class Counts {
		int accepted;
		int overridden;
		int withoutReason;
		final Map<String, Integer> reasons = new TreeMap<>();
	}

	@Operation(name = OPERATION, idempotent = true, typeName = "AuditEvent")
	public Parameters summary(@OperationParam(name = "service", max = 1) StringType service, RequestDetails request) {
		SearchParameterMap search = new SearchParameterMap()
				.add(AuditEvent.SP_TYPE, new TokenParam(FeedbackStore.FEEDBACK, "card-feedback"));
		if (service != null && service.hasValue()) {
			search.add(AuditEvent.SP_ENTITY_NAME, new StringParam(service.getValue(), true));
		}
		Map<String, Counts> byCard = new TreeMap<>();
		IBundleProvider found = daoRegistry.getResourceDao("AuditEvent").search(search, request);
		for (int from = 0; ; from += PAGE) {
			List<IBaseResource> page = found.getResources(from, from + PAGE);
			page.forEach(resource -> count((AuditEvent) resource, byCard));
			if (page.size() < PAGE) {
				break;
			}
		}
		CodeSystem kinds = artifacts.byCanonical(CodeSystem.class, CardFactory.CARD_KINDS, request);
		CodeSystem reasons = artifacts.byCanonical(CodeSystem.class, CardFactory.OVERRIDE_REASONS, request);
		Parameters result = new Parameters();
		byCard.forEach((key, counts) -> {
			String[] serviceAndKind = key.split(" ", 2);
			Parameters.ParametersParameterComponent card = result.addParameter().setName("card");
			card.addPart().setName("service").setValue(new StringType(serviceAndKind[0]));
			card.addPart().setName("kind").setValue(coding(kinds, serviceAndKind[1]));
			card.addPart().setName("accepted").setValue(new IntegerType(counts.accepted));
			card.addPart().setName("overridden").setValue(new IntegerType(counts.overridden));
			card.addPart().setName("overriddenWithoutReason").setValue(new IntegerType(counts.withoutReason));
			counts.reasons.forEach((reason, n) -> {
				Parameters.ParametersParameterComponent part = card.addPart().setName("overrideReason");
				part.addPart().setName("reason").setValue(coding(reasons, reason.substring(reason.indexOf('|') + 1)));
				part.addPart().setName("count").setValue(new IntegerType(n));
			});
		});
		return result;
	}

	private static void count(AuditEvent event, Map<String, Counts> byCard) {
		if (event.getEntity().size() < 2) {
			return;
		}
		AuditEvent.AuditEventEntityComponent card = event.getEntity().get(0);
		String service = event.getEntity().get(1).getName();
		String kind = detail(card, FeedbackStore.CARD_KIND);
		Counts counts = byCard.computeIfAbsent(service + " " + (kind == null ? "unknown" : kind), k -> new Counts());
		String outcome = event.getSubtypeFirstRep().getCode();
		if ("accepted".equals(outcome)) {
			counts.accepted++;
		} else if ("overridden".equals(outcome)) {
			counts.overridden++;
			String reason = detail(card, "overrideReason");
			if (reason == null) {
				counts.withoutReason++;
			} else {
				counts.reasons.merge(reason, 1, Integer::sum);
			}
		}
	}

	private static String detail(AuditEvent.AuditEventEntityComponent entity, String type) {
		return entity.getDetail().stream().filter(d -> type.equals(d.getType()))
				.map(d -> d.getValue().primitiveValue()).findFirst().orElse(null);
	}

	private static Coding coding(CodeSystem system, String code) {
		String display = system.getConcept().stream().filter(c -> c.getCode().equals(code))
				.map(CodeSystem.ConceptDefinitionComponent::getDisplay).findFirst().orElse(null);
		return new Coding(system.getUrl(), code, display);
	}
}
