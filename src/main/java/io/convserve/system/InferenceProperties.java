package io.convserve.system;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Service settings under {@code inference.*}.
 *
 * @param repository    the model repository folder (DESIGN §3); empty serves the bundled models
 * @param maxBatchSize  the largest batch one request may send (Triton's {@code max_batch_size})
 */
@ConfigurationProperties("inference")
public record InferenceProperties(String repository, @DefaultValue("64") int maxBatchSize) {
}
