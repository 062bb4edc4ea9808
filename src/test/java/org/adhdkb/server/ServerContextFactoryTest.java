package org.adhdkb.server;

import org.adhdkb.testing.ServerTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring Boot picks the first context factory listed in spring.factories that answers; should Boot's own come first
 * (an upgrade changing the order), the server would still start, only 3 s slower, and nothing else would notice.
 */
class ServerContextFactoryTest extends ServerTestBase {

	@Autowired
	ApplicationContext context;

	@Test
	void theServerRunsInTheContextThatFreezesItsConfigurationBeforeTheWebServer() {
		assertThat(context).isInstanceOf(ServletWebServerApplicationContext.class);
		assertThat(context.getClass().getEnclosingClass()).isEqualTo(ServerContextFactory.class);
	}
}
