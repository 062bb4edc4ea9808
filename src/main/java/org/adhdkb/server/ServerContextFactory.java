package org.adhdkb.server;

import org.springframework.boot.ApplicationContextFactory;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.web.servlet.context.AnnotationConfigServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Spring Boot's servlet application context, with one change: the bean definitions are frozen before the web server
 * is created instead of just after.
 *
 * <p>Why: Boot creates the web server during {@code onRefresh}, and that instantiates every bean its servlets and
 * filters depend on. For HAPI's RestfulServer that is nearly the whole application, its 146 DAOs included. Spring
 * only caches "which beans are of type T" once the configuration is frozen, so until then every autowired field scans
 * all of the ~1 000 bean definitions: measured at 2.5-3 s of CPU on the start-up thread. By {@code onRefresh} every bean
 * factory post-processor has run and the definitions are final, so freezing them then changes nothing but the cache.
 * Registered in META-INF/spring.factories, so the server, the tests and the jar all start the same way.
 * {@code adhdkb.startup.early-freeze=false} turns it off, to measure it.
 */
@Order(Ordered.HIGHEST_PRECEDENCE) // before Boot's own servlet context factory
public final class ServerContextFactory implements ApplicationContextFactory {

	@Override
	public ConfigurableApplicationContext create(WebApplicationType webApplicationType) {
		return webApplicationType == WebApplicationType.SERVLET ? new FrozenBeforeWebServer() : null;
	}

	private static final class FrozenBeforeWebServer extends AnnotationConfigServletWebServerApplicationContext {
		@Override
		protected void onRefresh() {
			if (getEnvironment().getProperty("adhdkb.startup.early-freeze", Boolean.class, true)) {
				getBeanFactory().freezeConfiguration();
			}
			super.onRefresh();
		}
	}
}
