package org.adhdkb.cache;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
		ExecutorService threads = Executors.newFixedThreadPool(CALLERS);
		CountDownLatch start = new CountDownLatch(1);
		try {
			List<Future<V>> calls = new ArrayList<>();
			for (int i = 0; i < CALLERS; i++) {
				calls.add(threads.submit(() -> {
					start.await();
					return cache.get("catalogue", version, key -> {
						sleep();
						return compute.get();
					});
				}));
			}
			start.countDown();
			List<V> answers = new ArrayList<>();
			for (Future<V> call : calls) {
				answers.add(call.get(10, TimeUnit.SECONDS));
			}
			return answers;
		} finally {
			threads.shutdownNow();
		}
	}

	private static void sleep() {
		try {
			Thread.sleep(200);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}
}
