package org.adhdkb.cdshooks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import ca.uhn.fhir.context.support.ValueSetExpansionOptions;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import org.adhdkb.cache.ChangeCounter;
import org.adhdkb.cache.KeptResources;
import org.adhdkb.cache.VersionedCache;
import org.adhdkb.guidance.KnowledgeArtifacts;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DataRequirement;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Library;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ValueSet;
import org.springframework.stereotype.Component;

/**
 * The CDS services adhdkb offers, derived from the content (docs/eca-rules.md): one service per hook that has active
 * eca-rule PlanDefinitions, with the id {@code adhd-<hook>}, a description listing its rules, and prefetch templates
 * from the data requirements of the rules' CQL Libraries. Rebuilt when the content changes.
 */
@Component
class CdsServiceCatalog {

	static final String PATIENT_VIEW = "adhd-patient-view";
	static final String ORDER_SELECT = "adhd-order-select";
	static final String ORDER_SIGN = "adhd-order-sign";
	private static final String SERVICE_PREFIX = "adhd-";
	/** More knowledge resources of one type than the content will ever hold. */
	private static final int MAX_KNOWLEDGE = 10_000;
	private static final Set<String> ORDER_HOOKS = Set.of("order-select", "order-sign");
	/** Titles clients know the services by; a hook the content adds later gets a title from its name. */
	private static final Map<String, String> TITLES = Map.of(
			"order-select", "ADHD medication order check",
			"order-sign", "ADHD medication order check at signing",
			"patient-view", "ADHD medication monitoring");
	private final EcaRules eca;
	private final OrderReview orders;
	private final KnowledgeArtifacts artifacts;
	private final DaoRegistry daoRegistry;
	private final FhirContext fhir;
	private final IValidationSupport validationSupport;
	private final ChangeCounter changeCounter;
	private final VersionedCache<String, Map<String, HookService>> services;

	CdsServiceCatalog(EcaRules eca, OrderReview orders, KnowledgeArtifacts artifacts, DaoRegistry daoRegistry,
			FhirContext fhir, IValidationSupport validationSupport, ChangeCounter changeCounter) {
		this.eca = eca;
		this.orders = orders;
		this.artifacts = artifacts;
		this.daoRegistry = daoRegistry;
		this.fhir = fhir;
		this.validationSupport = validationSupport;
		this.changeCounter = changeCounter;
		this.services = new VersionedCache<String, Map<String, HookService>>(changeCounter, 1).oneComputationAtATime();
	}

	Optional<HookService> byId(String id) {
		return Optional.ofNullable(services().get(id));
	}

	List<HookService> all() {
		return List.copyOf(services().values());
	}

	private Map<String, HookService> services() {
		RequestDetails request = new SystemRequestDetails();
		return services.get("services", changeCounter.current(request), key -> build(request));
	}

	private Map<String, HookService> build(RequestDetails request) {
		Map<String, List<PlanDefinition>> rulesByHook = new TreeMap<>();
		ORDER_HOOKS.forEach(hook -> rulesByHook.put(hook, new ArrayList<>())); // offered even before content is loaded
		// clients are configured with adhd-patient-view: a server without rules for it (no content loaded) still
		// offers it, answering no cards, rather than 404
		rulesByHook.put("patient-view", new ArrayList<>());
		for (PlanDefinition rule : eca.rules(request)) {
			for (var action : rule.getAction()) {
				for (var trigger : action.getTrigger()) {
					if (trigger.hasName()) {
						List<PlanDefinition> ofHook = rulesByHook.computeIfAbsent(trigger.getName(), h -> new ArrayList<>());
						if (!ofHook.contains(rule)) {
							ofHook.add(rule);
						}
					}
				}
			}
		}
		Map<String, HookService> built = new LinkedHashMap<>();
		Map<String, List<Resource>> knowledgeByType = new HashMap<>(); // read once, shared by every hook's rules
		rulesByHook.forEach((hook, rules) -> {
			HookRules hookRules = hookRules(hook, rules, knowledgeByType, request);
			Map<String, String> prefetch = PrefetchTemplates.of(requirements(hookRules, request), fhir,
					this::expansion);
			// every hook is about a patient: the Patient read is always asked for, whatever the rules retrieve
			Map<String, String> withPatient = new LinkedHashMap<>();
			withPatient.put(PrefetchTemplates.PATIENT_KEY, "Patient/{{context.patientId}}");
			withPatient.putAll(prefetch);
			prefetch = withPatient;
			String description = description(rules);
			HookService service;
			if (ORDER_HOOKS.contains(hook)) {
				service = HookService.of(SERVICE_PREFIX + hook, hook, TITLES.get(hook),
						description.isEmpty() ? "No rules in the content yet." : "Rules: " + description, prefetch,
						(data, call) -> orders.review(hookRules, data, call));
			} else {
				service = HookService.of(SERVICE_PREFIX + hook, hook, TITLES.getOrDefault(hook, "ADHD guidance: " + hook),
						(description.isEmpty() ? "No rules in the content yet." : "Rules: " + description), prefetch, (data, call) -> eca.fireAll(hookRules, data, call));
			}
			built.put(service.descriptor().getId(), service);
		});
		return built;
	}

	private HookRules hookRules(String hook, List<PlanDefinition> rules, Map<String, List<Resource>> knowledgeByType,
			RequestDetails request) {
		Set<String> libraryUrls = new LinkedHashSet<>();
		rules.forEach(rule -> rule.getLibrary().forEach(library -> libraryUrls.add(library.getValue())));
		List<CanonicalType> libraries = libraryUrls.stream().map(CanonicalType::new).toList();
		Set<String> knowledgeTypes = new LinkedHashSet<>();
		for (String url : libraryUrls) {
			for (DataRequirement requirement : artifacts.byCanonical(Library.class, url, request).getDataRequirement()) {
				// the content's Medications (the products, with their strengths) are knowledge for the order hooks, whose
				// draft orders Library AdhdOrderDose finds by product code; a retrieve of every Medication resolves an
				// EHR's medicationReference (already turned into the order's code by ReferencedMedications), so it gets
				// none of them (matching each order against every product was most of a call's CPU: 2 ms became 17-38)
				if (!PrefetchTemplates.inPatientCompartment(requirement.getType(), fhir)
						&& (!requirement.getType().equals("Medication") || ORDER_HOOKS.contains(hook))) {
					knowledgeTypes.add(requirement.getType());
				}
			}
		}
		List<Resource> knowledge = new ArrayList<>();
		for (String type : knowledgeTypes) {
			if (type.equals("Medication")) {
				// the content's products, with a line or without one (a product no line doses is said to be so), read
				// by id (a search of all would be cut at HAPI's page size)
				knowledge.addAll(knowledgeByType.computeIfAbsent(type,
						t -> List.copyOf(artifacts.productCatalog(request).products())));
			} else if (fhir.getResourceTypes().contains(type)) {
				knowledge.addAll(knowledgeByType.computeIfAbsent(type, t -> everyResourceOfType(t, request)));
			}
		}
		List<PlanDefinition> withAction = rules.stream()
				.filter(rule -> rule.getAction().stream().anyMatch(a -> EcaRules.triggeredByHook(a, hook))).toList();
		return new HookRules(hook, withAction, libraries, new org.adhdkb.cql.Knowledge(knowledge, Set.of("Medication")));
	}

	/**
	 * Every resource of a knowledge type in the content, however many (a large search is paged by HAPI even when asked
	 * for in one go), without its narrative: the CQL reads the knowledge, never its human-readable text. Read once for
	 * all hooks and without narratives, the copies take about 20 MB less heap than one full copy per hook did.
	 */
	private List<Resource> everyResourceOfType(String type, RequestDetails request) {
		SearchParameterMap all = SearchParameterMap.newSynchronous();
		all.setLoadSynchronousUpTo(MAX_KNOWLEDGE);
		List<Resource> found = new ArrayList<>();
		for (IBaseResource resource : daoRegistry.getResourceDao(type).search(all, request).getResources(0, MAX_KNOWLEDGE)) {
			if (resource instanceof DomainResource domain) {
				domain.setText(null);
			}
			found.add((Resource) KeptResources.compact(resource));
		}
		return List.copyOf(found);
	}

	private List<DataRequirement> requirements(HookRules hook, RequestDetails request) {
		List<DataRequirement> requirements = new ArrayList<>();
		for (CanonicalType library : hook.libraries()) {
			requirements.addAll(artifacts.byCanonical(Library.class, library.getValue(), request).getDataRequirement());
		}
		return requirements;
	}

	/** The service describes itself by its rules: their titles, in the order of their urls. */
	private static String description(List<PlanDefinition> rules) {
		return String.join("; ", rules.stream().map(PlanDefinition::getTitle).toList());
	}

	/** A value set's codes from the server's terminology (as $expand gives them); null when it cannot be expanded. */
	private List<Coding> expansion(String valueSetUrl) {
		IValidationSupport.ValueSetExpansionOutcome outcome;
		try {
			outcome = validationSupport.expandValueSet(new ValidationSupportContext(validationSupport),
					new ValueSetExpansionOptions().setCount(PrefetchTemplates.MAX_CODES + 1), valueSetUrl);
		} catch (RuntimeException tooManyOrUnknown) {
			return null; // HAPI refuses an expansion beyond the count: too many codes to spell out
		}
		if (outcome == null || !(outcome.getValueSet() instanceof ValueSet expanded)) {
			return null;
		}
		List<Coding> codes = new ArrayList<>();
		collect(expanded.getExpansion().getContains(), codes);
		if (expanded.getExpansion().hasTotal() && expanded.getExpansion().getTotal() > codes.size()) {
			return null; // cut at the count: more than we spell out
		}
		return codes;
	}

	private static void collect(List<ValueSet.ValueSetExpansionContainsComponent> contains, List<Coding> into) {
		for (ValueSet.ValueSetExpansionContainsComponent entry : contains) {
			if (entry.hasCode()) {
				into.add(new Coding(entry.getSystem(), entry.getCode(), null));
			}
			collect(entry.getContains(), into);
		}
	}
}
