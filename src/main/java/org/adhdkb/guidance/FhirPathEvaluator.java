package org.adhdkb.guidance;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.hl7.fhir.exceptions.FHIRException;
import org.hl7.fhir.r4.fhirpath.ExpressionNode;
import org.hl7.fhir.r4.fhirpath.FHIRLexer;
import org.hl7.fhir.r4.fhirpath.FHIRPathEngine;
import org.hl7.fhir.r4.fhirpath.FHIRPathUtilityClasses;
import org.hl7.fhir.r4.fhirpath.IHostApplicationServices;
import org.hl7.fhir.r4.fhirpath.TypeDetails;
import org.hl7.fhir.r4.hapi.ctx.HapiWorkerContext;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.ValueSet;
import org.hl7.fhir.utilities.fhirpath.FHIRPathConstantEvaluationMode;
import org.springframework.stereotype.Component;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Evaluates the FHIRPath expressions of the guidance content with HAPI's R4 FHIRPath engine. Expressions are parsed
 * once and cached (the content changes rarely, the expressions are few); {@code %name} variables come from the
 * {@link EvaluationScope} of the request. We call the engine directly rather than through HAPI's IFhirPath because
 * variables must be per request, and IFhirPath holds them per instance.
 */
@Component
public class FhirPathEvaluator {

	private final ThreadLocal<FHIRPathEngine> engines;
	private final Map<String, ExpressionNode> parsed = new ConcurrentHashMap<>();

	public FhirPathEvaluator(FhirContext fhirContext, IValidationSupport validationSupport) {
		HapiWorkerContext worker = new HapiWorkerContext(fhirContext, validationSupport);
		this.engines = ThreadLocal.withInitial(() -> {
			FHIRPathEngine engine = new FHIRPathEngine(worker);
			engine.setHostServices(new ScopeVariables());
			return engine;
		});
	}

	/** Evaluates an expression against {@code focus}; unparseable or failing expressions are the content's fault. */
	public List<Base> evaluate(String expression, Base focus, EvaluationScope scope) {
		ExpressionNode node = parsed.computeIfAbsent(expression, this::parse);
		try {
			return engines.get().evaluate(scope, focus, focus, focus, node);
		} catch (FHIRException | IllegalArgumentException e) {
			throw new UnprocessableEntityException("Guidance expression '" + expression + "' failed: " + e.getMessage());
		}
	}

	/** True only when the expression yields exactly one {@code true}. */
	public boolean isTrue(String expression, Base focus, EvaluationScope scope) {
		List<Base> result = evaluate(expression, focus, scope);
		return result.size() == 1 && result.get(0).isBooleanPrimitive() && "true".equals(result.get(0).primitiveValue());
	}

	private ExpressionNode parse(String expression) {
		try {
			return engines.get().parse(expression);
		} catch (FHIRLexer.FHIRLexerException e) {
			throw new UnprocessableEntityException("Guidance expression '" + expression + "' does not parse: " + e.getMessage());
		}
	}

	/** Resolves {@code %name} from the request's scope; everything else the engine asks for is not offered. */
	private static final class ScopeVariables implements IHostApplicationServices {

		@Override
		public List<Base> resolveConstant(
				FHIRPathEngine engine, Object appContext, String name, FHIRPathConstantEvaluationMode mode) {
			if (!(appContext instanceof EvaluationScope scope)) {
				return List.of();
			}
			return scope.resolve(name.startsWith("%") ? name.substring(1) : name);
		}

		@Override
		public TypeDetails resolveConstantType(
				FHIRPathEngine engine, Object appContext, String name, FHIRPathConstantEvaluationMode mode) {
			return null;
		}

		@Override
		public boolean log(String argument, List<Base> focus) {
			return false;
		}

		@Override
		public FHIRPathUtilityClasses.FunctionDetails resolveFunction(FHIRPathEngine engine, String functionName) {
			return null;
		}

		@Override
		public TypeDetails checkFunction(
				FHIRPathEngine engine, Object appContext, String functionName, TypeDetails focus, List<TypeDetails> parameters) {
			throw new FHIRException("Unknown function " + functionName);
		}

		@Override
		public List<Base> executeFunction(
				FHIRPathEngine engine, Object appContext, List<Base> focus, String functionName, List<List<Base>> parameters) {
			throw new FHIRException("Unknown function " + functionName);
		}

		@Override
		public Base resolveReference(FHIRPathEngine engine, Object appContext, String url, Base refContext) {
			return null;
		}

		@Override
		public boolean conformsToProfile(FHIRPathEngine engine, Object appContext, Base item, String url) {
			return false;
		}

		@Override
		public ValueSet resolveValueSet(FHIRPathEngine engine, Object appContext, String url) {
			return null;
		}

		@Override
		public boolean paramIsType(String name, int index) {
			return false;
		}
	}
}
