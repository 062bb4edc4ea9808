package org.adhdkb.server;

import ca.uhn.fhir.batch2.jobs.config.BatchCommonCtx;
import ca.uhn.fhir.batch2.jobs.reindex.ReindexAppCtx;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.config.util.ResourceCountCacheUtil;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.model.entity.StorageSettings;
import ca.uhn.fhir.jpa.provider.DaoRegistryResourceSupportedSvc;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.search.IStaleSearchDeletingSvc;
import ca.uhn.fhir.jpa.search.StaleSearchDeletingSvcImpl;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.jpa.util.ResourceCountCache;
import ca.uhn.fhir.rest.api.IResourceSupportedSvc;
import ca.uhn.fhir.jpa.api.IDaoRegistry;
import jakarta.persistence.EntityManagerFactory;
import org.hibernate.cfg.AvailableSettings;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.orm.jpa.JpaProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;

import javax.sql.DataSource;

/**
 * The HAPI FHIR JPA storage layer, wired by hand because HAPI ships no Spring Boot auto-configuration for its JPA
 * server. The imports are the smallest set HAPI 8.8 starts with: batch2 and the subscription channel are required by
 * JpaR4Config's beans even though we run no subscriptions, and the only batch job we need is REINDEX.
 */
@Configuration
@EnableConfigurationProperties(AdhdkbProperties.class)
@Import({
	JpaR4Config.class,
	JpaBatch2Config.class,
	BatchCommonCtx.class,
	// Changing a SearchParameter starts HAPI's REINDEX job for the resources already stored.
	ReindexAppCtx.class,
	SubscriptionChannelConfig.class,
	ThreadPoolFactoryConfig.class
})
public class FhirServerConfig {

	@Bean
	public JpaStorageSettings jpaStorageSettings(AdhdkbProperties properties) {
		JpaStorageSettings settings = new JpaStorageSettings();
		settings.setAllowExternalReferences(true);
		settings.setAllowContainsSearches(true);
		settings.setAutoCreatePlaceholderReferenceTargets(false);
		settings.setEnforceReferentialIntegrityOnWrite(true);
		settings.setDeleteEnabled(true);
		settings.setExpungeEnabled(false);
		// Content is read-mostly and small: indexing missing fields costs write time and buys nothing here.
		settings.setIndexMissingFields(StorageSettings.IndexEnabledEnum.DISABLED);
		settings.setPreExpandValueSets(true);
		// Stored terminology resources come before the FHIR core definitions when HAPI resolves a canonical URL. The
		// core definitions hold a SNOMED CT CodeSystem stub (content not-present) at http://snomed.info/sct; it would
		// otherwise hide our snomed-ct-fragment, and $lookup and $validate-code would find no SNOMED CT code.
		settings.setAllowDatabaseValidationOverride(true);
		settings.setEnableTaskPreExpandValueSets(true);
		settings.setDefaultTotalMode(null);
		settings.setFetchSizeDefaultMaximum(properties.getMaxPageSize());
		settings.setMaximumExpansionSize(properties.getTerminology().getMaxExpansionSize());
		// HAPI silently cuts $expand's count to this (default 1000); the configured maximum is the only limit we want.
		settings.setPreExpandValueSetsMaxCount(properties.getTerminology().getMaxExpansionSize());
		settings.setAllowMultipleDelete(false);
		// HFJ_SPIDX_IDENTITY is a catalogue of search parameter hashes that nothing in HAPI 8.8 reads unless index
		// storage is optimized (it is not: every index row keeps its parameter name). Filling it costs one background
		// transaction per parameter first seen: about 1.5 s of CPU competing with the first start's content load.
		settings.setWriteToSearchParamIdentityTable(false);
		// HAPI runs the GET entries of a batch on its bundle-batch pool (default 20 threads, up to 100), each holding
		// its answer: a few threads bound how much one batch holds at a time (HAPI needs core = max with a queue).
		settings.setBundleBatchPoolSize(2);
		settings.setBundleBatchMaxPoolSize(2);
		return settings;
	}

	/**
	 * Two start-up levers, on unless {@code adhdkb.startup.lazy-repositories} or {@code adhdkb.startup.warm-up} is
	 * false (bench/startup.sh measures with and without). Static: post-processors exist before any configuration class.
	 */
	@Bean
	static LazyRepositories lazyRepositories(Environment environment, StartupWarmUp warmUp) {
		return new LazyRepositories(
				environment.getProperty("adhdkb.startup.lazy-repositories", Boolean.class, true), warmUp);
	}

	@Bean
	static StartupWarmUp startupWarmUp(Environment environment) {
		return new StartupWarmUp(environment.getProperty("adhdkb.startup.warm-up", Boolean.class, true));
	}

	/** No partitioning: one knowledge base per server. HAPI still asks for the settings bean. */
	@Bean
	public PartitionSettings partitionSettings() {
		return new PartitionSettings();
	}

	/** Subscriptions are not used; HAPI still asks for the settings bean. */
	@Bean
	public SubscriptionSettings subscriptionSettings() {
		return new SubscriptionSettings();
	}

	@Bean
	public DatabaseBackedPagingProvider databaseBackedPagingProvider(AdhdkbProperties properties) {
		DatabaseBackedPagingProvider paging = new DatabaseBackedPagingProvider();
		paging.setDefaultPageSize(properties.getDefaultPageSize());
		paging.setMaximumPageSize(properties.getMaxPageSize());
		return paging;
	}

	@Bean
	public IStaleSearchDeletingSvc staleSearchDeletingSvc() {
		return new StaleSearchDeletingSvcImpl();
	}

	@Bean
	public IResourceSupportedSvc resourceSupportedSvc(IDaoRegistry daoRegistry) {
		return new DaoRegistryResourceSupportedSvc(daoRegistry);
	}

	@Bean(name = "myResourceCountsCache")
	public ResourceCountCache resourceCountsCache(IFhirSystemDao<?, ?> systemDao) {
		return ResourceCountCacheUtil.newResourceCountCache(systemDao);
	}

	@Bean
	SchemaStamp schemaStamp(DataSource dataSource, JpaProperties jpaProperties) {
		return new SchemaStamp(dataSource, String.valueOf(jpaProperties.getProperties().get(AvailableSettings.DIALECT)));
	}

	@Primary
	@Bean
	public LocalContainerEntityManagerFactoryBean entityManagerFactory(
			JpaProperties jpaProperties,
			DataSource dataSource,
			ConfigurableListableBeanFactory beanFactory,
			FhirContext fhirContext,
			JpaStorageSettings storageSettings,
			SchemaStamp schemaStamp) {
		LocalContainerEntityManagerFactoryBean factory =
				HapiEntityManagerFactoryUtil.newEntityManagerFactory(beanFactory, fhirContext, storageSettings);
		var props = jpaProperties.getProperties();
		props.putIfAbsent(AvailableSettings.SCANNER, "org.hibernate.boot.archive.scan.internal.DisabledScanner");
		props.putIfAbsent(
				AvailableSettings.PHYSICAL_NAMING_STRATEGY,
				"org.hibernate.boot.model.naming.CamelCaseToUnderscoresNamingStrategy");
		props.putIfAbsent(
				AvailableSettings.IMPLICIT_NAMING_STRATEGY,
				"org.springframework.boot.orm.jpa.hibernate.SpringImplicitNamingStrategy");
		// Unless configured: update the schema on a new database or after a HAPI/Hibernate upgrade, else leave it.
		if (!props.containsKey(AvailableSettings.HBM2DDL_AUTO)) {
			props.put(AvailableSettings.HBM2DDL_AUTO, schemaStamp.schemaAction());
		}
		props.putIfAbsent(AvailableSettings.STATEMENT_BATCH_SIZE, "20");
		props.putIfAbsent(AvailableSettings.USE_SECOND_LEVEL_CACHE, "false");
		props.putIfAbsent(AvailableSettings.USE_QUERY_CACHE, "false");
		// No Lucene or Elasticsearch: Hibernate Search stays off.
		props.putIfAbsent("hibernate.search.enabled", "false");
		factory.setPersistenceUnitName("HAPI_PU");
		factory.setJpaPropertyMap(props);
		factory.setDataSource(dataSource);
		return factory;
	}

	@Primary
	@Bean
	public JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
		return new JpaTransactionManager(entityManagerFactory);
	}
}
