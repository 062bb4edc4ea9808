package org.adhdkb.server;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.provider.JpaSystemProvider;
import ca.uhn.fhir.jpa.provider.ValueSetOperationProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.openapi.OpenApiInterceptor;
import ca.uhn.fhir.rest.server.ETagSupportEnum;
import ca.uhn.fhir.rest.server.HardcodedServerAddressStrategy;
import ca.uhn.fhir.rest.server.IncomingRequestAddressStrategy;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.interceptor.ResponseHighlighterInterceptor;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.List;

/** The FHIR REST endpoint at {@code /fhir}: HAPI's RestfulServer with the JPA resource providers. */
@Configuration
public class FhirRestConfig {

	public static final String FHIR_PATH = "/fhir";

	@Bean
	public RestfulServer restfulServer(
			IFhirSystemDao<?, ?> systemDao,
			ResourceProviderFactory resourceProviders,
			JpaSystemProvider<?, ?> systemProvider,
			ValueSetOperationProvider valueSetOperationProvider,
			DatabaseBackedPagingProvider pagingProvider,
			JpaStorageSettings storageSettings,
			ISearchParamRegistry searchParamRegistry,
			IValidationSupport validationSupport,
			List<FhirServerCustomizer> customizers,
			AdhdkbProperties properties) {
		RestfulServer server = new RestfulServer(systemDao.getContext());
		// HAPI walks every reference of every resource it encodes to contain in-memory targets that have no id. Nothing
		// here builds references that way ($apply and CDS Hooks give contained resources ids and "#id" references), and
		// the walk was 10 % of a $apply response's CPU.
		systemDao.getContext().getParserOptions().setAutoContainReferenceTargetsWithNoId(false);
		server.registerProviders(resourceProviders.createProviders());
		server.registerProvider(systemProvider);
		server.registerProvider(valueSetOperationProvider);
		server.setPagingProvider(pagingProvider);
		server.setETagSupport(ETagSupportEnum.ENABLED);
		server.setDefaultResponseEncoding(EncodingEnum.JSON);
		server.setDefaultPrettyPrint(false);

		server.setServerConformanceProvider(new CapabilityStatementProvider(
				server, systemDao, storageSettings, searchParamRegistry, validationSupport));
		server.setServerName("adhdkb");

		if (properties.getServerAddress().isBlank()) {
			server.setServerAddressStrategy(new IncomingRequestAddressStrategy());
		} else {
			server.setServerAddressStrategy(new HardcodedServerAddressStrategy(properties.getServerAddress()));
		}

		server.registerInterceptor(new ResponseHighlighterInterceptor());
		server.registerInterceptor(new OpenApiInterceptor());
		server.registerInterceptor(new IfMatchPreconditionInterceptor());
		customizers.forEach(customizer -> customizer.customize(server));
		return server;
	}

	/** The validation support the CapabilityStatement reads, prepared while the web server starts. */
	@Bean
	SmartLifecycle capabilityStatementWarmUp(StartupWarmUp warmUp, IValidationSupport validationSupport) {
		return warmUp.afterContentLoaded(validationSupport);
	}

	@Bean
	public ServletRegistrationBean<RestfulServer> fhirServlet(RestfulServer server) {
		ServletRegistrationBean<RestfulServer> registration = new ServletRegistrationBean<>(server, FHIR_PATH + "/*");
		registration.setName("fhir");
		registration.setLoadOnStartup(1);
		return registration;
	}
}
