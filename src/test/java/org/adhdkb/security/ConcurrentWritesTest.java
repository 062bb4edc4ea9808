package org.adhdkb.security;

import org.adhdkb.testing.AllAtOnce;
import org.adhdkb.testing.ServerTestBase;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Concurrent writers over real HTTP: optimistic locking loses no update, a conditional create makes one resource. */
class ConcurrentWritesTest extends ServerTestBase {

	private static final int WRITERS = 8;

	@Test
	void concurrentUpdatesWithIfMatchNeverLoseAnUpdate() throws Exception {
		String id = "concurrent-" + UUID.randomUUID();
		String path = "/fhir/Patient/" + id;
		assertThat(send("PUT", path, patient(id, "start"), "Content-Type", "application/fhir+json").statusCode()).isEqualTo(201);
		int rounds = 5;
		for (int round = 1; round <= rounds; round++) {
			String ifMatch = "W/\"" + round + "\"";
			int r = round;
			List<Integer> statuses = AllAtOnce.run(WRITERS, () -> send("PUT", path,
					patient(id, "round " + r + " by " + Thread.currentThread().getName()),
					"Content-Type", "application/fhir+json", "If-Match", ifMatch).statusCode());
			assertThat(statuses).as("round " + round).containsOnly(200, 412);
			assertThat(statuses.stream().filter(s -> s == 200).count()).as("round " + round + ": one winner").isEqualTo(1);
		}
		HttpResponse<String> last = get(path);
		assertThat(last.headers().firstValue("ETag").orElse("")).isEqualTo("W/\"" + (rounds + 1) + "\"");
		assertThat(last.body()).contains("round " + rounds + " by ");
	}

	@Test
	void concurrentConditionalCreatesMakeOneResource() throws Exception {
		String identifier = UUID.randomUUID().toString();
		String body = "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:test:concurrent\",\"value\":\"" + identifier + "\"}]}";
		List<Integer> statuses = AllAtOnce.run(WRITERS, () -> send("POST", "/fhir/Patient", body,
				"Content-Type", "application/fhir+json",
				"If-None-Exist", "identifier=urn:test:concurrent|" + identifier).statusCode());
		assertThat(statuses).as("every create is answered: created, or found").allMatch(s -> s == 200 || s == 201 || s == 409 || s == 412);
		assertThat(statuses).contains(201);
		HttpResponse<String> found = get("/fhir/Patient?identifier=urn:test:concurrent%7C" + identifier + "&_summary=count",
				"Cache-Control", "no-cache");
		assertThat(found.body()).contains("\"total\":1");
	}

	private static String patient(String id, String family) {
		return "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",\"name\":[{\"family\":\"" + family + "\"}]}";
	}
}
