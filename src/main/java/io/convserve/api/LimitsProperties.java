package io.convserve.api;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Limits on what one request may make the service build ({@code inference.limits.*}), each checked while the request
 * is read, before the work it asks for.
 *
 * @param maxRequestValues    the most JSON values (numbers, strings, booleans, nulls) one infer or predict body may
 *                            hold, counted while parsing; 0 (default): derived per model, its maximum batch size
 *                            times the values of one example, plus {@value #REQUEST_OVERHEAD_VALUES} for the rest
 *                            of the request
 * @param maxSummaryLayers    the most layers an architecture sent to {@code /v2/summary} may have
 * @param maxDecodedImageBytes the most bytes an image sent to {@code /predictions} may take once decoded (width x
 *                            height x bytes per pixel as its header declares), checked before decoding
 */
@ConfigurationProperties("inference.limits")
public record LimitsProperties(@DefaultValue("0") long maxRequestValues,
                               @DefaultValue("10000") int maxSummaryLayers,
                               @DefaultValue("67108864") long maxDecodedImageBytes) {

    /** JSON values a request may hold besides its tensor data (names, shapes, parameters, outputs). */
    public static final long REQUEST_OVERHEAD_VALUES = 4096;

    /** The limits as the defaults give them, for tests and tools. */
    public static LimitsProperties defaults() {
        return new LimitsProperties(0, 10_000, 64L * 1024 * 1024);
    }
}
