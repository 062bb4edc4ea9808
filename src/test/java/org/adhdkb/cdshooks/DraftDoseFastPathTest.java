package org.adhdkb.cdshooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.adhdkb.content.ContentChecker;
import org.adhdkb.content.ContentPackage;
import org.adhdkb.cql.SweepLibrary;
import org.adhdkb.cql.ValueSetTerminology;
import org.adhdkb.medication.ProductCatalog;
import org.adhdkb.medication.UnitStrength;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Dosage;
import org.hl7.fhir.r4.model.Library;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Ratio;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Timing;
import org.hl7.fhir.r4.model.Type;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencds.cqf.cql.engine.runtime.Tuple;

/**
 * {@link DraftDose} (with {@link UnitStrength}) is a hand-written fast path of the content's order reading, Library
 * AdhdOrderDose (CQL): the order checks read every draft with it. It is allowed only because this test proves the two
 * equal: on every order of every CDS case file (drafts and the record's orders), and on a generated sweep of order
 * shapes for a product of every product line, an ingredient-only order and a product-line code: doses in mg, µg, g,
 * tablets, capsules, mL and transdermal systems (UCUM annotations, orderableDrugForm codes, plain text, unknown and
 * missing units), ranges, rates in mg/h and mg per a time, no dose; timings by frequency, period, events, timing
 * abbreviations, wear time and none; as needed with and without a maximum per period; several instructions in one or
 * in several sequences. Each order compares the amount a day, the doses a day and the reason an amount is unreadable.
 */
class DraftDoseFastPathTest {

	private static final FhirContext FHIR = FhirContext.forR4Cached();
	private static final String UCUM = "http://unitsofmeasure.org";
	private static final String ODF = "http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm";
	private static final String GTS = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation";
	private static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
	private static final List<Library> libraries = new ArrayList<>();
	private static final List<MedicationKnowledge> lines = new ArrayList<>();
	private static final List<Medication> products = new ArrayList<>();
	private static String doseCql;
	private static ValueSetTerminology terminology;
	private static ProductCatalog catalog;

	private static final String SWEEP = """
			library OrderDoseSweep version '1.0.0'
			using FHIR version '4.0.1'
			include FHIRHelpers version '4.0.1' called FHIRHelpers
			include AdhdOrderDose version '0.1.0' called Dose
			context Patient
			define "Rows":
			  [MedicationRequest] O return all Tuple { id: O.id.value, dose: Dose."Daily dose"(O) }
			""";

	@BeforeAll
	static void readTheContent() {
		ContentChecker.Result content = new ContentChecker(FHIR).check(ContentPackage.read("fhir-resources"), (f, r) -> false);
		PrePopulatedValidationSupport ours = new PrePopulatedValidationSupport(FHIR);
		ValueSet notLabelled = null;
		for (Resource resource : content.resources().values()) {
			if (resource instanceof Library library) {
				libraries.add(library);
				for (Attachment attachment : library.getContent()) {
					if ("text/cql".equals(attachment.getContentType()) && "AdhdOrderDose".equals(library.getName())) {
						doseCql = new String(attachment.getData(), StandardCharsets.UTF_8);
					}
				}
			} else if (resource instanceof MedicationKnowledge line) {
				lines.add(line);
			} else if (resource instanceof Medication product) {
				products.add(product);
			} else if (resource instanceof ValueSet valueSet) {
				ours.addResource(valueSet);
				if (ProductCatalog.NOT_ADHD_LABELLED.equals(valueSet.getUrl())) {
					notLabelled = valueSet;
				}
			}
		}
		assertThat(doseCql).as("Library AdhdOrderDose carries its CQL").isNotNull();
		terminology = new ValueSetTerminology(new ValidationSupportChain(ours, new DefaultProfileValidationSupport(FHIR),
				new CommonCodeSystemsTerminologyService(FHIR), new InMemoryTerminologyServerValidationSupport(FHIR)));
		catalog = new ProductCatalog(lines, products, notLabelled);
	}

	@Test
	void theJavaReadingEqualsTheContentsCqlOnEveryCaseFilesOrders() throws IOException {
		List<Path> cases;
		try (var files = Files.list(Path.of("src/test/resources/cds-hooks/cases"))) {
			cases = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
		}
		ObjectMapper json = new ObjectMapper();
		Map<String, MedicationRequest> orders = new LinkedHashMap<>();
		Map<String, Medication> owns = new LinkedHashMap<>();
		for (Path file : cases) {
			JsonNode testCase = json.readTree(CdsHooksSupport.withDates(Files.readString(file)));
			Map<String, Medication> named = new LinkedHashMap<>();
			List<MedicationRequest> found = new ArrayList<>();
			for (JsonNode resource : testCase.path("resources")) {
				Resource parsed = (Resource) FHIR.newJsonParser().parseResource(resource.toString());
				if (parsed instanceof Medication medication) {
					named.put("Medication/" + medication.getIdElement().getIdPart(), medication);
				} else if (parsed instanceof MedicationRequest order) {
					found.add(order);
				}
			}
			for (JsonNode draft : testCase.path("draftOrders")) {
				found.add((MedicationRequest) FHIR.newJsonParser().parseResource(draft.toString()));
			}
			int n = 0;
			for (MedicationRequest order : found) {
				// as the server gives it to the CQL: a medicationReference as the code of the Medication it names
				Medication own = null;
				if (order.hasMedicationReference()) {
					String reference = order.getMedicationReference().getReference();
					own = reference.startsWith("#")
							? (Medication) order.getContained().stream()
									.filter(r -> reference.substring(1).equals(r.getIdElement().getIdPart())).findFirst().orElse(null)
							: named.get(reference);
					if (own == null) {
						continue; // read from fhirServer in the case: not a shape of its own
					}
					order = (MedicationRequest) ReferencedMedications.withCode(order, own);
				}
				String id = file.getFileName().toString().replace(".json", "") + "-" + n++;
				order.setId(id);
				orders.put(id, order);
				if (own != null) {
					owns.put(id, own);
				}
			}
		}
		int compared = compare(orders, owns);
		assertThat(compared).as("the case files' orders of an ADHD product line").isGreaterThanOrEqualTo(70);
	}

	@Test
	void theJavaReadingEqualsTheContentsCqlOnASweepOfOrderShapes() {
		List<CodeableConcept> codes = new ArrayList<>();
		Set<String> linesSeen = new TreeSet<>();
		for (MedicationKnowledge line : lines) {
			List<Medication> ofLine = catalog.productsOf(line);
			if (ofLine.isEmpty()) {
				continue;
			}
			linesSeen.add(line.getIdElement().getIdPart());
			// a product of every line; every product of a line dosed in one of its ingredients (Azstarys)
			for (Medication product : UnitStrength.doseBasis(line).isEmpty() ? ofLine.subList(0, 1) : ofLine) {
				codes.add(product.getCode());
			}
		}
		// a tablet (Concerta 18 mg), a capsule (lisdexamfetamine 30 mg), a liquid (Quillivant XR) and a patch (Daytrana
		// 30 mg/9 h): every timing and way of ordering as needed
		for (String representative : REPRESENTATIVE_PRODUCTS) {
			codes.add(products.stream().filter(p -> p.getCode().getCoding().stream().anyMatch(c -> representative.equals(c.getCode())))
					.findFirst().orElseThrow(() -> new AssertionError("no product " + representative)).getCode());
		}
		codes.add(new CodeableConcept(new Coding(RXNORM, "38400", "atomoxetine"))); // an ingredient only
		codes.add(new CodeableConcept(new Coding(RXNORM, "6901", "methylphenidate")));
		codes.add(new CodeableConcept(new Coding("http://adhdkb.org/fhir/CodeSystem/product-line", "lisdexamfetamine", null)));

		Map<String, MedicationRequest> orders = new LinkedHashMap<>();
		List<Type> doses = doses();
		List<Timing> timings = timings();
		int n = 0;
		for (CodeableConcept code : codes) {
			boolean everyTiming = representative(code);
			for (Type dose : doses) {
				for (Timing timing : everyTiming ? timings : timings.subList(0, 3)) {
					for (int asNeeded = 0; asNeeded < (everyTiming ? 5 : 1); asNeeded++) {
						Dosage dosage = dosage(dose, timing, asNeeded);
						if (dosage.isEmpty()) {
							continue; // an empty instruction is no instruction: a parser drops it
						}
						MedicationRequest order = order(code, n++);
						order.addDosageInstruction(dosage);
						orders.put(order.getId(), order);
					}
				}
				if (everyTiming) {
					// two instructions at once (morning and afternoon), and two sequences (a week, then the next)
					MedicationRequest together = order(code, n++);
					together.addDosageInstruction(dosage(dose, timings.get(0), 0));
					together.addDosageInstruction(dosage(dose, timings.get(1), 0));
					orders.put(together.getId(), together);
					MedicationRequest sequences = order(code, n++);
					sequences.addDosageInstruction(dosage(dose, timings.get(0), 0).setSequence(1));
					sequences.addDosageInstruction(dosage(dose, timings.get(1), 0).setSequence(2));
					sequences.addDosageInstruction(dosage(dose, timings.get(0), 0).setSequence(2));
					orders.put(sequences.getId(), sequences);
				}
			}
		}
		MedicationRequest none = order(codes.get(0), n++);
		orders.put(none.getId(), none); // no dosage instructions at all

		// the EHR's own products, referenced by the order (given to the CQL with the Medication's code): coded by an
		// ingredient or a product line's code, whose own Medication says what one tablet, capsule or mL holds
		Map<String, Medication> owns = new LinkedHashMap<>();
		List<Medication> ownProducts = List.of(
				own("own-mph-tablet", new Coding(RXNORM, "6901", "methylphenidate"), "203188", "methylphenidate hydrochloride", "10", "{tablet}"),
				own("own-atx-capsule", new Coding(RXNORM, "38400", "atomoxetine"), "38400", "atomoxetine", "25", "{capsule}"),
				own("own-mph-solution", new Coding(RXNORM, "6901", null), "203188", "methylphenidate hydrochloride", "2", "mL"),
				own("own-ldx-capsule", new Coding("http://adhdkb.org/fhir/CodeSystem/product-line", "lisdexamfetamine", "lisdexamfetamine"),
						"673579", "lisdexamfetamine dimesylate", "30", "{capsule}"));
		for (Medication product : ownProducts) {
			for (Type dose : doses) {
				for (Timing timing : timings.subList(0, 3)) {
					Dosage dosage = dosage(dose, timing, 0);
					if (dosage.isEmpty()) {
						continue;
					}
					MedicationRequest order = order(product.getCode(), n++);
					order.addDosageInstruction(dosage);
					order.addContained(product.copy()); // as ReferencedMedications gives a referencing order to the CQL
					orders.put(order.getId(), order);
					owns.put(order.getId(), product);
				}
			}
		}

		int compared = compare(orders, owns);
		assertThat(linesSeen).as("every product line with products").hasSizeGreaterThan(30);
		assertThat(compared).isGreaterThan(5000);
	}

	/** An EHR's own Medication (a local id, no identifier of ours) of one ingredient, per tablet, capsule or mL. */
	private static Medication own(String id, Coding code, String ingredient, String ingredientName, String mg, String per) {
		Medication product = new Medication();
		product.setId(id);
		product.setCode(new CodeableConcept(code));
		product.addIngredient().setItem(new CodeableConcept(new Coding(RXNORM, ingredient, ingredientName)))
				.setStrength(new Ratio().setNumerator(new Quantity().setValue(new BigDecimal(mg)).setUnit("mg").setSystem(UCUM).setCode("mg"))
						.setDenominator(new Quantity().setValue(1).setUnit(per.replace("{", "").replace("}", "")).setSystem(UCUM).setCode(per)));
		return product;
	}

	private static final List<String> REPRESENTATIVE_PRODUCTS = List.of("1091157", "854834", "1312589", "753441");

	/** The representative products and the ingredient order get every timing and way of ordering as needed. */
	private static boolean representative(CodeableConcept code) {
		return code.getCoding().stream().anyMatch(c -> REPRESENTATIVE_PRODUCTS.contains(c.getCode()) || "38400".equals(c.getCode()));
	}

	/**
	 * Runs the CQL over the orders and compares each with the Java reading, as the order checks call it; returns how
	 * many orders of an ADHD product line were compared.
	 */
	private static int compare(Map<String, MedicationRequest> orders, Map<String, Medication> owns) {
		List<Resource> data = new ArrayList<>(lines);
		data.addAll(products);
		data.addAll(orders.values());
		Object rows = SweepLibrary.evaluate("OrderDoseSweep", SWEEP, "AdhdOrderDose", doseCql, libraries, terminology,
				Set.of("Rows"), data).get("Rows");

		List<String> differences = new ArrayList<>();
		int compared = 0;
		for (Object each : (Iterable<?>) rows) {
			Map<String, Object> row = ((Tuple) each).getElements();
			String id = String.valueOf(row.get("id"));
			MedicationRequest order = orders.get(id);
			ProductCatalog.Ordered ordered = catalog.find(order.getMedicationCodeableConcept(), owns.get(id));
			if (!ordered.checkable()) {
				continue; // the order checks read only orders of an ADHD product line
			}
			MedicationKnowledge line = ordered.lines().get(0);
			DraftDose java = DraftDose.of(order, UnitStrength.of(ordered.product(), line), ordered.name());
			Map<String, Object> cql = ((Tuple) row.get("dose")).getElements();
			String where = id + " " + FHIR.newJsonParser().encodeResourceToString(order).replaceAll(".*\"dosageInstruction\":", "");
			if (!same(java.dailyMg(), cql.get("dailyMg"), BigDecimal.ZERO)) {
				differences.add(where + ": mg a day, Java " + java.dailyMg() + ", CQL " + cql.get("dailyMg"));
			}
			if (!same(java.administrations(), cql.get("administrations"), new BigDecimal("0.0001"))) {
				differences.add(where + ": doses a day, Java " + java.administrations() + ", CQL " + cql.get("administrations"));
			}
			if (!Objects.equals(java.problem(), cql.get("problem"))) {
				differences.add(where + ": problem, Java " + java.problem() + ", CQL " + cql.get("problem"));
			}
			compared++;
		}
		assertThat(differences).as("%d orders compared", compared).isEmpty();
		return compared;
	}

	private static boolean same(BigDecimal java, Object cql, BigDecimal tolerance) {
		return java == null ? cql == null
				: cql instanceof BigDecimal value && java.subtract(value).abs().compareTo(tolerance) <= 0;
	}

	private static MedicationRequest order(CodeableConcept code, int n) {
		MedicationRequest order = new MedicationRequest();
		order.setId("sweep-" + n);
		order.setStatus(MedicationRequest.MedicationRequestStatus.DRAFT);
		order.setIntent(MedicationRequest.MedicationRequestIntent.ORDER);
		order.setMedication(code.copy());
		return order;
	}

	/** One instruction; asNeeded 0: not, 1: as needed, 2: with a maximum per period in the dose's unit, 3: in mg, 4: per month. */
	private static Dosage dosage(Type dose, Timing timing, int asNeeded) {
		Dosage dosage = new Dosage().setTiming(timing.copy());
		if (dose instanceof Ratio || dose instanceof org.hl7.fhir.r4.model.SimpleQuantity) {
			dosage.addDoseAndRate().setRate(dose.copy());
		} else if (dose instanceof Quantity || dose instanceof Range) {
			dosage.addDoseAndRate().setDose(dose.copy());
		} else if (dose instanceof org.hl7.fhir.r4.model.StringType text) {
			dosage.setText(text.getValue());
		}
		if (asNeeded > 0) {
			dosage.setAsNeeded(asNeeded == 3 ? new CodeableConcept().setText("inattention at school") : new BooleanType(true));
		}
		if (asNeeded >= 2) {
			Quantity numerator = asNeeded == 2 && dose instanceof Quantity q ? q.copy().setValue(q.getValue().multiply(BigDecimal.valueOf(3)))
					: quantity(60, "mg", UCUM, "mg");
			dosage.setMaxDosePerPeriod(new Ratio().setNumerator(numerator)
					.setDenominator(asNeeded == 4 ? quantity(1, "month", UCUM, "mo") : quantity(1, "day", UCUM, "d")));
		}
		return dosage;
	}

	/** Doses as EHRs write them; a Ratio or SimpleQuantity is a rate, a StringType an instruction given only as text. */
	private static List<Type> doses() {
		List<Type> doses = new ArrayList<>();
		doses.add(quantity(1, "tablet", UCUM, "{tablet}"));
		doses.add(quantity(2, "capsule", UCUM, "{capsule}"));
		doses.add(quantity(5, "mL", UCUM, "mL"));
		doses.add(quantity(1, "patch", UCUM, "{patch}"));
		doses.add(quantity(20, "mg", UCUM, "mg"));
		doses.add(quantity(500, "ug", UCUM, "ug"));
		doses.add(quantity(0.02, "g", UCUM, "g"));
		doses.add(quantity(2, "tabs", null, null));
		doses.add(quantity(1, "Capsule(s)", null, null));
		doses.add(quantity(1, "Transdermal system", null, null));
		doses.add(quantity(1, "tablet", ODF, "TAB"));
		doses.add(quantity(1, "capsule", ODF, "ERCAP"));
		doses.add(quantity(1, "patch", ODF, "PATCH"));
		doses.add(quantity(3, "puff", null, null));
		doses.add(new Quantity().setValue(1));
		doses.add(new Range().setLow(quantity(1, "tablet", UCUM, "{tablet}")).setHigh(quantity(2, "tablet", UCUM, "{tablet}")));
		doses.add(new Range().setLow(quantity(10, "mg", UCUM, "mg")));
		doses.add(new org.hl7.fhir.r4.model.SimpleQuantity().setValue(3.33).setUnit("mg/h").setSystem(UCUM).setCode("mg/h"));
		doses.add(new org.hl7.fhir.r4.model.SimpleQuantity().setValue(2).setUnit("mL/h").setSystem(UCUM).setCode("mL/h"));
		doses.add(new Ratio().setNumerator(quantity(30, "mg", UCUM, "mg")).setDenominator(quantity(1, "d", UCUM, "d")));
		doses.add(new Ratio().setNumerator(quantity(30, "mL", UCUM, "mL")).setDenominator(quantity(1, "d", UCUM, "d")));
		doses.add(new org.hl7.fhir.r4.model.StringType("one at breakfast"));
		doses.add(new org.hl7.fhir.r4.model.BooleanType(false)); // no dose and no text
		return doses;
	}

	/** The first three are what every product gets: twice a day, once a day worn 9 hours, and no timing. */
	private static List<Timing> timings() {
		List<Timing> timings = new ArrayList<>();
		timings.add(repeat(2, 1, "d"));
		Timing worn = repeat(1, 1, "d");
		worn.getRepeat().setDuration(9).setDurationUnit(Timing.UnitsOfTime.H);
		timings.add(worn);
		timings.add(new Timing());
		timings.add(repeat(1, 1, "d"));
		Timing upTo3 = repeat(1, 1, "d");
		upTo3.getRepeat().setFrequencyMax(3);
		timings.add(upTo3);
		timings.add(repeat(1, 12, "h"));
		timings.add(repeat(1, 1, "wk"));
		timings.add(repeat(1, 1, "mo"));
		timings.add(repeat(1, 90, "min"));
		Timing events = new Timing();
		events.getRepeat().addWhen(Timing.EventTiming.MORN).addWhen(Timing.EventTiming.NOON);
		timings.add(events);
		Timing times = new Timing();
		times.getRepeat().addTimeOfDay("08:00:00").addTimeOfDay("12:00:00").addTimeOfDay("16:00:00");
		timings.add(times);
		Timing onceWithEvents = repeat(1, 1, "d");
		onceWithEvents.getRepeat().addWhen(Timing.EventTiming.MORN).addWhen(Timing.EventTiming.EVE);
		timings.add(onceWithEvents);
		timings.add(new Timing().setCode(new CodeableConcept(new Coding(GTS, "BID", null))));
		timings.add(new Timing().setCode(new CodeableConcept(new Coding(null, "TID", null))));
		timings.add(new Timing().setCode(new CodeableConcept(new Coding(GTS, "QOD", null))));
		timings.add(new Timing().setCode(new CodeableConcept(new Coding("http://example.org/local", "BID", null))));
		Timing wornRange = repeat(1, 1, "d");
		wornRange.getRepeat().setDuration(9).setDurationMax(12).setDurationUnit(Timing.UnitsOfTime.H);
		timings.add(wornRange);
		Timing allDay = repeat(1, 1, "d");
		allDay.getRepeat().setDuration(1).setDurationUnit(Timing.UnitsOfTime.D);
		timings.add(allDay);
		return timings;
	}

	private static Timing repeat(int frequency, int period, String unit) {
		Timing timing = new Timing();
		timing.getRepeat().setFrequency(frequency).setPeriod(period).setPeriodUnit(Timing.UnitsOfTime.fromCode(unit));
		return timing;
	}

	private static Quantity quantity(double value, String unit, String system, String code) {
		Quantity quantity = new Quantity().setValue(BigDecimal.valueOf(value).stripTrailingZeros()).setUnit(unit);
		if (system != null) {
			quantity.setSystem(system);
		}
		if (code != null) {
			quantity.setCode(code);
		}
		return quantity;
	}
}
