package org.adhdkb.cql;

import org.hl7.elm.r1.ExpressionDef;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Builds of the compiled libraries run side by side (a content change while CDS calls arrive: each call that finds the
 * cache stale builds one). FHIRHelpers is one object shared by all builds; a build once sorted its statements again,
 * and two builds at the same time failed with a ConcurrentModificationException, a 500 under mixed load (LoadTest).
 */
class CompiledLibrariesTest {

	@Test
	void buildsSideBySideShareFhirHelpersWithoutTouchingIt() throws Exception {
		ExecutorService threads = Executors.newFixedThreadPool(4);
		try {
			List<Future<?>> builds = new ArrayList<>();
			for (int i = 0; i < 4; i++) {
				builds.add(threads.submit(() -> {
					for (int j = 0; j < 300; j++) {
						CompiledLibraries.of(List.of());
					}
					return null;
				}));
			}
			for (Future<?> build : builds) {
				build.get(); // rethrows what a build threw
			}
		} finally {
			threads.shutdownNow();
		}
		List<String> names = CompiledLibraries.of(List.of()).library("FHIRHelpers", "4.0.1").getStatements().getDef()
				.stream().map(ExpressionDef::getName).toList();
		assertThat(names).as("sorted by name: the engine finds a definition by binary search").isSorted();
	}
}
