package org.adhdkb.cache;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import jakarta.annotation.PostConstruct;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * A counter in the database that every write transaction moves before it commits. Caches remember the value they
 * were filled at and are dropped when it moves, so that no client is ever served content older than the database,
 * however many server instances share it: the database, not a messaging layer, is the source of truth.
 *
 * <p>The counter is one row. A write transaction increments it once, just before it commits (a Spring
 * beforeCommit callback registered at its first write), so the row is locked for the commit only. Incrementing it
 * at each write, as before, locked it for the whole length of every write transaction: a write during a large
 * transaction waited for it and timed out (500 with SQL text). A single row rather than a log of changes: H2 reads
 * two tables in one statement from different moments, so a sum of two could move backwards and then repeat a value.
 *
 * <p>AuditEvents (the write audit trail, CDS feedback) do not move the counter: nothing cached is made from them
 * (reading them needs a token, and the response cache keeps no response to a request with credentials), and feedback
 * calls otherwise emptied every instance's caches.
 */
@Component
@Interceptor
public class ChangeCounter {

	private static final String TABLE = "ADHDKB_CHANGE_COUNTER";
	/** Values handed out inside a transaction with uncommitted writes: negative, never a value of the row. */
	private static final java.util.concurrent.atomic.AtomicLong UNCOMMITTED = new java.util.concurrent.atomic.AtomicLong();

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

	/**
	 * The current value: changes whenever any write has committed. Inside a transaction that has written and not yet
	 * committed, a value no cache entry can have (each call a new one): what that transaction reads must come from
	 * the database, and nothing it computes may be kept under a real value (it might roll back).
	 */
	public long current() {
		if (TransactionSynchronizationManager.hasResource(this)) {
			return UNCOMMITTED.decrementAndGet();
		}
		Long version = jdbc.queryForObject("SELECT VERSION FROM " + TABLE + " WHERE ID = 1", Long.class);
		return version == null ? 0 : version;
	}

	/** Runs in the writing transaction (HAPI's pre-commit hooks), so the count moves exactly when the write commits. */
	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void created(IBaseResource resource, RequestDetails request) {
		increment(resource, request);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
	public void updated(@SuppressWarnings("unused") IBaseResource previous, IBaseResource resource, RequestDetails request) {
		increment(resource, request);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
	public void deleted(IBaseResource resource, RequestDetails request) {
		increment(resource, request);
	}

	private void increment(IBaseResource resource, RequestDetails request) {
		if (resource != null && "AuditEvent".equals(resource.fhirType())) {
			return;
		}
		if (!TransactionSynchronizationManager.isSynchronizationActive()) {
			bump();
		} else if (!TransactionSynchronizationManager.hasResource(this)) {
			// once per transaction, as late as possible: the row lock lasts from here to the commit
			TransactionSynchronizationManager.bindResource(this, Boolean.TRUE);
			TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
				@Override
				public void beforeCommit(boolean readOnly) {
					bump();
				}

				@Override
				public void afterCompletion(int status) {
					TransactionSynchronizationManager.unbindResourceIfPossible(ChangeCounter.this);
				}
			});
		}
		if (request != null) {
			// what this request reads from now on must not come from before its own write
			request.getUserData().remove(PINNED);
		}
	}

	private void bump() {
		jdbc.update("UPDATE " + TABLE + " SET VERSION = VERSION + 1 WHERE ID = 1");
	}
}
