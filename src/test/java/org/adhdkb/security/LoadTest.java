package org.adhdkb.security;

import org.adhdkb.cdshooks.CdsHooksSupport;
import org.adhdkb.testing.ServerTestBase;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bounded load test over loopback: 10 000 mixed requests by default (-Dadhdkb.load.requests=20000 for more) (reads, searches, expansions, lookups, validations, $apply
 * CDS Hooks order-sign calls and writes) from 16 connections. No 5xx, heap back to a bounded level afterwards, and
 * every acknowledged write is there to read.
 */
class LoadTest extends ServerTestBase {

	static final int REQUESTS = Integer.getInteger("adhdkb.load.requests", 10_000);
	static final int CONNECTIONS = 16;

	@Test
	void mixedLoadHasNoServerErrorsAndLosesNoWrite() throws Exception {
		String run = UUID.randomUUID().toString().substring(0, 8);
		String[] reads = {
				"/fhir/MedicationKnowledge/atomoxetine",
				"/fhir/MedicationKnowledge?code=http://www.nlm.nih.gov/research/umls/rxnorm%7C38400",
				"/fhir/PlanDefinition?url=http://adhdkb.org/fhir/PlanDefinition/atomoxetine-titration",
				"/fhir/ValueSet/$expand?url=http://adhdkb.org/fhir/ValueSet/adhd-medications",
				"/fhir/ValueSet/$expand?url=http://adhdkb.org/fhir/ValueSet/adhd-medications&filter=%s",
				"/fhir/CodeSystem/$lookup?system=http://www.nlm.nih.gov/research/umls/rxnorm&code=38400",
				"/fhir/ValueSet/$validate-code?url=http://adhdkb.org/fhir/ValueSet/ssri-medications&system=http://www.nlm.nih.gov/research/umls/rxnorm&code=4493",
				"/fhir/Patient?identifier=urn:load:" + run + "%7C%s&_summary=count",
		};
		String[] filters = {"atomox", "methyl", "guan", "clon", "amph", "lisdex", "vilox", "dex"};

		assertThat(send("PUT", "/fhir/Patient/load-" + run, "{\"resourceType\":\"Patient\",\"id\":\"load-" + run
				+ "\",\"birthDate\":\"2016-03-01\"}", "Content-Type", "application/fhir+json").statusCode()).isEqualTo(201);
		String apply = "/fhir/PlanDefinition/atomoxetine-titration/$apply?subject=Patient/load-" + run;
		String orderSignWithoutKeys = ("{\"hook\":\"order-sign\",\"hookInstance\":\"%s\",\"context\":{\"userId\":\"Practitioner/1\","
				+ "\"patientId\":\"load-%s\",\"draftOrders\":{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":"
				+ "{\"resourceType\":\"MedicationRequest\",\"id\":\"d\",\"status\":\"draft\",\"intent\":\"order\",\"subject\":{\"reference\":\"Patient/load-%s\"},"
				+ "\"medicationCodeableConcept\":{\"coding\":[{\"system\":\"http://www.nlm.nih.gov/research/umls/rxnorm\",\"code\":\"38400\"}]},"
				+ "\"dosageInstruction\":[{\"timing\":{\"repeat\":{\"frequency\":1,\"period\":1,\"periodUnit\":\"d\"}},\"doseAndRate\":[{\"doseQuantity\":"
				+ "{\"value\":40,\"unit\":\"mg\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mg\"}}]}]}}]}},"
				+ "\"prefetch\":{\"patient\":{\"resourceType\":\"Patient\",\"id\":\"load-%s\",\"birthDate\":\"2016-03-01\"},"
				+ "\"observations\":null,\"medications\":null}}").formatted(UUID.randomUUID(), run, run, run);
		String orderSign = withEveryPrefetchKeyNull(orderSignWithoutKeys, "adhd-order-sign");

		long heapBefore = usedHeapAfterGc();
		HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
		AtomicInteger next = new AtomicInteger();
		Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
		Queue<String> acknowledged = new ConcurrentLinkedQueue<>();
		Queue<String> serverErrors = new ConcurrentLinkedQueue<>();
		String token = "Bearer " + TestIssuer.get().token("user/Patient.cruds");

		long start = System.nanoTime();
		ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
		List<Future<?>> workers = new ArrayList<>();
		for (int w = 0; w < CONNECTIONS; w++) {
			workers.add(pool.submit(() -> {
				for (int i = next.getAndIncrement(); i < REQUESTS; i = next.getAndIncrement()) {
					HttpRequest request;
					String writtenId = null;
					if (i % 10 == 0) {
						writtenId = "load-" + run + "-" + i;
						request = HttpRequest.newBuilder(URI.create(fhirBase() + "/Patient/" + writtenId))
								.header("Content-Type", "application/fhir+json").header("Authorization", token)
								.PUT(HttpRequest.BodyPublishers.ofString("{\"resourceType\":\"Patient\",\"id\":\"" + writtenId
										+ "\",\"identifier\":[{\"system\":\"urn:load:" + run + "\",\"value\":\"" + i + "\"}]}"))
								.build();
					} else if (i % 50 == 7) {
						request = HttpRequest.newBuilder(URI.create(baseUrl() + apply)).GET().build();
					} else if (i % 50 == 17) {
						request = HttpRequest.newBuilder(URI.create(baseUrl() + "/cds-services/adhd-order-sign"))
								.header("Content-Type", "application/json")
								.POST(HttpRequest.BodyPublishers.ofString(orderSign)).build();
					} else {
						String path = reads[i % reads.length].replace("%s", i % reads.length == 4 ? filters[i % filters.length] : String.valueOf(i % 97));
						request = HttpRequest.newBuilder(URI.create(baseUrl() + path)).GET().build();
					}
					HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
					statuses.computeIfAbsent(response.statusCode(), s -> new AtomicInteger()).incrementAndGet();
					if (response.statusCode() >= 500) {
						serverErrors.add(request.uri() + " -> " + response.statusCode() + " " + response.body());
					}
					if (writtenId != null && response.statusCode() / 100 == 2) {
						acknowledged.add(writtenId);
					}
				}
				return null;
			}));
		}
		for (Future<?> worker : workers) {
			worker.get();
		}
		pool.shutdown();
		double seconds = (System.nanoTime() - start) / 1e9;
		long heapAfter = usedHeapAfterGc();
		System.out.printf("load: %d requests over %d connections in %.1f s (%.0f/s), statuses %s, %d writes acknowledged, "
						+ "heap %d MiB before, %d MiB after%n", REQUESTS, CONNECTIONS, seconds, REQUESTS / seconds, statuses,
				acknowledged.size(), heapBefore >> 20, heapAfter >> 20);

		assertThat(serverErrors).isEmpty();
		assertThat(statuses.keySet()).containsOnly(200, 201);
		assertThat(acknowledged).hasSize(REQUESTS / 10);
		assertThat(heapAfter - heapBefore).as("heap growth after the load, bytes").isLessThan(256L << 20);

		for (String id : acknowledged) {
			assertThat(get("/fhir/Patient/" + id).statusCode()).as(id).isEqualTo(200);
		}
		assertThat(get("/fhir/Patient?identifier=urn:load:" + run + "%7C&_summary=count", "Cache-Control", "no-cache").body())
				.contains("\"total\":" + acknowledged.size());
	}

	private static long usedHeapAfterGc() throws InterruptedException {
		Runtime runtime = Runtime.getRuntime();
		for (int i = 0; i < 3; i++) {
			System.gc();
			Thread.sleep(100);
		}
		return runtime.totalMemory() - runtime.freeMemory();
	}

	/** The call with null ("no data") under every prefetch key the service's discovery names that it does not fill. */
	private String withEveryPrefetchKeyNull(String call, String serviceId) throws Exception {
		com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
		com.fasterxml.jackson.databind.node.ObjectNode request = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(call);
		com.fasterxml.jackson.databind.node.ObjectNode prefetch = (com.fasterxml.jackson.databind.node.ObjectNode) request.get("prefetch");
		CdsHooksSupport.discoveredService(get("/cds-services").body(), serviceId).path("prefetch").fieldNames()
				.forEachRemaining(key -> {
					if (!prefetch.has(key)) {
						prefetch.putNull(key);
					}
				});
		return json.writeValueAsString(request);
	}
}
