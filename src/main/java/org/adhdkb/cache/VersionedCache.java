package org.adhdkb.cache;

import java.util.Map;
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

	public V get(K key, Function<K, V> compute) {
		return get(key, counter.current(), compute);
	}

	/** The entry computed at {@code version} (read from the counter before this call), or computes and keeps it. */
	public V get(K key, long now, Function<K, V> compute) {
		V cached = getIfCurrent(key, now);
		if (cached != null) {
			return cached;
		}
		V computed = compute.apply(key);
		put(key, now, computed);
		return computed;
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
