package org.adhdkb.content;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import java.util.List;

/**
 * Remembers, in the database, which content package was last loaded completely and the {@link
 * org.adhdkb.cache.ChangeCounter} value right after that load. While both still match, the stored resources are exactly
 * the package's files and a restart can skip reading and comparing them one by one. Any write since (through any
 * instance, to any resource) moves the counter, and the loader then falls back to comparing every resource.
 */
@Component
class ContentState {

	private static final String TABLE = "ADHDKB_CONTENT_STATE";

	private final JdbcTemplate jdbc;

	ContentState(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
		jdbc.execute("CREATE TABLE IF NOT EXISTS " + TABLE
				+ " (ID INT PRIMARY KEY, PACKAGE_HASH VARCHAR(64) NOT NULL, CHANGE_COUNT BIGINT NOT NULL)");
	}

	/** Whether the package with this hash was loaded and nothing has been written since. */
	boolean isLoaded(String packageHash, long changeCount) {
		List<Boolean> rows = jdbc.query("SELECT PACKAGE_HASH, CHANGE_COUNT FROM " + TABLE + " WHERE ID = 1",
				(row, i) -> packageHash.equals(row.getString(1)) && row.getLong(2) == changeCount);
		return rows.size() == 1 && rows.get(0);
	}

	void recordLoaded(String packageHash, long changeCount) {
		int updated = jdbc.update("UPDATE " + TABLE + " SET PACKAGE_HASH = ?, CHANGE_COUNT = ? WHERE ID = 1",
				packageHash, changeCount);
		if (updated == 0) {
			try {
				jdbc.update("INSERT INTO " + TABLE + " (ID, PACKAGE_HASH, CHANGE_COUNT) VALUES (1, ?, ?)",
						packageHash, changeCount);
			} catch (org.springframework.dao.DuplicateKeyException e) {
				// another instance recorded its load at the same moment: leave its record, ours is only a shortcut
			}
		}
	}

	/** Forgets the record, so that the next load compares every resource. */
	void forget() {
		jdbc.update("DELETE FROM " + TABLE + " WHERE ID = 1");
	}
}
