package org.adhdkb.terminology;

import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ConceptMap;
import org.hl7.fhir.r4.model.Enumerations.PublicationStatus;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.UriType;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests that bring their own code systems and value sets ({@code tx-resource}, an inline {@code valueSet}); nothing
 * is stored. Also the defence against regex filters that would take exponential time.
 */
class TerminologyTxResourceTest extends TerminologyTestBase {

	private static final String SYSTEM = "http://example.org/tx/CodeSystem/colours";
	private static final String VALUE_SET = "http://example.org/tx/ValueSet/warm-colours";

	private static CodeSystem colours() {
		CodeSystem codeSystem = new CodeSystem();
		codeSystem.setUrl(SYSTEM).setVersion("1.0.0").setStatus(PublicationStatus.ACTIVE)
				.setContent(CodeSystem.CodeSystemContentMode.COMPLETE);
		codeSystem.addConcept().setCode("warm").setDisplay("Warm colour")
				.addConcept(new CodeSystem.ConceptDefinitionComponent(new CodeType("red")).setDisplay("Red"))
				.addConcept(new CodeSystem.ConceptDefinitionComponent(new CodeType("orange")).setDisplay("Orange"));
		codeSystem.addConcept().setCode("blue").setDisplay("Blue");
		return codeSystem;
	}

	private static ValueSet warmColours() {
		ValueSet valueSet = new ValueSet();
		valueSet.setUrl(VALUE_SET).setVersion("1.0.0").setStatus(PublicationStatus.ACTIVE);
		valueSet.getCompose().addInclude().setSystem(SYSTEM).addFilter()
				.setProperty("concept").setOp(ValueSet.FilterOperator.ISA).setValue("warm");
		return valueSet;
	}

	private static Parameters withTxResources(Parameters parameters) {
		parameters.addParameter().setName("tx-resource").setResource(colours());
		parameters.addParameter().setName("tx-resource").setResource(warmColours());
		return parameters;
	}

	@ParameterizedTest
	@EnumSource(Format.class)
	void expandsAValueSetSentWithTheRequest(Format format) {
		Parameters request = new Parameters();
		request.addParameter().setName("url").setValue(new UriType(VALUE_SET));
		ValueSet expanded = post("ValueSet/$expand", withTxResources(request), format).as(ValueSet.class);
		// Hierarchical, as the code system is: warm with red and orange below it.
		assertThat(TerminologyExpandTest.codes(expanded)).containsExactly("warm");
		assertThat(TerminologyExpandTest.allCodes(expanded)).containsExactlyInAnyOrder("warm", "red", "orange");
		assertThat(expanded.getExpansion().getParameter())
				.anySatisfy(p -> assertThat(p.getValue().primitiveValue()).isEqualTo(SYSTEM + "|1.0.0"));
		// Nothing was stored.
		get("ValueSet/$expand?url=" + VALUE_SET).error(404);
	}

	@Test
	void validatesAndLooksUpWithResourcesSentWithTheRequest() {
		Parameters inSet = new Parameters();
		inSet.addParameter().setName("url").setValue(new UriType(VALUE_SET));
		inSet.addParameter().setName("coding").setValue(new Coding(SYSTEM, "red", null));
		Parameters answer = post("ValueSet/$validate-code", withTxResources(inSet), Format.JSON).ok();
		assertThat(booleanResult(answer)).isTrue();
		assertThat(string(answer, "display")).isEqualTo("Red");
		assertThat(string(answer, "version")).isEqualTo("1.0.0");

		Parameters notInSet = new Parameters();
		notInSet.addParameter().setName("url").setValue(new UriType(VALUE_SET));
		notInSet.addParameter().setName("coding").setValue(new Coding(SYSTEM, "blue", null));
		assertThat(booleanResult(post("ValueSet/$validate-code", withTxResources(notInSet), Format.XML).ok())).isFalse();

		Parameters codeSystemCheck = new Parameters();
		codeSystemCheck.addParameter().setName("url").setValue(new UriType(SYSTEM));
		codeSystemCheck.addParameter().setName("code").setValue(new CodeType("purple"));
		assertThat(booleanResult(post("CodeSystem/$validate-code", withTxResources(codeSystemCheck), Format.JSON).ok())).isFalse();

		Parameters lookup = new Parameters();
		lookup.addParameter().setName("system").setValue(new UriType(SYSTEM));
		lookup.addParameter().setName("code").setValue(new CodeType("orange"));
		assertThat(string(post("CodeSystem/$lookup", withTxResources(lookup), Format.JSON).ok(), "display")).isEqualTo("Orange");

		Parameters subsumes = new Parameters();
		subsumes.addParameter().setName("system").setValue(new UriType(SYSTEM));
		subsumes.addParameter().setName("codeA").setValue(new CodeType("warm"));
		subsumes.addParameter().setName("codeB").setValue(new CodeType("red"));
		assertThat(string(post("CodeSystem/$subsumes", withTxResources(subsumes), Format.JSON).ok(), "outcome")).isEqualTo("subsumes");

		Parameters unknownUrl = new Parameters();
		unknownUrl.addParameter().setName("url").setValue(new UriType("http://example.org/tx/ValueSet/none"));
		unknownUrl.addParameter().setName("coding").setValue(new Coding(SYSTEM, "red", null));
		post("ValueSet/$validate-code", withTxResources(unknownUrl), Format.JSON).error(404);
	}

	@Test
	void catastrophicAndInvalidRegexFiltersAreRefused() {
		ValueSet catastrophic = new ValueSet();
		catastrophic.setStatus(PublicationStatus.ACTIVE);
		catastrophic.getCompose().addInclude().setSystem(SYSTEM).addFilter()
				.setProperty("code").setOp(ValueSet.FilterOperator.REGEX).setValue("(a+)+");
		Parameters request = new Parameters();
		request.addParameter().setName("valueSet").setResource(catastrophic);
		request.addParameter().setName("tx-resource").setResource(colours());
		request.addParameter().setName("excludeNested").setValue(new BooleanType(true));
		OperationOutcome.OperationOutcomeIssueComponent issue = post("ValueSet/$expand", request, Format.JSON).error(422);
		assertThat(issue.getCode()).isEqualTo(OperationOutcome.IssueType.TOOCOSTLY);

		catastrophic.getCompose().getIncludeFirstRep().getFilterFirstRep().setValue("(unclosed");
		post("ValueSet/$expand", request, Format.JSON).error(400);

		catastrophic.getCompose().getIncludeFirstRep().getFilterFirstRep().setValue("r.*");
		assertThat(TerminologyExpandTest.codes(post("ValueSet/$expand", request, Format.JSON).as(ValueSet.class)))
				.containsExactly("red");
	}

	@Test
	void valueSetsThatIncludeThemselvesAre400NotAStackOverflow() {
		ValueSet first = new ValueSet();
		first.setUrl("http://example.org/tx/ValueSet/circle-1").setStatus(PublicationStatus.ACTIVE);
		first.getCompose().addInclude().addValueSet("http://example.org/tx/ValueSet/circle-2");
		ValueSet second = new ValueSet();
		second.setUrl("http://example.org/tx/ValueSet/circle-2").setStatus(PublicationStatus.ACTIVE);
		second.getCompose().addInclude().addValueSet("http://example.org/tx/ValueSet/circle-1");
		Parameters request = new Parameters();
		request.addParameter().setName("url").setValue(new UriType(first.getUrl()));
		request.addParameter().setName("tx-resource").setResource(first);
		request.addParameter().setName("tx-resource").setResource(second);
		assertThat(post("ValueSet/$expand", request, Format.JSON).error(400).getDiagnostics()).contains("Cyclic reference");

		request.addParameter().setName("coding").setValue(new Coding(SYSTEM, "red", null));
		post("ValueSet/$validate-code", request, Format.XML).error(400);
	}

	@Test
	void batchValidatesSeveralCodesAgainstOneValueSet() {
		Parameters request = withTxResources(new Parameters());
		request.addParameter().setName("url").setValue(new UriType(VALUE_SET));
		for (String code : new String[] {"red", "blue"}) {
			Parameters validation = new Parameters();
			validation.addParameter().setName("coding").setValue(new Coding(SYSTEM, code, null));
			request.addParameter().setName("validation").setResource(validation);
		}
		Parameters answer = post("ValueSet/$batch-validate-code", request, Format.JSON).ok();
		assertThat(answer.getParameter()).hasSize(2);
		assertThat(booleanResult((Parameters) answer.getParameter().get(0).getResource())).isTrue();
		assertThat(booleanResult((Parameters) answer.getParameter().get(1).getResource())).isFalse();
	}

	@ParameterizedTest
	@EnumSource(Format.class)
	void translatesWithAConceptMapSentWithTheRequest(Format format) {
		ConceptMap map = new ConceptMap();
		map.setUrl("http://example.org/tx/ConceptMap/colour-names").setVersion("1.0.0").setStatus(PublicationStatus.ACTIVE);
		map.addGroup().setSource(SYSTEM).setTarget("http://example.org/tx/CodeSystem/names")
				.addElement().setCode("red").addTarget().setCode("rot")
				.setEquivalence(org.hl7.fhir.r4.model.Enumerations.ConceptMapEquivalence.EQUIVALENT);
		Parameters request = new Parameters();
		request.addParameter().setName("tx-resource").setResource(map);
		request.addParameter().setName("system").setValue(new UriType(SYSTEM));
		request.addParameter().setName("code").setValue(new CodeType("red"));
		Parameters answer = post("ConceptMap/$translate", request, format).ok();
		assertThat(booleanResult(answer)).isTrue();
		Parameters.ParametersParameterComponent match = answer.getParameter().stream()
				.filter(parameter -> "match".equals(parameter.getName())).findFirst().orElseThrow();
		assertThat(((Coding) match.getPart().get(0).getValue()).getCode()).isEqualTo("rot");

		request.getParameter().removeIf(parameter -> "code".equals(parameter.getName()));
		request.addParameter().setName("code").setValue(new CodeType("blue"));
		assertThat(booleanResult(post("ConceptMap/$translate", request, format).ok())).isFalse();
	}

	@Test
	void namesTheFhirVersionsServed() {
		Parameters versions = get("$versions").ok();
		assertThat(string(versions, "default")).isEqualTo("4.0.1");
	}

	@Test
	void aStoredValueSetWithAParameterOnlyTheEngineHonoursIsExpandedByIt() {
		ValueSet expanded = get("ValueSet/$expand?url=" + BASE + "/ValueSet/adhd-medication-classes&includeDefinition=true")
				.as(ValueSet.class);
		assertThat(expanded.hasCompose()).isTrue();
		assertThat(TerminologyExpandTest.allCodes(expanded)).isNotEmpty();
	}
}
