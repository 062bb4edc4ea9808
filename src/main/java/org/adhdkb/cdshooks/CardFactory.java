package org.adhdkb.cdshooks;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import ca.uhn.fhir.context.FhirContext;
import org.adhdkb.guidance.KnowledgeArtifacts;
import org.hl7.fhir.r4.model.BackboneElement;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Element;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Property;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.RequestGroup;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.stereotype.Component;

/**
 * Builds spec-conformant cards: every card gets a uuid, a summary under 140 characters, a source naming the
 * PlanDefinition or MedicationKnowledge it comes from with a link to it, and the override reasons its kind offers
 * (CodeSystem cds-card, property override-reason); every suggestion gets a uuid, and a card with suggestions says how
 * they may be selected.
 */
@Component
class CardFactory {

	static final String OVERRIDE_REASONS = "http://adhdkb.org/fhir/CodeSystem/cds-override-reason";
	static final String CARD_KINDS = "http://adhdkb.org/fhir/CodeSystem/cds-card";
	private static final String OUR_EXTENSIONS = "http://adhdkb.org/fhir/StructureDefinition/";
	/** CDS Hooks: "summary ... SHALL be less than 140 characters". */
	private static final int SUMMARY_LIMIT = 139;

	private final KnowledgeArtifacts artifacts;
	private final FhirContext fhirContext;

	CardFactory(KnowledgeArtifacts artifacts, FhirContext fhirContext) {
		this.artifacts = artifacts;
		this.fhirContext = fhirContext;
	}

	enum Indicator {
		INFO, WARNING, CRITICAL;

		String code() {
			return name().toLowerCase();
		}

		/** Action priorities of the content decide how loud a card is: routine is information, urgent a warning. */
		static Indicator of(RequestGroup.RequestPriority priority) {
			if (priority == null || priority == RequestGroup.RequestPriority.NULL) {
				return INFO;
			}
			return switch (priority) {
				case URGENT -> WARNING;
				case ASAP, STAT -> CRITICAL;
				default -> INFO;
			};
		}
	}

	/** A card of the given kind (a code of CodeSystem cds-card), offering the override reasons of that kind. */
	CardJson.Card card(String kind, Indicator indicator, String summary, String detail, CardJson.Source source,
			List<CardJson.Suggestion> suggestions, List<CardJson.Link> links, HookCall call) {
		boolean offersChoice = !suggestions.isEmpty();
		return new CardJson.Card(
				kind,
				UUID.randomUUID().toString(),
				shortened(summary),
				detail == null || detail.isBlank() ? null : detail,
				indicator.code(),
				source,
				suggestions,
				offersChoice ? "at-most-one" : null,
				overrideReasons(kind, call),
				links);
	}

	CardJson.Source source(PlanDefinition plan, HookCall call) {
		CardJson.Coding topic = plan.getTopicFirstRep().getCoding().stream().findFirst()
				.map(c -> new CardJson.Coding(c.getSystem(), c.getCode(), c.getDisplay()))
				.orElse(null);
		return new CardJson.Source("adhdkb guidance: " + plan.getTitle(), url(plan, call), topic);
	}

	CardJson.Source source(MedicationKnowledge medicine, HookCall call) {
		return new CardJson.Source("adhdkb medicine knowledge: " + name(medicine), url(medicine, call), null);
	}

	CardJson.Link link(PlanDefinition plan, HookCall call) {
		return new CardJson.Link(plan.getTitle() + " (PlanDefinition)", url(plan, call), "absolute");
	}

	CardJson.Link link(org.hl7.fhir.r4.model.ActivityDefinition activity, HookCall call) {
		return new CardJson.Link(activity.getTitle() + " (ActivityDefinition)", url(activity, call), "absolute");
	}

	CardJson.Link link(org.hl7.fhir.r4.model.ValueSet valueSet, HookCall call) {
		return new CardJson.Link(valueSet.getTitle() + " (ValueSet)", url(valueSet, call), "absolute");
	}

	CardJson.Link link(MedicationKnowledge medicine, HookCall call) {
		return new CardJson.Link(capitalised(name(medicine)) + ": dosing and monitoring (MedicationKnowledge)",
				url(medicine, call), "absolute");
	}

	CardJson.Suggestion suggestion(String label, List<CardJson.Action> actions) {
		return new CardJson.Suggestion(shortened(label), UUID.randomUUID().toString(), true, actions);
	}

	CardJson.Action create(Resource resource, String description) {
		Resource copy = resource.copy();
		copy.setId((String) null);
		withoutOurExtensions(copy);
		return new CardJson.Action("create", description, encode(copy));
	}

	CardJson.Action update(Resource resource, String description) {
		Resource copy = resource.copy();
		withoutOurExtensions(copy);
		return new CardJson.Action("update", description, encode(copy));
	}

	/**
	 * A suggested resource goes into the client's record: our own extensions (statement-source and the like) mean
	 * nothing there and would fail its validation, so they are taken out, at every level.
	 */
	private static void withoutOurExtensions(Base element) {
		if (element instanceof DomainResource resource) {
			resource.getExtension().removeIf(CardFactory::ours);
			resource.getModifierExtension().removeIf(CardFactory::ours);
		}
		if (element instanceof Element inner) {
			inner.getExtension().removeIf(CardFactory::ours);
		}
		if (element instanceof BackboneElement backbone) {
			backbone.getModifierExtension().removeIf(CardFactory::ours);
		}
		for (Property child : element.children()) {
			for (Base value : child.getValues()) {
				withoutOurExtensions(value);
			}
		}
	}

	private static boolean ours(Extension extension) {
		return extension.getUrl() != null && extension.getUrl().startsWith(OUR_EXTENSIONS);
	}

	static String name(MedicationKnowledge medicine) {
		return medicine.getCode().hasText() ? medicine.getCode().getText() : medicine.getIdElement().getIdPart();
	}

	static String capitalised(String text) {
		return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
	}

	/**
	 * The reasons a kind of card offers, in the content's order. A kind the content does not list offers none: a reason
	 * that does not fit the card would be worse than no choice (the spec makes overrideReasons optional).
	 */
	private List<CardJson.Coding> overrideReasons(String kind, HookCall call) {
		CodeSystem kinds = artifacts.byCanonical(CodeSystem.class, CARD_KINDS, call.request());
		CodeSystem reasons = artifacts.byCanonical(CodeSystem.class, OVERRIDE_REASONS, call.request());
		List<CardJson.Coding> codings = new ArrayList<>();
		for (CodeSystem.ConceptDefinitionComponent concept : kinds.getConcept()) {
			if (!concept.getCode().equals(kind)) {
				continue;
			}
			for (CodeSystem.ConceptPropertyComponent property : concept.getProperty()) {
				if (property.getCode().equals("override-reason") && property.getValue() instanceof CodeType code) {
					reasons.getConcept().stream().filter(r -> r.getCode().equals(code.getCode())).findFirst().ifPresent(
							r -> codings.add(new CardJson.Coding(OVERRIDE_REASONS, r.getCode(), r.getDisplay())));
				}
			}
		}
		return codings;
	}

	private String encode(Resource resource) {
		return fhirContext.newJsonParser().encodeResourceToString(resource);
	}

	/**
	 * The knowledge browser's page of the resource (its hash routes, see static/ui/main.js), for people: HAPI's own
	 * view of a resource is a developer's page. Other types have no page there, so they link to the FHIR resource.
	 */
	private static String url(Resource resource, HookCall call) {
		String id = java.net.URLEncoder.encode(resource.getIdElement().getIdPart(), java.nio.charset.StandardCharsets.UTF_8);
		return switch (resource.fhirType()) {
			case "MedicationKnowledge" -> call.pagesBase() + "/#/medicine/" + id;
			case "PlanDefinition" -> call.pagesBase() + "/#/plan/" + id;
			case "ActivityDefinition" -> call.pagesBase() + "/#/activity/" + id;
			case "ValueSet" -> call.pagesBase() + "/#/valueset/" + id;
			default -> call.fhirBase() + "/" + resource.fhirType() + "/" + id;
		};
	}

	private static String shortened(String text) {
		return text.length() <= SUMMARY_LIMIT ? text : text.substring(0, SUMMARY_LIMIT - 1) + "…";
	}
}
