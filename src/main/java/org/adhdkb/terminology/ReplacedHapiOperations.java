package org.adhdkb.terminology;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.method.BaseMethodBinding;
import ca.uhn.fhir.rest.server.method.OperationMethodBinding;

import java.util.Set;

/**
 * Drops HAPI's own bindings of the operations that this package serves itself (each class says why), so that a
 * request reaches exactly one method. HAPI calls this hook for every provider method it binds, when the server starts.
 */
@Interceptor
public class ReplacedHapiOperations {

	/** Resource type and operation name of each replaced HAPI operation. */
	static final Set<String> REPLACED = Set.of(
			"ValueSet $expand", "ValueSet $validate-code", "CodeSystem $lookup", "CodeSystem $validate-code", "CodeSystem $subsumes",
			"ConceptMap $translate");

	@Hook(Pointcut.SERVER_PROVIDER_METHOD_BOUND)
	public BaseMethodBinding keepOurs(BaseMethodBinding binding) {
		if (binding instanceof OperationMethodBinding operation
				&& !operation.getProvider().getClass().getPackageName().equals(getClass().getPackageName())
				&& REPLACED.contains(operation.getResourceName() + " " + operation.getName())) {
			return null;
		}
		return binding;
	}
}
