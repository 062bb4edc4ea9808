package org.adhdkb.cdshooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.junit.jupiter.api.Test;

/** Reading the daily amount of an order from its dosage instructions, and never guessing it. */
class DraftDoseTest {

	@Test
	void withoutUsableInstructionsTheReasonIsGivenAndNoDose() {
		assertThat(DraftDose.of(order("")).problem()).isEqualTo("the order has no dosage instructions");
		assertThat(DraftDose.of(order("{\"text\":\"one capsule as directed\"}")).problem())
				.contains("only as text", "one capsule as directed");
		assertThat(DraftDose.of(order(dose("5", "mL") + ",\"timing\":{\"repeat\":{\"frequency\":1,\"period\":1,\"periodUnit\":\"d\"}}}")).problem())
				.contains("mL", "no product whose strength adhdkb knows");
		assertThat(DraftDose.of(order(dose("10", "mg") + "}")).problem()).contains("how often");
		assertThat(DraftDose.of(order(dose("10", "mg") + "}")).known()).isFalse();
	}

	@Test
	void dailyAmountFromFrequencyPeriodCodesRangesAndSeveralInstructions() {
		assertThat(daily(dose("10", "mg") + ",\"timing\":{\"repeat\":{\"frequency\":2,\"period\":1,\"periodUnit\":\"d\"}}}")).isEqualByComparingTo("20");
		assertThat(daily(dose("10", "mg") + ",\"timing\":{\"repeat\":{\"frequency\":1,\"frequencyMax\":2,\"period\":1,\"periodUnit\":\"d\"}}}"))
				.as("the most the order allows").isEqualByComparingTo("20");
		assertThat(daily(dose("5", "mg") + ",\"timing\":{\"code\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation\",\"code\":\"TID\"}]}}}"))
				.isEqualByComparingTo("15");
		assertThat(daily(dose("70", "mg") + ",\"timing\":{\"repeat\":{\"frequency\":1,\"period\":1,\"periodUnit\":\"wk\"}}}")).isEqualByComparingTo("10");
		assertThat(daily(dose("10", "mg") + ",\"timing\":{\"repeat\":{\"frequency\":1,\"period\":12,\"periodUnit\":\"h\"}}}")).isEqualByComparingTo("20");
		assertThat(daily("{\"timing\":{\"repeat\":{\"frequency\":1,\"period\":1,\"periodUnit\":\"d\"}},\"doseAndRate\":[{\"doseRange\":{\"low\":{\"value\":10,\"unit\":\"mg\"},\"high\":{\"value\":20,\"unit\":\"mg\"}}}]}"))
				.as("a range counts at its upper end").isEqualByComparingTo("20");
		assertThat(daily(dose("10", "mg") + ",\"timing\":{\"repeat\":{\"frequency\":1,\"period\":1,\"periodUnit\":\"d\"}}},"
				+ dose("5", "mg") + ",\"timing\":{\"repeat\":{\"frequency\":1,\"period\":1,\"periodUnit\":\"d\"}}}")).isEqualByComparingTo("15");
	}

	private static BigDecimal daily(String dosages) {
		DraftDose dose = DraftDose.of(order(dosages));
		assertThat(dose.problem()).isNull();
		return dose.dailyMg();
	}

	private static String dose(String value, String unit) {
		return "{\"doseAndRate\":[{\"doseQuantity\":{\"value\":" + value + ",\"unit\":\"" + unit
				+ "\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"" + unit + "\"}}]";
	}

	private static MedicationRequest order(String dosages) {
		String json = "{\"resourceType\":\"MedicationRequest\",\"status\":\"draft\",\"intent\":\"order\","
				+ "\"subject\":{\"reference\":\"Patient/p\"},\"medicationCodeableConcept\":{\"text\":\"x\"}"
				+ (dosages.isEmpty() ? "" : ",\"dosageInstruction\":[" + dosages + "]") + "}";
		return FhirContext.forR4Cached().newJsonParser().parseResource(MedicationRequest.class, json);
	}
}
