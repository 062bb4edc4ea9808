package org.adhdkb.cache;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
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

	/** Where {@link #current(RequestDetails)} keeps the value it read for a request. */
	private static final String PINNED = ChangeCounter.class.getName() + ".pinned";

	/**
	 * The value for one request: read from the database on the first call, then the same for the rest of the request
	 * (one query per request instead of one per cache lookup), until the request itself writes. A request thus sees
	 * the knowledge as it was when it started, like a request that began a moment earlier; nothing is served that is
	 * older than the start of the request. Without a request, the same as {@link #current()}.
	 */
	public long current(RequestDetails request) {
		if (request == null) {
			return current();
		}
		if (request.getUserData().get(PINNED) instanceof Long pinned) {
			return pinned;
		}
		long value = current();
		request.getUserData().put(PINNED, value);
		return value;
	}

	/** The current value: changes whenever any write has committed. */
	public long current() {
		Long version = jdbc.queryForObject("SELECT VERSION FROM " + TABLE + " WHERE ID = 1", Long.class);
		return version == null ? 0 : version;
	}

	/** Runs in the writing transaction (HAPI's pre-commit hooks), so the count moves exactly when the write commits. */
	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void created(RequestDetails request) {
		increment(request);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
	public void updated(RequestDetails request) {
		increment(request);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
	public void deleted(RequestDetails request) {
		increment(request);
	}

	private void increment(RequestDetails request) {
		jdbc.update("UPDATE " + TABLE + " SET VERSION = VERSION + 1 WHERE ID = 1");
		if (request != null) {
			// what this request reads from now on must not come from before its own write
			request.getUserData().remove(PINNED);
		}
	}
}
