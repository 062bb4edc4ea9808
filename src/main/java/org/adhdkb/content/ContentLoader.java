package org.adhdkb.content;

import ca.uhn.fhir.batch2.config.Batch2JobRegisterer;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import org.adhdkb.cache.ChangeCounter;
import org.adhdkb.server.AdhdkbProperties;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Loads {@code fhir-resources/} into the database at start-up, before the web server accepts requests, so that no
 * client ever sees a server without its content.
 *
 * <p>Loading is idempotent. When the database records that this very package was loaded and nothing has been written
 * since ({@link ContentState}), nothing is read or compared at all. Otherwise a file whose resource is already stored with identical content is neither validated
 * again nor written, so a restart with unchanged content writes nothing. A file the build already validated (see
 * {@link ContentCheckCommand}) is written without being validated again. Changed and new files are validated first and
 * written only if all of them are valid, in one transaction (SearchParameters in one just before it). Invalid content
 * stops start-up with every problem listed.
 */
@Component
public class ContentLoader implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(ContentLoader.class);

	/** Runs before the embedded web server starts (which uses DEFAULT_PHASE - 2048). */
	private static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

	private final FhirContext fhirContext;
	private final DaoRegistry daoRegistry;
	private final IFhirSystemDao<Bundle, ?> systemDao;
	private final AdhdkbProperties properties;
	private final ISearchParamRegistry searchParamRegistry;
	private final Batch2JobRegisterer batch2JobRegisterer;
	private final DefaultProfileValidationSupport coreDefinitions;
	private final ContentState state;
	private final ChangeCounter changeCounter;
	private final JpaStorageSettings storageSettings;
	private volatile boolean running;
	private volatile LoadReport lastReport;

	public ContentLoader(
			FhirContext fhirContext,
			DaoRegistry daoRegistry,
			IFhirSystemDao<Bundle, ?> systemDao,
			AdhdkbProperties properties,
			ISearchParamRegistry searchParamRegistry,
			Batch2JobRegisterer batch2JobRegisterer,
			DefaultProfileValidationSupport coreDefinitions,
			ContentState state,
			ChangeCounter changeCounter,
			JpaStorageSettings storageSettings) {
		this.storageSettings = storageSettings;
		this.state = state;
		this.changeCounter = changeCounter;
		this.fhirContext = fhirContext;
		this.coreDefinitions = coreDefinitions;
		this.batch2JobRegisterer = batch2JobRegisterer;
		this.searchParamRegistry = searchParamRegistry;
		this.daoRegistry = daoRegistry;
		this.systemDao = systemDao;
		this.properties = properties;
	}

	/**
	 * What one load did, per resource type. {@code recognised}: the package was known by its hash and nothing was
	 * written since it was loaded, so no stored resource was read or compared.
	 */
	public record LoadReport(Map<String, Integer> written, Map<String, Integer> unchanged, long millis, boolean recognised) {
		public int totalWritten() {
			return written.values().stream().mapToInt(Integer::intValue).sum();
		}
	}

	@Override
	public void start() {
		if (properties.getContent().isLoad()) {
			lastReport = load(ContentPackage.read(properties.getContent().getLocation()));
		}
		running = true;
	}

	public LoadReport getLastReport() {
		return lastReport;
	}

	/** Checks the package and writes what changed. Throws {@link InvalidContentException} naming every problem. */
	public LoadReport load(ContentPackage contentPackage) {
		long started = System.currentTimeMillis();
		log.info("Loading content package {} {} from {}: {} files",
				contentPackage.manifest() == null ? "?" : contentPackage.manifest().path("name").asText(),
				contentPackage.version(), contentPackage.location(), contentPackage.files().size());

		String packageHash = contentPackage.hash(ContentChecker.RULES);
		long changesBefore = changeCounter.current();
		if (state.isLoaded(packageHash, changesBefore)) {
			Map<String, Integer> unchanged = new TreeMap<>();
			contentPackage.files().forEach(file -> unchanged.merge(file.folder(), 1, Integer::sum));
			LoadReport report = new LoadReport(Map.of(), unchanged, System.currentTimeMillis() - started, true);
			log.info("Content loaded in {} ms: this package was loaded before and nothing was written since, {} files "
					+ "unchanged", report.millis(), contentPackage.files().size());
			return report;
		}

		IParser parser = fhirContext.newJsonParser();
		Map<String, String> storedFingerprints = new TreeMap<>();
		// A database nothing was ever written to (a first start) holds none of the files: no need to ask for each.
		boolean freshDatabase = changesBefore == 0;
		for (ContentFile file : freshDatabase ? List.<ContentFile>of() : contentPackage.files()) {
			Resource stored = readStored(file.folder(), file.stem());
			if (stored != null) {
				storedFingerprints.put(file.path(), fingerprint(parser, stored));
			}
		}

		Set<String> unchangedPaths = new HashSet<>();
		ContentChecker.Result result = new ContentChecker(fhirContext, coreDefinitions).check(contentPackage, (file, resource) -> {
			if (fingerprint(parser, resource).equals(storedFingerprints.get(file.path()))) {
				unchangedPaths.add(file.path());
				return false;
			}
			return !contentPackage.validatedByBuild(file);
		});
		if (!result.ok()) {
			state.forget();
			throw new InvalidContentException(result.problems());
		}

		// SearchParameters go in first, in their own transaction, so that the resources written after them are
		// indexed with them at once (HAPI would otherwise only reindex them later, in a background job).
		Bundle searchParameters = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		Map<String, Integer> written = new TreeMap<>();
		Map<String, Integer> unchanged = new TreeMap<>();
		for (Map.Entry<String, Resource> entry : result.resources().entrySet()) {
			Resource resource = entry.getValue();
			String type = resource.fhirType();
			if (unchangedPaths.contains(entry.getKey())) {
				unchanged.merge(type, 1, Integer::sum);
				continue;
			}
			written.merge(type, 1, Integer::sum);
			("SearchParameter".equals(type) ? searchParameters : transaction).addEntry()
					.setFullUrl(type + "/" + resource.getIdElement().getIdPart())
					.setResource(resource)
					.getRequest()
					.setMethod(Bundle.HTTPVerb.PUT)
					.setUrl(type + "/" + resource.getIdElement().getIdPart());
		}
		int transactions = 0;
		if (searchParameters.hasEntry()) {
			transactions++;
			boolean reindexing = storageSettings.isMarkResourcesForReindexingUponSearchParameterChange();
			if (freshDatabase) {
				// nothing stored yet, nothing to reindex: no REINDEX job (and none of the batch machinery it wakes)
				storageSettings.setMarkResourcesForReindexingUponSearchParameterChange(false);
			} else {
				// HAPI registers its job definitions when the context has refreshed, after this loader runs; a changed
				// SearchParameter starts a REINDEX job, so its definition must be known now. Registering is idempotent.
				batch2JobRegisterer.start();
			}
			try {
				systemDao.transaction(new SystemRequestDetails(), searchParameters);
			} finally {
				storageSettings.setMarkResourcesForReindexingUponSearchParameterChange(reindexing);
			}
			searchParamRegistry.forceRefresh();
		}
		if (transaction.hasEntry()) {
			transactions++;
			systemDao.transaction(new SystemRequestDetails(), transaction);
		}

		// Each transaction that writes moves the counter once (ChangeCounter); any other move means someone else wrote
		// meanwhile, and the stored resources may then differ from the files: record nothing, so that the next load
		// compares them. (Counting written resources here never matched, so every first restart compared them all.)
		long changesAfter = changeCounter.current();
		if (changesAfter == changesBefore + transactions) {
			state.recordLoaded(packageHash, changesAfter);
		} else {
			state.forget();
		}

		LoadReport report = new LoadReport(written, unchanged, System.currentTimeMillis() - started, false);
		var types = new java.util.TreeSet<>(written.keySet());
		types.addAll(unchanged.keySet());
		for (String type : types) {
			log.info("  {}: {} written, {} unchanged", type, written.getOrDefault(type, 0), unchanged.getOrDefault(type, 0));
		}
		log.info("Content loaded in {} ms: {} written, {} validated now, {} validated by the build, {} validator warnings",
				report.millis(), report.totalWritten(), result.validated(),
				report.totalWritten() - result.validated(), result.warnings());
		return report;
	}

	private Resource readStored(String type, String id) {
		if (!daoRegistry.isResourceTypeSupported(type)) {
			return null;
		}
		try {
			IBaseResource stored = daoRegistry.getResourceDao(type).read(new IdType(type, id), new SystemRequestDetails());
			return (Resource) stored;
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			return null;
		}
	}

	/**
	 * The content of a resource without what the server adds on storage (version, last updated, source), so that a
	 * stored resource and the file it came from compare equal exactly when their content is the same.
	 */
	static String fingerprint(IParser parser, IBaseResource resource) {
		Resource copy = ((Resource) resource).copy();
		copy.setIdElement(new IdType(copy.fhirType(), copy.getIdElement().getIdPart()));
		if (copy.hasMeta()) {
			copy.getMeta().setVersionId(null).setLastUpdated(null).setSource(null);
			if (copy.getMeta().isEmpty()) {
				copy.setMeta(null);
			}
		}
		return parser.encodeResourceToString(copy);
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
		return PHASE;
	}
}
