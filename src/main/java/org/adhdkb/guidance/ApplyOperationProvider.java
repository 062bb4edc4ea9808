package org.adhdkb.guidance;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import org.adhdkb.server.FhirServerCustomizer;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.ActivityDefinition;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Library;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UriType;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code PlanDefinition/$apply} and {@code ActivityDefinition/$apply}, at instance level ({@code PlanDefinition/x/$apply})
 * and type level (with {@code url}), by GET or POST; {@code PlanDefinition/x/$package} and {@code $data-requirements}. The patient's data is read from this server, or taken from the
 * {@code data} Bundle of a POST.
 */
@Component
public class ApplyOperationProvider implements FhirServerCustomizer {

	private final PlanApplier applier;
	private final KnowledgeArtifacts artifacts;
	private final PlanDependencies dependencies;

	public ApplyOperationProvider(PlanApplier applier, KnowledgeArtifacts artifacts, PlanDependencies dependencies) {
		this.applier = applier;
		this.artifacts = artifacts;
		this.dependencies = dependencies;
	}

	@Operation(name = "$apply", idempotent = true, type = PlanDefinition.class)
	public CarePlan applyPlan(
			@IdParam IdType id,
			@OperationParam(name = "subject", min = 1, max = 1) StringType subject,
			@OperationParam(name = "encounter", max = 1) StringType encounter,
			@OperationParam(name = "practitioner", max = 1) StringType practitioner,
			@OperationParam(name = "data", max = 1) Bundle data,
			@OperationParam(name = "parameters", max = 1) Parameters parameters,
			RequestDetails request) {
		PlanDefinition plan = artifacts.byId(PlanDefinition.class, id, request);
		return applier.apply(plan, context(subject, encounter, practitioner, data, parameters, plan.getLibrary(), request),
				request);
	}

	@Operation(name = "$apply", idempotent = true, type = PlanDefinition.class)
	public CarePlan applyPlanByUrl(
			@OperationParam(name = "url", max = 1) UriType url,
			@OperationParam(name = "subject", min = 1, max = 1) StringType subject,
			@OperationParam(name = "encounter", max = 1) StringType encounter,
			@OperationParam(name = "practitioner", max = 1) StringType practitioner,
			@OperationParam(name = "data", max = 1) Bundle data,
			@OperationParam(name = "parameters", max = 1) Parameters parameters,
			RequestDetails request) {
		PlanDefinition plan = artifacts.byCanonical(PlanDefinition.class, required(url, "url"), request);
		return applier.apply(plan, context(subject, encounter, practitioner, data, parameters, plan.getLibrary(), request),
				request);
	}

	@Operation(name = "$apply", idempotent = true, type = ActivityDefinition.class)
	public IBaseResource applyActivity(
			@IdParam IdType id,
			@OperationParam(name = "subject", min = 1, max = 1) StringType subject,
			@OperationParam(name = "encounter", max = 1) StringType encounter,
			@OperationParam(name = "practitioner", max = 1) StringType practitioner,
			@OperationParam(name = "data", max = 1) Bundle data,
			@OperationParam(name = "parameters", max = 1) Parameters parameters,
			RequestDetails request) {
		ActivityDefinition activity = artifacts.byId(ActivityDefinition.class, id, request);
		return applier.apply(activity, context(subject, encounter, practitioner, data, parameters, activity.getLibrary(), request),
				request);
	}

	@Operation(name = "$apply", idempotent = true, type = ActivityDefinition.class)
	public IBaseResource applyActivityByUrl(
			@OperationParam(name = "url", max = 1) UriType url,
			@OperationParam(name = "subject", min = 1, max = 1) StringType subject,
			@OperationParam(name = "encounter", max = 1) StringType encounter,
			@OperationParam(name = "practitioner", max = 1) StringType practitioner,
			@OperationParam(name = "data", max = 1) Bundle data,
			@OperationParam(name = "parameters", max = 1) Parameters parameters,
			RequestDetails request) {
		ActivityDefinition activity = artifacts.byCanonical(ActivityDefinition.class, required(url, "url"), request);
		return applier.apply(activity, context(subject, encounter, practitioner, data, parameters, activity.getLibrary(), request),
				request);
	}

	@Operation(name = "$package", idempotent = true, type = PlanDefinition.class)
	public Bundle packagePlan(@IdParam IdType id, RequestDetails request) {
		return dependencies.packageOf(artifacts.byId(PlanDefinition.class, id, request), request);
	}

	@Operation(name = "$data-requirements", idempotent = true, type = PlanDefinition.class)
	public Library dataRequirements(@IdParam IdType id, RequestDetails request) {
		return dependencies.dataRequirements(artifacts.byId(PlanDefinition.class, id, request), request);
	}

	/** The request's context, with CPG's {@code parameters} for the CQL of the artifact's Libraries. */
	private PlanApplier.Context context(StringType subject, StringType encounter, StringType practitioner, Bundle data,
			Parameters parameters, List<CanonicalType> libraries, RequestDetails request) {
		List<Library> resolved = new ArrayList<>();
		if (parameters != null) {
			libraries.forEach(canonical -> resolved.add(artifacts.byCanonical(Library.class, canonical.getValue(), request)));
		}
		return new PlanApplier.Context(required(subject, "subject"), value(encounter), value(practitioner), data,
				CqlParameters.of(parameters, resolved));
	}

	private static String required(org.hl7.fhir.r4.model.PrimitiveType<?> parameter, String name) {
		if (parameter == null || parameter.isEmpty() || parameter.getValueAsString().isBlank()) {
			throw new InvalidRequestException("The parameter '" + name + "' is required");
		}
		return parameter.getValueAsString();
	}

	private static String value(StringType parameter) {
		return parameter == null || parameter.isEmpty() ? null : parameter.getValue();
	}

	@Override
	public void customize(RestfulServer server) {
		server.registerProvider(this);
	}
}
