package org.adhdkb.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import org.hl7.fhir.r4.model.Bundle;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationInterceptor;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilder;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderAppliesTo;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleFinished;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleTester;
import ca.uhn.fhir.rest.server.interceptor.auth.RuleBuilder;
import org.adhdkb.security.SmartScopes.Permission;
import org.hl7.fhir.instance.model.api.IBaseResource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * HAPI's AuthorizationInterceptor with rules made from the caller's SMART scopes (the token was verified by
 * {@link BearerTokenFilter}). HAPI enforces the rules, on every transaction entry too; this class only maps scopes to
 * rules:
 * <ul>
 * <li>{@code c} create (also conditional); {@code u} update (also conditional; a PUT that creates is an update);
 * {@code d} delete; {@code r} or {@code s} read and search (HAPI's read rule covers both, so they are not told
 * apart), and the read-only operations below on those types;</li>
 * <li>create, update and delete on {@code *} (e.g. {@code system/*.cud}) is the authoring scope: it also admits
 * patch and every other operation (admin operations such as {@code $reindex} or {@code $meta-add});</li>
 * <li>without a token: reads of everything but AuditEvent when reads are open, else nothing.</li>
 * </ul>
 * A refusal is 401 for a caller without a token and 403 for a token that lacks the scope.
 */
class ScopeAuthorizationInterceptor extends AuthorizationInterceptor {

	/** Operations that change nothing stored; any other operation needs the authoring scope. */
	static final List<String> READ_OPERATIONS = List.of(
			"$expand", "$validate-code", "$batch-validate-code", "$lookup", "$subsumes", "$translate", "$versions",
			"$apply", "$package", "$data-requirements", "$evaluate",
			"$validate", "$meta", "$diff", "$everything", "$get-resource-counts",
			"$cds-feedback-summary");

	/**
	 * Operations that count or describe every stored type, the audit trail included: not for anonymous readers, who
	 * may not read AuditEvent (the count of AuditEvents tells how many writes there were).
	 */
	static final List<String> OPERATIONS_OVER_ALL_TYPES = List.of("$get-resource-counts");

	/** A search parameter that reaches into another type: {@code _has:Type:...} or a chain {@code ref:Type.param}. */
	private static final java.util.regex.Pattern TYPE_IN_PARAMETER =
			java.util.regex.Pattern.compile("(?:_has:([A-Za-z]+):)|(?::([A-Z][A-Za-z]+)\\.)");

	/**
	 * Open reads cover everything but the audit trail (who wrote what, from where). A tester rather than a deny rule:
	 * HAPI applies a deny on AuditEvent to every request whose type it cannot know (paging, history), which refused
	 * every next page.
	 */
	private static final IAuthRuleTester NOT_AUDIT = new IAuthRuleTester() {
		@Override
		public boolean matches(RuleTestRequest test) {
			return !"AuditEvent".equals(test.requestDetails.getResourceName()) && !isAudit(test.resource);
		}

		@Override
		public boolean matchesOutput(RuleTestRequest test) {
			return !isAudit(test.resource);
		}

		private static boolean isAudit(IBaseResource resource) {
			return resource != null && "AuditEvent".equals(resource.fhirType());
		}
	};

	private final FhirContext fhirContext;
	private final boolean readsOpen;
	private final boolean localWrites;

	ScopeAuthorizationInterceptor(FhirContext fhirContext, SecurityProperties properties) {
		this.fhirContext = fhirContext;
		this.readsOpen = !properties.isReadRequiresToken();
		this.localWrites = properties.isLocalWrites();
	}

	@Override
	public List<IAuthRule> buildRuleList(RequestDetails request) {
		Rules rules = new Rules();
		if (localWrites) {
			return rules.add(b -> b.allowAll("local writes are on")).list;
		}
		rules.add(b -> b.allow().metadata())
				.add(b -> b.allow().transaction().withAnyOperation().andApplyNormalRules());
		AccessToken token = AccessToken.of(request);
		if (token != null) {
			addScopeRules(rules, token.scopes());
		}
		if (readsOpen) {
			rules.add(b -> b.allow("open reads").read().allResources().withAnyId().withTester(NOT_AUDIT));
			for (String operation : READ_OPERATIONS) {
				if (!OPERATIONS_OVER_ALL_TYPES.contains(operation)) {
					// the tester keeps AuditEvent/{id}/$meta and the like out
					rules.add(b -> b.allow().operation().named(operation).atAnyLevel().andRequireExplicitResponseAuthorization()
							.withTester(NOT_AUDIT));
				}
			}
		}
		return rules.add(b -> b.denyAll("not allowed")).list;
	}

	/**
	 * Each rule from its own RuleBuilder: HAPI 8.8's builder shares one op builder between create() and write(), so
	 * a write() after a create() on the same builder silently became a second create rule.
	 */
	private static final class Rules {
		final List<IAuthRule> list = new ArrayList<>();

		Rules add(Function<IAuthRuleBuilder, IAuthRuleFinished> rule) {
			list.addAll(rule.apply(new RuleBuilder()).build());
			return this;
		}
	}

	private void addScopeRules(Rules rules, SmartScopes scopes) {
		if (scopes.isAuthor()) {
			rules.add(b -> b.allow().patch().allRequests())
					.add(b -> b.allow().operation().withAnyName().atAnyLevel().andAllowAllResponses());
		}
		// types named in the scopes first: each carries what * grants too, so the first rule that matches a type is right
		Map<String, Set<Permission>> grants = scopes.grants();
		grants.forEach((type, granted) -> {
			if (!type.equals(SmartScopes.ALL_TYPES) && fhirContext.getResourceTypes().contains(type)) {
				addGrantRules(rules, granted, fhirContext.getResourceDefinition(type).getImplementingClass());
			}
		});
		if (grants.containsKey(SmartScopes.ALL_TYPES)) {
			addGrantRules(rules, grants.get(SmartScopes.ALL_TYPES), null);
		}
	}

	/** {@code type} null means every type. */
	private static void addGrantRules(Rules rules, Set<Permission> granted, Class<? extends IBaseResource> type) {
		if (granted.contains(Permission.CREATE)) {
			rules.add(b -> of(b.allow().create(), type).withAnyId())
					.add(b -> of(b.allow().createConditional(), type));
		}
		if (granted.contains(Permission.UPDATE)) {
			if (!granted.contains(Permission.CREATE)) {
				// HAPI's write rule covers create as well as update: keep create out explicitly
				rules.add(b -> of(b.deny("update does not include create").create(), type).withAnyId());
			}
			rules.add(b -> of(b.allow().write(), type).withAnyId())
					.add(b -> of(b.allow().updateConditional(), type));
		}
		if (granted.contains(Permission.DELETE)) {
			rules.add(b -> of(b.allow().delete(), type).withAnyId())
					.add(b -> of(b.allow().deleteConditional(), type));
		}
		if (granted.contains(Permission.READ) || granted.contains(Permission.SEARCH)) {
			addReadRules(rules, type);
		}
	}

	private static void addReadRules(Rules rules, Class<? extends IBaseResource> type) {
		rules.add(b -> of(b.allow().read(), type).withAnyId());
		addOperationRules(rules, type);
	}

	private static void addOperationRules(Rules rules, Class<? extends IBaseResource> type) {
		for (String operation : READ_OPERATIONS) {
			if (type == null) {
				rules.add(b -> b.allow().operation().named(operation).atAnyLevel().andRequireExplicitResponseAuthorization());
			} else {
				rules.add(b -> b.allow().operation().named(operation).onType(type).andRequireExplicitResponseAuthorization())
						.add(b -> b.allow().operation().named(operation).onInstancesOfType(type)
								.andRequireExplicitResponseAuthorization());
			}
		}
	}

	/**
	 * What the rules above cannot see. HAPI's rules judge a search by the type searched and the resources returned,
	 * but {@code Patient?_has:AuditEvent:entity:address=127.&_summary=count} returns no AuditEvent and still answers a
	 * yes/no question about the audit trail: a search that reaches into a type (reverse chain or chain) needs read
	 * access to that type too. And PATCH needs the authoring scope ({@code *.cud}), as the README says: HAPI's write
	 * rule would also let a {@code .u} scope patch.
	 */
	@Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
	public void searchesAndPatches(RequestDetails request, RestOperationTypeEnum operation) {
		if (localWrites) {
			return;
		}
		AccessToken token = AccessToken.of(request);
		for (String name : request.getParameters().keySet()) {
			java.util.regex.Matcher m = TYPE_IN_PARAMETER.matcher(name);
			while (m.find()) {
				String type = m.group(1) != null ? m.group(1) : m.group(2);
				if (!mayRead(token, type)) {
					handleDeny(request, null);
				}
			}
		}
		boolean patch = operation == RestOperationTypeEnum.PATCH;
		if (operation == RestOperationTypeEnum.TRANSACTION && request.getResource() instanceof Bundle bundle) {
			patch = bundle.getEntry().stream().anyMatch(e -> e.getRequest().getMethod() == Bundle.HTTPVerb.PATCH);
		}
		if (patch && (token == null || !token.scopes().isAuthor())) {
			handleDeny(request, null);
		}
	}

	private boolean mayRead(AccessToken token, String type) {
		if (token != null && (token.scopes().allows(type, Permission.READ) || token.scopes().allows(type, Permission.SEARCH))) {
			return true;
		}
		return readsOpen && !"AuditEvent".equals(type);
	}

	private static <T> T of(IAuthRuleBuilderAppliesTo<T> rule, Class<? extends IBaseResource> type) {
		return type == null ? rule.allResources() : rule.resourcesOfType(type);
	}

	@Override
	protected void handleDeny(RequestDetails request, Verdict verdict) {
		if (AccessToken.of(request) == null) {
			AuthenticationException unauthenticated = new AuthenticationException(
					"a bearer token with a scope that allows this is required");
			unauthenticated.addResponseHeader("WWW-Authenticate", "Bearer realm=\"" + BearerTokenFilter.REALM + "\"");
			throw unauthenticated;
		}
		throw new ForbiddenOperationException("the token's scopes do not allow this");
	}
}
