package org.adhdkb.server;

import ca.uhn.fhir.jpa.searchparam.extractor.SearchParamExtractorR4;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The early parse of HAPI's core StructureDefinitions: {@code main} starts it on its own thread, and the
 * search-parameter extractor, which needs them, is not created before the parse has ended (HAPI would otherwise parse
 * them a second time, on the start-up thread). The switch turns it off.
 */
class StartupWarmUpTest {

	@Test
	void theExtractorWaitsForTheEarlyParse() throws InterruptedException {
		CountDownLatch release = new CountDownLatch(1);
		AtomicBoolean parsed = new AtomicBoolean();
		StartupWarmUp.startEarly(new String[] {"--server.port=0"}, () -> {
			awaitQuietly(release);
			parsed.set(true);
		});
		Thread releaser = new Thread(() -> {
			sleepQuietly(300);
			release.countDown();
		});
		releaser.start();

		new StartupWarmUp(true).postProcessBeforeInstantiation(SearchParamExtractorR4.class, "searchParamExtractor");

		assertThat(parsed).as("the parse has ended when the extractor is made").isTrue();
		releaser.join();
	}

	@Test
	void otherBeansDoNotWait() {
		CountDownLatch release = new CountDownLatch(1);
		StartupWarmUp.startEarly(new String[0], () -> awaitQuietly(release));
		try {
			assertTimeoutPreemptively(Duration.ofSeconds(2),
					() -> new StartupWarmUp(true).postProcessBeforeInstantiation(String.class, "anythingElse"));
		} finally {
			release.countDown();
		}
		new StartupWarmUp(true).postProcessBeforeInstantiation(SearchParamExtractorR4.class, "searchParamExtractor");
	}

	@Test
	void offWithTheWarmUpSwitch() throws InterruptedException {
		CountDownLatch ran = new CountDownLatch(1);
		StartupWarmUp.startEarly(new String[] {"--adhdkb.startup.warm-up=false"}, ran::countDown);
		assertThat(ran.await(300, TimeUnit.MILLISECONDS)).as("no early parse").isFalse();
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(10, TimeUnit.SECONDS);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	private static void sleepQuietly(long millis) {
		try {
			Thread.sleep(millis);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}
}
