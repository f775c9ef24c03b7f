package io.convserve.registry;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the models come from and how they change ({@code inference.*}).
 *
 * @param repository     the model repository folder (docs/model-format.md); empty serves the bundled models
 * @param warmupRequests forward passes run on each newly loaded version before it receives traffic
 * @param pollInterval   how often the repository folder is scanned for new, changed and removed models; 0 turns
 *                       polling off (models then change through the v2 repository API only)
 */
@ConfigurationProperties("inference")
public record RepositoryProperties(String repository, @DefaultValue("1") int warmupRequests,
                                   @DefaultValue("0s") Duration pollInterval) {

    /** Settings as the defaults give them: the bundled models. */
    public static RepositoryProperties defaults() {
        return new RepositoryProperties(null, 1, Duration.ZERO);
    }

    /** These settings serving another repository folder. */
    public RepositoryProperties withRepository(String folder) {
        return new RepositoryProperties(folder, warmupRequests, pollInterval);
    }

    /** Whether the service runs its bundled models (no repository configured). */
    public boolean bundled() {
        return repository == null || repository.isBlank();
    }
}
