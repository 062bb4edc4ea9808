package org.adhdkb.cache;

import org.adhdkb.testing.AllAtOnce;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A burst of first calls on a cold server: with one computation at a time, callers that miss the same entry wait for
 * the one computing it instead of each building their own copy (16 copies of the CDS catalogue and the CQL evaluator
 * ran a 512 MB heap out of memory).
 */
class VersionedCacheTest {

	private static final int CALLERS = 8;

	@Test
	void callersMissingTheSameEntryShareOneComputation() throws Exception {
		VersionedCache<String, Object> cache = new VersionedCache<String, Object>(null, 10).oneComputationAtATime();
		AtomicInteger computations = new AtomicInteger();
		List<Object> answers = missAtOnce(cache, 7, () -> {
			computations.incrementAndGet();
			return new Object();
		});
		assertThat(computations).hasValue(1);
		assertThat(answers).hasSize(CALLERS).allSatisfy(answer -> assertThat(answer).isSameAs(answers.get(0)));
	}

	@Test
	void withoutItEachCallerComputes() throws Exception {
		VersionedCache<String, Object> cache = new VersionedCache<>(null, 10);
		AtomicInteger computations = new AtomicInteger();
		missAtOnce(cache, 7, () -> {
			computations.incrementAndGet();
			return new Object();
		});
		assertThat(computations.get()).isGreaterThan(1);
	}

	@Test
	void aNewerVersionIsComputedAgainAndAFailureIsNotKept() {
		VersionedCache<String, String> cache = new VersionedCache<String, String>(null, 10).oneComputationAtATime();
		assertThat(cache.get("key", 1, key -> "at 1")).isEqualTo("at 1");
		assertThat(cache.get("key", 2, key -> "at 2")).isEqualTo("at 2");
		assertThatThrownBy(() -> cache.get("other", 2, key -> {
			throw new IllegalStateException("content missing");
		})).hasMessage("content missing");
		assertThat(cache.get("other", 2, key -> "found later")).isEqualTo("found later");
	}

	/** CALLERS threads ask for the same missing entry at the same moment; the computation lasts long enough to overlap. */
	private static <V> List<V> missAtOnce(VersionedCache<String, V> cache, long version,
			java.util.function.Supplier<V> compute) throws Exception {
		return AllAtOnce.run(CALLERS, () -> cache.get("catalogue", version, key -> {
			sleep();
			return compute.get();
		}));
	}

	private static void sleep() {
		try {
			Thread.sleep(200);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}
}
