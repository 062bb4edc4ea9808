package org.adhdkb.cache;

import org.adhdkb.testing.ServerTestBase;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** Cached reads are identical to fresh ones and never outlive a write. */
class ResponseCacheTest extends ServerTestBase {

	private static final String READ = "/fhir/ValueSet/atomoxetine-products";

	@Test
	void aRepeatedReadIsServedFromMemoryUntilAnythingIsWritten() {
		HttpResponse<String> first = get(READ);
		HttpResponse<String> second = get(READ);
		assertThat(second.headers().firstValue("X-Adhdkb-Cache")).hasValue("hit");
		assertThat(second.body()).isEqualTo(first.body());
		assertThat(second.headers().firstValue("ETag")).isEqualTo(first.headers().firstValue("ETag"));
		assertThat(second.headers().firstValue("Content-Type")).isEqualTo(first.headers().firstValue("Content-Type"));

		ValueSet valueSet = client().read().resource(ValueSet.class).withId("atomoxetine-products").execute();
		String originalTitle = valueSet.getTitle();
		valueSet.setTitle("Edited while cached");
		client().update().resource(valueSet).execute();
		try {
			HttpResponse<String> afterWrite = get(READ);
			assertThat(afterWrite.headers().firstValue("X-Adhdkb-Cache")).hasValue("miss");
			assertThat(afterWrite.body()).contains("Edited while cached");
		} finally {
			valueSet.setTitle(originalTitle);
			valueSet.setId("ValueSet/atomoxetine-products");
			client().update().resource(valueSet).execute();
		}
	}

	@Test
	void anUnrelatedWriteAlsoRetiresTheCache() {
		get(READ);
		assertThat(get(READ).headers().firstValue("X-Adhdkb-Cache")).hasValue("hit");
		client().create().resource(new Patient().setActive(true)).execute();
		assertThat(get(READ).headers().firstValue("X-Adhdkb-Cache")).hasValue("miss");
	}

	@Test
	void formatsAreCachedApartAndConditionalReadsStillAnswer304() {
		get(READ);
		HttpResponse<String> xml = get(READ, "Accept", "application/fhir+xml");
		assertThat(xml.body()).startsWith("<ValueSet");
		assertThat(get(READ, "Accept", "application/fhir+xml").body()).startsWith("<ValueSet");
		assertThat(get(READ).body()).startsWith("{");

		String etag = get(READ).headers().firstValue("ETag").orElseThrow();
		assertThat(get(READ, "If-None-Match", etag).statusCode()).isEqualTo(304);
	}

	@Test
	void compressedAndPlainResponsesAreCachedApart() {
		HttpResponse<String> plain = get(READ);
		get(READ, "Accept-Encoding", "gzip");
		HttpResponse<String> gzipped = get(READ, "Accept-Encoding", "gzip");
		assertThat(gzipped.headers().firstValue("Content-Encoding")).hasValue("gzip");
		HttpResponse<String> plainAgain = get(READ);
		assertThat(plainAgain.headers().firstValue("Content-Encoding")).isEmpty();
		assertThat(plainAgain.body()).isEqualTo(plain.body());
		// the HAPI client (which accepts gzip) parses what the cache replays
		assertThat(client().read().resource(ValueSet.class).withId("atomoxetine-products").execute().getUrl())
				.isEqualTo("http://adhdkb.org/fhir/ValueSet/atomoxetine-products");
		assertThat(client().read().resource(ValueSet.class).withId("atomoxetine-products").execute().getUrl())
				.isEqualTo("http://adhdkb.org/fhir/ValueSet/atomoxetine-products");
	}

	@Test
	void pagedSearchesAndErrorsAreNotKept() {
		String paged = "/fhir/ValueSet?_count=1";
		get(paged);
		assertThat(get(paged).headers().firstValue("X-Adhdkb-Cache")).hasValue("miss");
		String missing = "/fhir/ValueSet/not-there";
		assertThat(get(missing).statusCode()).isEqualTo(404);
		assertThat(get(missing).headers().firstValue("X-Adhdkb-Cache")).hasValue("miss");
	}
}
