package org.adhdkb.guidance;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.adhdkb.server.FhirServerCustomizer;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DataRequirement;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Library;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.opencds.cqf.cql.engine.runtime.Tuple;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * CPG's {@code Library/$evaluate} for the content's CQL Libraries (the values of their definitions for one patient,
 * from this server's record or a {@code data} Bundle) and {@code Library/$data-requirements} (what the CQL retrieves,
 * from the translator's own analysis the build put into the Library).
 */
@Component
public class LibraryOperationProvider implements FhirServerCustomizer {

	private final KnowledgeArtifacts artifacts;
	private final PatientRecordReader records;
	private final GuidanceLogic logic;

	public LibraryOperationProvider(KnowledgeArtifacts artifacts, PatientRecordReader records, GuidanceLogic logic) {
		this.artifacts = artifacts;
		this.records = records;
		this.logic = logic;
	}

	@Operation(name = "$evaluate", idempotent = true, type = Library.class)
	public Parameters evaluate(
			@IdParam IdType id,
			@OperationParam(name = "subject", min = 1, max = 1) StringType subject,
			@OperationParam(name = "expression") List<StringType> expressions,
			@OperationParam(name = "data", max = 1) Bundle data,
			@OperationParam(name = "parameters", max = 1) Parameters parameters,
			RequestDetails request) {
		if (subject == null || subject.isEmpty() || subject.getValue().isBlank()) {
			throw new InvalidRequestException("The parameter 'subject' is required");
		}
		Library library = artifacts.byId(Library.class, id, request);
		if (library.getContent().stream().noneMatch(c -> "application/elm+json".equals(c.getContentType()))) {
			throw new UnprocessableEntityException("Library/" + id.getIdPart() + " has no CQL to evaluate");
		}
		PatientRecord record = records.read(subject.getValue(), data, request);
		List<Resource> input = new ArrayList<>();
		input.add(record.patient());
		input.addAll(record.observations());
		input.addAll(record.medications());
		input.addAll(knowledgeFor(library, request));
		GuidanceLogic.Definitions definitions = logic.definitions(List.of(new CanonicalType(library.getUrl())), input,
				CqlParameters.of(parameters, List.of(library)), request);

		List<String> names = expressions == null || expressions.isEmpty()
				? List.copyOf(definitions.names())
				: expressions.stream().map(StringType::getValue).toList();
		Parameters result = new Parameters();
		for (String name : names) {
			add(result.addParameter().setName(name), definitions.value(name), name, result);
		}
		result.getParameter().removeIf(p -> !p.hasValue() && !p.hasResource() && !p.hasPart());
		return result;
	}

	@Operation(name = "$data-requirements", idempotent = true, type = Library.class)
	public Library dataRequirements(@IdParam IdType id, RequestDetails request) {
		Library library = artifacts.byId(Library.class, id, request);
		Library requirements = new Library();
		requirements.setStatus(Enumerations.PublicationStatus.ACTIVE);
		requirements.getType().addCoding()
				.setSystem("http://terminology.hl7.org/CodeSystem/library-type").setCode("module-definition");
		requirements.setTitle("Data requirements of " + library.getTitle());
		library.getRelatedArtifact().stream()
				.filter(a -> a.getType() == org.hl7.fhir.r4.model.RelatedArtifact.RelatedArtifactType.DEPENDSON)
				.forEach(a -> requirements.addRelatedArtifact(a.copy()));
		library.getDataRequirement().forEach(r -> requirements.addDataRequirement(r.copy()));
		return requirements;
	}

	/**
	 * The knowledge the CQL retrieves, as its data requirements say: the MedicationKnowledge it names by code, and the
	 * dosing conditions' data bindings (CodeSystem patient-characteristic) when it reads a CodeSystem.
	 */
	private List<Resource> knowledgeFor(Library library, RequestDetails request) {
		List<Resource> knowledge = new ArrayList<>();
		for (DataRequirement requirement : library.getDataRequirement()) {
			if ("CodeSystem".equals(requirement.getType())) {
				knowledge.add(artifacts.byCanonical(org.hl7.fhir.r4.model.CodeSystem.class, PlanApplier.PATIENT_CHARACTERISTIC, request));
				continue;
			}
			if (!"MedicationKnowledge".equals(requirement.getType())) {
				continue;
			}
			for (DataRequirement.DataRequirementCodeFilterComponent filter : requirement.getCodeFilter()) {
				for (Coding code : filter.getCode()) {
					MedicationKnowledge found = artifacts.medicineByCode(new CodeableConcept(code), request);
					if (found != null && !knowledge.contains(found)) {
						knowledge.add(found);
					}
				}
			}
		}
		return knowledge;
	}

	/** A value as CPG's $evaluate gives it: lists as repeated parameters, tuples as parts, FHIR values as they are. */
	private static void add(Parameters.ParametersParameterComponent parameter, Object value, String name, Parameters into) {
		if (value == null) {
			return;
		}
		if (value instanceof Iterable<?> values) {
			boolean first = true;
			for (Object element : values) {
				Parameters.ParametersParameterComponent target = first ? parameter : into.addParameter().setName(name);
				add(target, element, name, into);
				first = false;
			}
			return;
		}
		if (value instanceof Tuple tuple) {
			for (Map.Entry<String, Object> element : tuple.getElements().entrySet()) {
				if (element.getValue() != null && !(element.getValue() instanceof Iterable<?>)) {
					add(parameter.addPart().setName(element.getKey()), element.getValue(), element.getKey(), into);
				}
			}
			return;
		}
		var fhir = GuidanceLogic.Definitions.toFhir(value, name);
		if (fhir instanceof Resource resource) {
			parameter.setResource(resource);
		} else {
			parameter.setValue((org.hl7.fhir.r4.model.Type) fhir);
		}
	}

	@Override
	public void customize(RestfulServer server) {
		server.registerProvider(this);
	}
}
