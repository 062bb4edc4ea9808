package org.adhdkb.cache;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import jakarta.annotation.PostConstruct;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * A counter in the database that every write increments inside its own transaction. Caches remember the value they
 * were filled at and are dropped when it moves, so that no client is ever served content older than the database,
 * however many server instances share it: the database, not a messaging layer, is the source of truth.
 *
 * <p>Reading the counter is one primary-key lookup per cached request; writes serialise on one row, which a
 * read-mostly knowledge server can afford.
 */
@Component
@Interceptor
public class ChangeCounter {

	private static final String TABLE = "ADHDKB_CHANGE_COUNTER";

	private final JdbcTemplate jdbc;
	private final IInterceptorService interceptors;

	public ChangeCounter(JdbcTemplate jdbc, IInterceptorService interceptors) {
		this.jdbc = jdbc;
		this.interceptors = interceptors;
	}

	@PostConstruct
	void createAndRegister() {
		jdbc.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (ID INT PRIMARY KEY, VERSION BIGINT NOT NULL)");
		Integer rows = jdbc.queryForObject("SELECT COUNT(*) FROM " + TABLE + " WHERE ID = 1", Integer.class);
		if (rows == null || rows == 0) {
			try {
				jdbc.update("INSERT INTO " + TABLE + " (ID, VERSION) VALUES (1, 0)");
			} catch (org.springframework.dao.DuplicateKeyException e) {
				// another instance starting at the same time created it
			}
		}
		interceptors.registerInterceptor(this);
	}

	/** The current value: changes whenever any write has committed. */
	public long current() {
		Long version = jdbc.queryForObject("SELECT VERSION FROM " + TABLE + " WHERE ID = 1", Long.class);
		return version == null ? 0 : version;
	}

	/** Runs in the writing transaction (HAPI's pre-commit hooks), so the count moves exactly when the write commits. */
	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void created() {
		increment();
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
	public void updated() {
		increment();
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
	public void deleted() {
		increment();
	}

	private void increment() {
		jdbc.update("UPDATE " + TABLE + " SET VERSION = VERSION + 1 WHERE ID = 1");
	}
}
