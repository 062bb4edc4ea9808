package org.adhdkb.server;

import ca.uhn.fhir.jpa.searchparam.extractor.SearchParamExtractorR4;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The early parse of HAPI's core StructureDefinitions: {@code main} starts it on its own thread, and the
 * search-parameter extractor, which needs them, is not created before the parse has ended (HAPI would otherwise parse
 * them a second time, on the start-up thread). The switch turns it off.
 */
class StartupWarmUpTest {

	@Test
	void theExtractorWaitsForTheEarlyParse() {
		StartupWarmUp.parseCoreDefinitionsEarly(new String[] {"--server.port=0"});
		assertThat(parseThread()).as("the parse runs beside start-up").isPresent();

		new StartupWarmUp(true).postProcessBeforeInstantiation(SearchParamExtractorR4.class, "searchParamExtractor");

		assertThat(parseThread()).as("the parse has ended when the extractor is made").isEmpty();
	}

	@Test
	void offWithTheWarmUpSwitch() {
		StartupWarmUp.parseCoreDefinitionsEarly(new String[] {"--adhdkb.startup.warm-up=false"});
		assertThat(parseThread()).isEmpty();
	}

	private static Optional<Thread> parseThread() {
		return Thread.getAllStackTraces().keySet().stream()
				.filter(thread -> thread.getName().equals("core-definitions") && thread.isAlive())
				.findFirst();
	}
}
