package org.adhdkb.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.config.ConstructorArgumentValues;
import org.springframework.beans.factory.config.DependencyDescriptor;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.context.annotation.ContextAnnotationAutowireCandidateResolver;
import org.springframework.data.repository.core.support.RepositoryFactoryBeanSupport;
import org.springframework.util.ClassUtils;

import java.util.HashSet;
import java.util.Set;

/**
 * Creates HAPI's Spring Data repositories when first used instead of at start-up. Building one parses and checks all
 * of its queries; HAPI declares 56 repositories and @EnableJpaRepositories without a bootstrap mode, so all of them
 * were built before the server could answer, including those of features this server never runs (MDM, bulk export,
 * most of batch2). This does what Spring Data's {@code BootstrapMode.LAZY} does, for an annotation we cannot edit:
 * repository beans become lazy, and so do the injection points that receive them (a proxy that creates the repository
 * on its first call).
 */
final class LazyRepositories implements BeanFactoryPostProcessor {

	private static final Logger log = LoggerFactory.getLogger(LazyRepositories.class);

	private final boolean enabled;
	private final StartupWarmUp warmUp;

	LazyRepositories(boolean enabled, StartupWarmUp warmUp) {
		this.enabled = enabled;
		this.warmUp = warmUp;
	}

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
		if (!enabled) {
			return;
		}
		if (!(beanFactory instanceof DefaultListableBeanFactory registry)
				|| registry.getAutowireCandidateResolver().getClass() != ContextAnnotationAutowireCandidateResolver.class) {
			log.warn("Repositories are created at start-up: the bean factory is not the one expected");
			return;
		}
		Set<String> repositoryInterfaces = new HashSet<>();
		for (String name : registry.getBeanDefinitionNames()) {
			BeanDefinition definition = registry.getBeanDefinition(name);
			if (isRepositoryFactory(definition.getBeanClassName(), registry.getBeanClassLoader())) {
				ConstructorArgumentValues.ValueHolder repositoryInterface =
						definition.getConstructorArgumentValues().getIndexedArgumentValue(0, null);
				if (repositoryInterface != null && repositoryInterface.getValue() instanceof String interfaceName) {
					definition.setLazyInit(true);
					repositoryInterfaces.add(interfaceName);
				}
			}
		}
		log.debug("{} repositories created on first use", repositoryInterfaces.size());
		warmUp.parseQueriesOf(repositoryInterfaces, registry.getBeanClassLoader());
		registry.setAutowireCandidateResolver(new ContextAnnotationAutowireCandidateResolver() {
			@Override
			protected boolean isLazy(DependencyDescriptor descriptor) {
				return repositoryInterfaces.contains(descriptor.getDependencyType().getName()) || super.isLazy(descriptor);
			}
		});
	}

	/** HAPI's repositories are made by a subclass of Spring Data's factory (EnversRevisionRepositoryFactoryBean). */
	private static boolean isRepositoryFactory(String className, ClassLoader classLoader) {
		return className != null && ClassUtils.isPresent(className, classLoader)
				&& RepositoryFactoryBeanSupport.class.isAssignableFrom(ClassUtils.resolveClassName(className, classLoader));
	}
}
