package org.adhdkb.server;

import org.adhdkb.content.ContentPackage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The training start of {@link StartupKit} ({@code adhdkb.startup.training=true}): once the server is ready it answers
 * a first request (so that the classes of a request are recorded too), writes the hash of the content it loaded
 * beside the database, and exits.
 */
@Component
@ConditionalOnProperty("adhdkb.startup.training")
class StartupTraining implements ApplicationListener<ApplicationReadyEvent> {

	private static final Logger log = LoggerFactory.getLogger(StartupTraining.class);

	private final AdhdkbProperties properties;

	StartupTraining(AdhdkbProperties properties) {
		this.properties = properties;
	}

	@Override
	public void onApplicationEvent(ApplicationReadyEvent event) {
		var context = event.getApplicationContext();
		String base = "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
		int status = 0;
		try {
			HttpClient http = HttpClient.newHttpClient();
			for (String path : new String[] {"/fhir/metadata", "/fhir/MedicationKnowledge?_count=1"}) {
				status = Math.max(status, http.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
						HttpResponse.BodyHandlers.discarding()).statusCode());
			}
			Path dataDir = Path.of(context.getEnvironment().getRequiredProperty(DataDirectoryResolver.PROPERTY));
			Files.writeString(dataDir.resolve(DatabaseImage.HASH_FILE),
					ContentPackage.read(properties.getContent().getLocation()).contentHash());
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return;
		}
		int exitCode = status == 200 ? 0 : 1;
		log.info("Training start done (first requests answered {}): stopping", status);
		// from another thread: the context cannot be closed from within its own ready event
		new Thread(() -> System.exit(SpringApplication.exit(context, () -> exitCode)), "training-exit").start();
	}
}
