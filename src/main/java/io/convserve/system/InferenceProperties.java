package io.convserve.system;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Service settings under {@code inference.*}.
 *
 * @param repository    the model repository folder (DESIGN §3); empty serves the bundled models
 * @param maxBatchSize  the largest batch one request may send (Triton's {@code max_batch_size})
 * @param maxImageSide  the largest width or height of an image sent to /predictions, checked before decoding
 * @param maxImagePixels the largest number of pixels of such an image
 * @param maxRequestBytes the largest request body, after gzip decompression (413 beyond)
 * @param warmupRequests forward passes run on each newly loaded version before it receives traffic
 * @param pollInterval   how often the repository folder is scanned for new, changed and removed models;
 *                       0 turns polling off (models then change through the v2 repository API only)
 * @param maxResponseValues the most tensor values one infer response may carry (the model's output plus the
 *                       layer outputs a request names); a request asking for more is refused before computing
 */
@ConfigurationProperties("inference")
public record InferenceProperties(String repository, @DefaultValue("64") int maxBatchSize,
                                  @DefaultValue("4096") int maxImageSide,
                                  @DefaultValue("40000000") long maxImagePixels,
                                  @DefaultValue("134217728") long maxRequestBytes,
                                  @DefaultValue("1") int warmupRequests,
                                  @DefaultValue("0s") java.time.Duration pollInterval,
                                  @DefaultValue("33554432") long maxResponseValues) {
}
