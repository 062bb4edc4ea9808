package org.adhdkb.terminology;

import org.adhdkb.server.AdhdkbProperties;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UriType;
import org.hl7.fhir.r4.model.ValueSet;
import org.hl7.fhir.r4.model.ValueSet.ValueSetExpansionContainsComponent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.beans.factory.annotation.Autowired;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** ValueSet/$expand over HTTP. */
class TerminologyExpandTest extends TerminologyTestBase {

	@Autowired
	AdhdkbProperties properties;

	@Test
	void expandsByIdAndByUrl() {
		ValueSet byId = get("ValueSet/atomoxetine-products/$expand").as(ValueSet.class);
		ValueSet byUrl = get("ValueSet/$expand?url=" + BASE + "/ValueSet/atomoxetine-products").as(ValueSet.class);
		assertThat(codes(byId)).contains("38400", "349591").hasSize(byId.getExpansion().getTotal());
		assertThat(codes(byUrl)).isEqualTo(codes(byId));
	}

	@ParameterizedTest
	@EnumSource(Format.class)
	void postWithParametersFiltersAndPages(Format format) {
		Parameters parameters = new Parameters();
		parameters.addParameter().setName("url").setValue(new UriType(BASE + "/ValueSet/adhd-medications"));
		parameters.addParameter().setName("filter").setValue(new StringType("atomox"));
		parameters.addParameter().setName("count").setValue(new IntegerType(2));
		parameters.addParameter().setName("offset").setValue(new IntegerType(1));
		TerminologyTestBase.Answer answer = post("ValueSet/$expand", parameters, format);
		assertThat(answer.body().trim()).startsWith(format == Format.XML ? "<" : "{");
		ValueSet expanded = answer.as(ValueSet.class);

		ValueSet all = get("ValueSet/$expand?url=" + BASE + "/ValueSet/adhd-medications&filter=atomox").as(ValueSet.class);
		assertThat(all.getExpansion().getContains()).allMatch(c -> c.getDisplay().toLowerCase().contains("atomoxetine"));
		assertThat(expanded.getExpansion().getTotal()).isEqualTo(all.getExpansion().getTotal()).isGreaterThan(3);
		assertThat(expanded.getExpansion().getOffset()).isEqualTo(1);
		assertThat(codes(expanded)).isEqualTo(codes(all).subList(1, 3));
		assertThat(expanded.getExpansion().getParameter()).extracting(p -> p.getName())
				.contains("filter", "count", "offset");
	}

	@Test
	void pagesAreDisjointAndCoverTheExpansion() {
		String url = "ValueSet/$expand?url=" + BASE + "/ValueSet/adhd-medications";
		ValueSet all = get(url).as(ValueSet.class);
		int total = all.getExpansion().getTotal();
		ValueSet first = get(url + "&count=10&offset=0").as(ValueSet.class);
		ValueSet second = get(url + "&count=10&offset=10").as(ValueSet.class);
		ValueSet beyond = get(url + "&count=10&offset=" + total).as(ValueSet.class);
		ValueSet none = get(url + "&count=0").as(ValueSet.class);
		assertThat(first.getExpansion().getTotal()).isEqualTo(total);
		assertThat(codes(first)).hasSize(10).doesNotContainAnyElementsOf(codes(second));
		assertThat(codes(first)).isEqualTo(codes(all).subList(0, 10));
		assertThat(codes(second)).isEqualTo(codes(all).subList(10, 20));
		assertThat(beyond.getExpansion().getContains()).isEmpty();
		assertThat(none.getExpansion().getContains()).isEmpty();
		assertThat(none.getExpansion().getTotal()).isEqualTo(total);
	}

	@Test
	void isAFilterOnOwnHierarchyAndValueSetVersion() {
		ValueSet classes = get("ValueSet/adhd-medication-classes/$expand?valueSetVersion=0.1.0").as(ValueSet.class);
		assertThat(codes(classes)).contains("stimulant", "non-stimulant", "alpha-2-adrenergic-agonist");
		get("ValueSet/$expand?url=" + BASE + "/ValueSet/adhd-medication-classes&valueSetVersion=9.9.9").error(404);
	}

	/**
	 * A value set created a moment ago is not pre-expanded yet; without Hibernate Search HAPI would ignore the filter.
	 * Also: activeOnly, includeDesignations and displayLanguage, which HAPI lacks.
	 */
	@Test
	void freshValueSetFiltersMarksInactiveAndHandlesDesignations() {
		String id = "test-status-" + UUID.randomUUID().toString().substring(0, 8);
		String system = "http://example.org/CodeSystem/" + id;
		CodeSystem codeSystem = new CodeSystem();
		codeSystem.setId(id);
		codeSystem.setUrl(system).setStatus(org.hl7.fhir.r4.model.Enumerations.PublicationStatus.ACTIVE)
				.setContent(CodeSystem.CodeSystemContentMode.COMPLETE);
		codeSystem.addProperty().setCode("status").setType(CodeSystem.PropertyType.CODE);
		codeSystem.addProperty().setCode("inactive").setType(CodeSystem.PropertyType.BOOLEAN);
		codeSystem.addConcept().setCode("alpha").setDisplay("Alpha concept")
				.addDesignation().setLanguage("de").setValue("Alpha-Begriff");
		codeSystem.addConcept().setCode("beta").setDisplay("Beta concept")
				.addProperty().setCode("status").setValue(new CodeType("retired"));
		codeSystem.addConcept().setCode("gamma").setDisplay("Gamma concept")
				.addProperty().setCode("inactive").setValue(new BooleanType(true));
		put(codeSystem);
		ValueSet valueSet = new ValueSet();
		valueSet.setId(id);
		valueSet.setUrl("http://example.org/ValueSet/" + id).setStatus(org.hl7.fhir.r4.model.Enumerations.PublicationStatus.ACTIVE);
		valueSet.getCompose().addInclude().setSystem(system);
		put(valueSet);

		String expand = "ValueSet/" + id + "/$expand";
		ValueSet filtered = get(expand + "?filter=gam").as(ValueSet.class);
		assertThat(codes(filtered)).containsExactly("gamma");

		ValueSet all = get(expand).as(ValueSet.class);
		assertThat(codes(all)).containsExactly("alpha", "beta", "gamma");
		assertThat(all.getExpansion().getContains()).filteredOn(ValueSetExpansionContainsComponent::getInactive)
				.extracting(ValueSetExpansionContainsComponent::getCode).containsExactly("beta", "gamma");

		ValueSet active = get(expand + "?activeOnly=true&includeDesignations=true").as(ValueSet.class);
		assertThat(codes(active)).containsExactly("alpha");
		assertThat(active.getExpansion().getTotal()).isEqualTo(1);
		assertThat(active.getExpansion().getContainsFirstRep().getDesignationFirstRep().getValue()).isEqualTo("Alpha-Begriff");

		ValueSet withoutDesignations = get(expand + "?includeDesignations=false").as(ValueSet.class);
		assertThat(withoutDesignations.getExpansion().getContains()).allMatch(c -> c.getDesignation().isEmpty());

		ValueSet german = get(expand + "?displayLanguage=de&count=1").as(ValueSet.class);
		assertThat(german.getExpansion().getContainsFirstRep().getDisplay()).isEqualTo("Alpha-Begriff");
	}

	@Test
	void unknownValueSetsAre404() {
		get("ValueSet/$expand?url=http://example.org/ValueSet/no-such-value-set").error(404);
		get("ValueSet/no-such-value-set/$expand").error(404);
		get("ValueSet/$expand?url=http://example.org/ValueSet/no-such-value-set", Format.XML).error(404);
	}

	@Test
	void badParametersAre400() {
		String url = "ValueSet/$expand?url=" + BASE + "/ValueSet/adhd-medications";
		assertThat(get(url + "&count=abc").error(400).getCode()).isEqualTo(OperationOutcome.IssueType.INVALID);
		get(url + "&count=-1").error(400);
		get(url + "&offset=-5").error(400);
		get("ValueSet/$expand").error(400);
		post("ValueSet/$expand", new Parameters(), Format.JSON).error(400);
	}

	@Test
	void tooLargeExpansionIsRefusedAsTooCostly() {
		int size = properties.getTerminology().getMaxExpansionSize() + 1;
		String id = "test-too-big-" + UUID.randomUUID().toString().substring(0, 8);
		CodeSystem codeSystem = new CodeSystem();
		codeSystem.setId(id);
		codeSystem.setUrl("http://example.org/CodeSystem/" + id)
				.setStatus(org.hl7.fhir.r4.model.Enumerations.PublicationStatus.ACTIVE)
				.setContent(CodeSystem.CodeSystemContentMode.COMPLETE);
		for (int i = 0; i < size; i++) {
			codeSystem.addConcept().setCode("c" + i).setDisplay("Concept " + i);
		}
		put(codeSystem);
		ValueSet valueSet = new ValueSet();
		valueSet.setId(id);
		valueSet.setUrl("http://example.org/ValueSet/" + id)
				.setStatus(org.hl7.fhir.r4.model.Enumerations.PublicationStatus.ACTIVE);
		valueSet.getCompose().addInclude().setSystem(codeSystem.getUrl());
		put(valueSet);

		OperationOutcome.OperationOutcomeIssueComponent issue = get("ValueSet/" + id + "/$expand?count=5").error(422);
		assertThat(issue.getCode()).isEqualTo(OperationOutcome.IssueType.TOOCOSTLY);
	}

	static List<String> codes(ValueSet valueSet) {
		return valueSet.getExpansion().getContains().stream().map(ValueSetExpansionContainsComponent::getCode).toList();
	}

	/** The codes of the expansion, nested ones too, depth first. */
	static List<String> allCodes(ValueSet valueSet) {
		List<String> codes = new java.util.ArrayList<>();
		addCodes(valueSet.getExpansion().getContains(), codes);
		return codes;
	}

	private static void addCodes(List<ValueSetExpansionContainsComponent> contains, List<String> codes) {
		for (ValueSetExpansionContainsComponent entry : contains) {
			codes.add(entry.getCode());
			addCodes(entry.getContains(), codes);
		}
	}
}
