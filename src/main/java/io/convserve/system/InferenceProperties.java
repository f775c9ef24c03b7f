package io.convserve.system;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Service settings under {@code inference.*}.
 *
 * @param repository the model repository folder (DESIGN §3); empty serves the bundled models
 */
@ConfigurationProperties("inference")
public record InferenceProperties(String repository) {
}
