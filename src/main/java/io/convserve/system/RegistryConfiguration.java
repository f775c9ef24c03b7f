package io.convserve.system;

import io.convserve.serving.AuthProperties;
import io.convserve.serving.LimitsProperties;
import io.convserve.serving.InferenceProperties;
import io.convserve.importer.FileConverter;
import io.convserve.registry.ModelRegistry;
import io.convserve.registry.RepositoryTransaction;
import io.convserve.registry.RepositoryProperties;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/** Creates the model registry over the configured repository, or over the bundled models, and loads it. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({RepositoryProperties.class, InferenceProperties.class, AuthProperties.class,
        LimitsProperties.class})
class RegistryConfiguration {

    private static final Logger log = LoggerFactory.getLogger(RegistryConfiguration.class);
    private static final String BUNDLE = "models/";

    @Bean
    ModelRegistry modelRegistry(RepositoryProperties properties, InferenceProperties inference) throws IOException {
        NativeRuntime.configure(inference.threads());
        long start = System.nanoTime();
        Path repository;
        if (properties.bundled()) {
            repository = extractBundledModels();
            log.info("serving the bundled models (inference.repository is not set)");
        } else {
            repository = Path.of(properties.repository()).toAbsolutePath().normalize();
            if (!Files.isDirectory(repository)) {
                throw new IllegalStateException("inference.repository " + repository + " is not a directory");
            }
        }
        if (!properties.bundled()) {
            recoverInterruptedWrites(repository);
        }
        ModelRegistry registry = new ModelRegistry(repository, properties.warmupRequests(), new FileConverter());
        registry.loadAll();
        log.info("model repository {} loaded: models={} failed={} duration_ms={}", repository,
                registry.latest().size(), registry.failures().size(), (System.nanoTime() - start) / 1_000_000);
        return registry;
    }

    /** Finishes or undoes the repository changes (uploads) that a crash interrupted, in one log line. */
    private static void recoverInterruptedWrites(Path repository) {
        try {
            List<String> handled = RepositoryTransaction.recover(repository);
            if (!handled.isEmpty()) {
                log.warn("repository {} had {} interrupted write(s), recovered: {}", repository, handled.size(),
                        String.join("; ", handled));
            }
        } catch (IOException | RuntimeException e) {
            log.warn("repository {}: interrupted writes could not be recovered now, retried at the next start: {}",
                    repository, e.toString());
        }
    }

    /** Copies {@code classpath:models/**} to a temporary folder, so that jar and IDE runs read the same files. */
    private static Path extractBundledModels() throws IOException {
        Path target = Files.createTempDirectory("convserve-models-");
        target.toFile().deleteOnExit();
        PathMatchingResourcePatternResolver resolver = new PathMatchingResourcePatternResolver();
        Resource root = resolver.getResource("classpath:" + BUNDLE);
        String rootUrl = root.getURL().toString();
        for (Resource resource : resolver.getResources("classpath*:" + BUNDLE + "**")) {
            String url = resource.getURL().toString();
            int at = url.lastIndexOf("/" + BUNDLE);
            if (at < 0 || !resource.isReadable() || url.endsWith("/")) {
                continue;
            }
            Path file = target.resolve(url.substring(at + BUNDLE.length() + 1)).normalize();
            if (!file.startsWith(target)) {
                continue;
            }
            Files.createDirectories(file.getParent());
            try (InputStream in = resource.getInputStream()) {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        log.debug("bundled models from {} extracted to {}", rootUrl, target);
        return target;
    }
}
