package org.adhdkb.server;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import org.hibernate.query.hql.internal.HqlParseTreeBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ca.uhn.fhir.jpa.searchparam.extractor.ISearchParamExtractor;
import org.springframework.beans.factory.config.InstantiationAwareBeanPostProcessor;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.jpa.repository.Query;
import org.springframework.util.ClassUtils;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Start-up runs on one thread, and the second core of a small machine is partly idle meanwhile. As soon as HAPI's
 * FhirContext exists, this builds on a background thread what start-up will ask it for a few seconds later: the model
 * of all 146 resource types (every DAO and the search-parameter extractor need it; thread-safe and built once,
 * whichever thread asks first does the work). Once the server is up it fills Hibernate's HQL parser tables, by
 * parsing the queries of HAPI's repositories, so that their first use does not pay for it.
 *
 * <p>The parsed core StructureDefinitions (about a second of XML parsing, which HAPI's search-parameter extractor
 * needs for its FHIRPath engine) are started even earlier, from {@code main} before Spring starts, when only one
 * core is busy: see {@link #parseCoreDefinitionsEarly}.
 */
public final class StartupWarmUp implements InstantiationAwareBeanPostProcessor {

	private static final Logger log = LoggerFactory.getLogger(StartupWarmUp.class);

	private static final String SWITCH = "adhdkb.startup.warm-up";

	/** The thread parsing the core StructureDefinitions, if {@code main} started one; null in tests. */
	private static volatile Thread coreDefinitions;

	/** After {@code content.ContentLoader} (DEFAULT_PHASE - 4096), before the web server (DEFAULT_PHASE - 2048). */
	private static final int AFTER_CONTENT_LOADER = SmartLifecycle.DEFAULT_PHASE - 3072;

	/** After the content is loaded: the web server starts and answers its first requests meanwhile. */
	private static final Duration QUERY_PARSE_DELAY = Duration.ofSeconds(3);

	private final boolean enabled;

	/** The HQL parse, until the server is up ({@link #parseQueriesOf}). */
	private volatile Runnable queryParse;

	/** One thread, one task after the other; it ends when idle, so nothing lingers after start-up. */
	private final ExecutorService background = new ThreadPoolExecutor(0, 1, 1, TimeUnit.SECONDS,
			new LinkedBlockingQueue<>(), runnable -> {
				Thread thread = new Thread(runnable, "startup-warm-up");
				thread.setDaemon(true);
				return thread;
			});

	StartupWarmUp(boolean enabled) {
		this.enabled = enabled;
	}

	/**
	 * Parses HAPI's core R4 StructureDefinitions on a thread of its own while Spring reads its configuration. HAPI
	 * keeps them once per FHIR version for every FhirContext ({@link DefaultProfileValidationSupport} shares one
	 * delegate), so the server's own context finds them parsed. Off with {@code --adhdkb.startup.warm-up=false}.
	 */
	public static void parseCoreDefinitionsEarly(String[] args) {
		startEarly(args, () -> new DefaultProfileValidationSupport(FhirContext.forR4Cached()).fetchAllStructureDefinitions());
	}

	/** Runs {@code parse} on a thread of its own, unless the warm-up is switched off. */
	static void startEarly(String[] args, Runnable parse) {
		String value = new SimpleCommandLinePropertySource(args).getProperty(SWITCH);
		if (!Boolean.parseBoolean(value != null ? value : System.getProperty(SWITCH, "true"))) {
			return;
		}
		Thread thread = new Thread(() -> {
			try {
				parse.run();
			} catch (RuntimeException | LinkageError e) {
				log.debug("Early parse of the core StructureDefinitions failed", e); // start-up parses them again
			}
		}, "core-definitions");
		thread.setDaemon(true);
		thread.start();
		coreDefinitions = thread;
	}

	/**
	 * HAPI's map of parsed core definitions is not built under a lock: the extractor, created while the early parse
	 * still runs, would parse them a second time on the start-up thread. It waits for the early parse instead.
	 */
	@Override
	public Object postProcessBeforeInstantiation(Class<?> beanClass, String beanName) {
		Thread parse = coreDefinitions;
		if (parse != null && ISearchParamExtractor.class.isAssignableFrom(beanClass)) {
			try {
				parse.join();
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
			coreDefinitions = null;
		}
		return null;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (enabled && bean instanceof FhirContext context) {
			warm(() -> context.getResourceTypes().forEach(context::getResourceDefinition));
		}
		return bean;
	}

	/**
	 * Parses the HQL of the repositories' declared queries (syntax only: the parser's caches are shared), a few seconds
	 * after the server is up. During start-up it competed for the second core with the compiler and the garbage
	 * collector and delayed the start by about 0.4 s (A/B, six pairs), while start-up itself uses only a few of the
	 * queries. Uses Hibernate's internal parse-tree builder; should a Hibernate upgrade change it, the warm-up just
	 * does nothing.
	 */
	void parseQueriesOf(Set<String> repositoryInterfaces, ClassLoader classLoader) {
		if (!enabled) {
			return;
		}
		queryParse = () -> {
			for (String name : repositoryInterfaces) {
				for (Method method : ClassUtils.resolveClassName(name, classLoader).getMethods()) {
					Query query = method.getAnnotation(Query.class);
					if (query != null && !query.nativeQuery() && !query.value().isBlank()) {
						try {
							HqlParseTreeBuilder.INSTANCE.buildHqlParser(query.value(),
									HqlParseTreeBuilder.INSTANCE.buildHqlLexer(query.value())).statement();
						} catch (RuntimeException e) {
							log.debug("Warm-up parse of {} failed", method, e);
						}
					}
				}
			}
		};
	}

	/**
	 * What the first request to {@code /fhir/metadata} would otherwise build itself (about 0.8 s on two cores, so a
	 * start counts as done that much later): the non-base StructureDefinitions that HAPI lists as supported profiles.
	 * Started when the content is in the database (its StructureDefinitions are among them), while the web server
	 * starts; HAPI's chain computes that list once, and a request that comes first waits for it.
	 */
	SmartLifecycle afterContentLoaded(IValidationSupport validationSupport) {
		return new SmartLifecycle() {
			private volatile boolean running;

			@Override
			public void start() {
				running = true;
				if (enabled) {
					warm(validationSupport::fetchAllNonBaseStructureDefinitions);
					Runnable parse = queryParse;
					queryParse = null;
					if (parse != null) {
						warmAfter(QUERY_PARSE_DELAY, parse);
					}
				}
			}

			@Override
			public void stop() {
				running = false;
			}

			@Override
			public boolean isRunning() {
				return running;
			}

			@Override
			public int getPhase() {
				return AFTER_CONTENT_LOADER;
			}
		};
	}

	/** Queues {@code task} after {@code delay}, on a daemon thread that only waits. */
	private void warmAfter(Duration delay, Runnable task) {
		Thread waiting = new Thread(() -> {
			try {
				Thread.sleep(delay.toMillis());
				warm(task);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}, "startup-warm-up-later");
		waiting.setDaemon(true);
		waiting.start();
	}

	private void warm(Runnable task) {
		background.execute(() -> {
			try {
				task.run();
			} catch (RuntimeException | LinkageError e) {
				// only a head start: the same work runs again, and fails visibly, where start-up needs it
				log.debug("Warm-up step failed", e);
			}
		});
	}
}
