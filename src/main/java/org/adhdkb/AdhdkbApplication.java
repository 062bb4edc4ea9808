package org.adhdkb;

import org.adhdkb.content.ContentCheckCommand;
import org.adhdkb.server.StartupKit;
import org.adhdkb.server.StartupWarmUp;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.metrics.buffering.BufferingApplicationStartup;

/**
 * adhdkb: a FHIR R4 terminology and guideline server for ADHD pharmacotherapy.
 *
 * <p>{@code java -jar adhdkb.jar} starts the server; {@code java -jar adhdkb.jar check-content DIR} only checks a
 * content folder and exits, so knowledge engineers need no database or port to find out what is wrong.
 */
@SpringBootApplication
public class AdhdkbApplication {

	public static void main(String[] args) {
		if (args.length > 0 && ContentCheckCommand.NAME.equals(args[0])) {
			System.exit(ContentCheckCommand.run(args));
		}
		StartupKit.relaunchIfReady(args);
		StartupWarmUp.parseCoreDefinitionsEarly(args);
		SpringApplication application = new SpringApplication(AdhdkbApplication.class);
		if (Boolean.getBoolean("adhdkb.startup-trace")) {
			// Records how long each bean takes to start, served at /actuator/startup (see bench/README.md).
			application.setApplicationStartup(new BufferingApplicationStartup(20_000));
		}
		application.run(args);
		StartupKit.prepareForNextStart(args);
	}
}
