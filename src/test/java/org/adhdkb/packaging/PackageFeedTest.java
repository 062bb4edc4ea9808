package org.adhdkb.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.adhdkb.testing.ServerTestBase;
import org.hl7.fhir.utilities.npm.NpmPackage;
import org.hl7.fhir.utilities.npm.PackageClient;
import org.hl7.fhir.utilities.npm.PackageInfo;
import org.hl7.fhir.utilities.npm.PackageServer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package feed over HTTP: read by hand as the npm registry API, and by the HL7 core library's own package client
 * (the one the HL7 validator and the IG Publisher use to fetch packages from packages.fhir.org).
 */
class PackageFeedTest extends ServerTestBase {

	private static final String NAME = "org.adhdkb.content";

	@Test
	void listsTheVersionWithItsTarball() throws Exception {
		HttpResponse<String> response = get("/packages/" + NAME);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
		JsonNode feed = new ObjectMapper().readTree(response.body());
		assertThat(feed.path("name").asText()).isEqualTo(NAME);
		String latest = feed.path("dist-tags").path("latest").asText();
		JsonNode version = feed.path("versions").path(latest);
		assertThat(version.path("fhirVersion").asText()).isEqualTo("4.0.1");
		assertThat(version.path("canonical").asText()).isEqualTo("http://adhdkb.org/fhir");
		String tarball = version.path("dist").path("tarball").asText();
		assertThat(tarball).isEqualTo(baseUrl() + "/packages/" + NAME + "/" + latest).isEqualTo(version.path("url").asText());

		HttpResponse<byte[]> archive = HttpClient.newHttpClient()
				.send(HttpRequest.newBuilder(URI.create(tarball)).build(), HttpResponse.BodyHandlers.ofByteArray());
		assertThat(archive.statusCode()).isEqualTo(200);
		assertThat(archive.headers().firstValue("Content-Type")).hasValue("application/tar+gzip");
		NpmPackage npm = NpmPackage.fromPackage(new ByteArrayInputStream(archive.body()));
		assertThat(npm.name()).isEqualTo(NAME);
		assertThat(npm.version()).isEqualTo(latest);
		assertThat(npm.listResources("MedicationKnowledge", "PlanDefinition", "ValueSet")).contains(
				"MedicationKnowledge-atomoxetine.json", "PlanDefinition-atomoxetine-titration.json",
				"ValueSet-atomoxetine-products.json");
		// npm's own tarball path serves the same file
		HttpResponse<byte[]> npmPath = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
				URI.create(baseUrl() + "/packages/" + NAME + "/-/" + NAME + "-" + latest + ".tgz")).build(),
				HttpResponse.BodyHandlers.ofByteArray());
		assertThat(npmPath.body()).isEqualTo(archive.body());
	}

	@Test
	void theHl7PackageClientFindsAndFetchesThePackage() throws Exception {
		PackageClient client = new PackageClient(new PackageServer(baseUrl() + "/packages"));
		List<PackageInfo> versions = client.getVersions(NAME);
		assertThat(versions).singleElement().satisfies(info -> {
			assertThat(info.getId()).isEqualTo(NAME);
			assertThat(info.getUrl()).isEqualTo(baseUrl() + "/packages/" + NAME + "/" + info.getVersion());
		});
		try (InputStream tgz = client.fetch(NAME, versions.get(0).getVersion())) {
			assertThat(NpmPackage.fromPackage(tgz).canonical()).isEqualTo("http://adhdkb.org/fhir");
		}
	}

	@Test
	void unknownPackagesAndVersionsAre404WithAnError() throws Exception {
		for (String path : List.of("/packages/hl7.fhir.r4.core", "/packages/" + NAME + "/9.9.9", "/packages/other/0.1.0")) {
			HttpResponse<String> response = get(path);
			assertThat(response.statusCode()).as(path).isEqualTo(404);
			assertThat(new ObjectMapper().readTree(response.body()).path("error").asText()).isNotBlank();
		}
	}
}
