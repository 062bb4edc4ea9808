package org.adhdkb.server;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import org.hibernate.query.hql.internal.HqlParseTreeBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.jpa.repository.Query;
import org.springframework.util.ClassUtils;

import java.lang.reflect.Method;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Start-up runs on one thread, and the second core of a small machine is mostly idle meanwhile. As soon as HAPI's
 * FhirContext and its core definitions exist, this builds on a background thread what start-up will ask them for a
 * few seconds later: the model of all 146 resource types (every DAO and the search-parameter extractor need it) and
 * the parsed core StructureDefinitions (HAPI's FHIRPath engine and the content checks), and Hibernate's HQL parser
 * tables, by parsing the queries of HAPI's repositories (their first use otherwise pays for filling them). All of
 * these are thread-safe and built once; whichever thread asks first does the work, the other waits for it.
 */
final class StartupWarmUp implements BeanPostProcessor {

	private static final Logger log = LoggerFactory.getLogger(StartupWarmUp.class);

	/** After {@code content.ContentLoader} (DEFAULT_PHASE - 4096), before the web server (DEFAULT_PHASE - 2048). */
	private static final int AFTER_CONTENT_LOADER = SmartLifecycle.DEFAULT_PHASE - 3072;

	private final boolean enabled;

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

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (!enabled) {
			return bean;
		}
		if (bean instanceof FhirContext context) {
			warm(() -> context.getResourceTypes().forEach(context::getResourceDefinition));
		} else if (bean instanceof DefaultProfileValidationSupport coreDefinitions) {
			warm(coreDefinitions::fetchAllStructureDefinitions);
		}
		return bean;
	}

	/**
	 * Parses the HQL of the repositories' declared queries (syntax only: the parser's caches are shared). Uses
	 * Hibernate's internal parse-tree builder; should a Hibernate upgrade change it, the warm-up just does nothing.
	 */
	void parseQueriesOf(Set<String> repositoryInterfaces, ClassLoader classLoader) {
		if (!enabled) {
			return;
		}
		warm(() -> {
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
		});
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
