package org.adhdkb.cache;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A cache whose entries are served only while the {@link ChangeCounter} still reads the value it read before the
 * entry was computed: an entry can never be newer than its tag claims, and any committed write, through any
 * instance, retires every entry at once.
 */
public final class VersionedCache<K, V> {

	private record Entry<V>(long version, V value) {}

	private final ChangeCounter counter;
	private final int maximumSize;
	private final Map<K, Entry<V>> entries = new ConcurrentHashMap<>();

	public VersionedCache(ChangeCounter counter, int maximumSize) {
		this.counter = counter;
		this.maximumSize = maximumSize;
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

	/** Keeps a value computed after reading {@code version}; null values are not kept. */
	public void put(K key, long version, V value) {
		if (value == null) {
			return;
		}
		if (entries.size() >= maximumSize) {
			entries.clear();
		}
		entries.put(key, new Entry<>(version, value));
	}
}
