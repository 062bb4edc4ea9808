package org.adhdkb.cache;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * A cache whose entries are served only while the {@link ChangeCounter} still reads the value it read before the
 * entry was computed: an entry can never be newer than its tag claims, and any committed write, through any
 * instance, retires every entry at once.
 *
 * <p>Bounded by a total weight (by default each entry weighs 1, so the bound is a number of entries): when a new
 * entry would exceed it, the cache starts over empty. Content changes rarely and the working set is small, so this
 * is enough to keep memory bounded without an eviction policy.
 */
public final class VersionedCache<K, V> {

	private record Entry<V>(long version, V value, long weight) {}

	private final ChangeCounter counter;
	private final long maximumWeight;
	private final ToLongFunction<V> weigher;
	private final Map<K, Entry<V>> entries = new ConcurrentHashMap<>();
	private final AtomicLong weight = new AtomicLong();

	public VersionedCache(ChangeCounter counter, int maximumSize) {
		this(counter, maximumSize, value -> 1);
	}

	/** A cache holding at most {@code maximumWeight} in total, each entry weighing what {@code weigher} says. */
	public VersionedCache(ChangeCounter counter, long maximumWeight, ToLongFunction<V> weigher) {
		this.counter = counter;
		this.maximumWeight = maximumWeight;
		this.weigher = weigher;
	}

	/** A computation under way, and the version it computes for. */
	private record Flight<V>(long version, CompletableFuture<V> result) {}

	/** Computations under way, when one at a time is asked for ({@link #oneComputationAtATime}). */
	private volatile Map<K, Flight<V>> inFlight;

	/**
	 * Callers that miss the same key at the same version wait for the first one's computation instead of each
	 * computing it. For entries that are large and slow to build (the CQL evaluator, the CDS service catalogue): a
	 * burst of first calls on a cold server built them side by side, 16 at once, and ran a 512 MB heap out of memory.
	 * Only for a cache whose computations never ask it for another key: two of them waiting for each other would wait
	 * for ever.
	 */
	public VersionedCache<K, V> oneComputationAtATime() {
		inFlight = new ConcurrentHashMap<>();
		return this;
	}

	public V get(K key, Function<K, V> compute) {
		return get(key, counter.current(), compute);
	}

	/** The entry computed at {@code version} (read from the counter before this call), or computes and keeps it. */
	public V get(K key, long now, Function<K, V> compute) {
		V cached = getIfCurrent(key, now);
		if (cached != null) {
			return cached;
		}
		if (inFlight == null) {
			V computed = compute.apply(key);
			put(key, now, computed);
			return computed;
		}
		Flight<V> mine = new Flight<>(now, new CompletableFuture<>());
		Flight<V> running = inFlight.compute(key, (k, other) -> other != null && other.version() == now ? other : mine);
		if (running != mine) {
			try {
				return running.result().join();
			} catch (CompletionException e) {
				// the same computation failed for the caller that ran it: it fails the same way here
				throw e.getCause() instanceof RuntimeException runtime ? runtime : e;
			}
		}
		try {
			V computed = compute.apply(key);
			put(key, now, computed);
			mine.result().complete(computed);
			return computed;
		} catch (RuntimeException | Error e) {
			mine.result().completeExceptionally(e);
			throw e;
		} finally {
			inFlight.remove(key, mine);
		}
	}

	/** The counter's value now: read it before computing what you will {@link #put}. */
	public long currentVersion() {
		return counter.current();
	}

	/** The entry, if it was computed at {@code version}; otherwise null. */
	public V getIfCurrent(K key, long version) {
		Entry<V> cached = entries.get(key);
		return cached != null && cached.version() == version ? cached.value() : null;
	}

	/** Keeps a value computed after reading {@code version}; null values, and values heavier than the bound, are not kept. */
	public void put(K key, long version, V value) {
		if (value == null) {
			return;
		}
		long entryWeight = weigher.applyAsLong(value);
		if (entryWeight > maximumWeight) {
			return;
		}
		if (weight.get() + entryWeight > maximumWeight) {
			clear();
		}
		Entry<V> previous = entries.put(key, new Entry<>(version, value, entryWeight));
		weight.addAndGet(entryWeight - (previous == null ? 0 : previous.weight()));
	}

	private synchronized void clear() {
		if (weight.get() > 0) {
			entries.clear();
			weight.set(0);
		}
	}
}
