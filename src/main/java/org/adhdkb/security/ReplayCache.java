package org.adhdkb.security;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JWT ids seen, each kept until its token expires. Bounded: when full of unexpired ids it refuses new ones (fails
 * closed) rather than forget ids whose tokens could still be replayed. CDS client tokens live at most five minutes,
 * so the bound is reached only by a flood of fresh tokens.
 */
final class ReplayCache {

	private final int maximumSize;
	private final Clock clock;
	private final Map<String, Instant> seen = new ConcurrentHashMap<>();

	ReplayCache(int maximumSize, Clock clock) {
		this.maximumSize = maximumSize;
		this.clock = clock;
	}

	enum Result { FIRST_USE, REPLAY, FULL }

	Result record(String issuer, String jwtId, Instant expiry) {
		if (seen.size() >= maximumSize) {
			Instant now = clock.instant();
			seen.values().removeIf(until -> until.isBefore(now));
			if (seen.size() >= maximumSize) {
				return Result.FULL;
			}
		}
		return seen.putIfAbsent(issuer + '\u0000' + jwtId, expiry) == null ? Result.FIRST_USE : Result.REPLAY;
	}

	int size() {
		return seen.size();
	}
}
