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
		long now = counter.current();
		Entry<V> cached = entries.get(key);
		if (cached != null && cached.version() == now) {
			return cached.value();
		}
		V computed = compute.apply(key);
		if (computed != null) {
			if (entries.size() >= maximumSize) {
				entries.clear();
			}
			entries.put(key, new Entry<>(now, computed));
		}
		return computed;
	}
}
