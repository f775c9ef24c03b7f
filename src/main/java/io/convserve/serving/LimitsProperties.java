package io.convserve.serving;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Limits on what one request may make the service read or build ({@code inference.limits.*}), for every protocol;
 * each is checked while the request is read, before the work it asks for.
 *
 * @param maxRequestBytes     the largest request body or gRPC message, after gzip decompression (413 or
 *                            RESOURCE_EXHAUSTED beyond); a model's infer route allows more when its maximum batch
 *                            in binary form needs it
 * @param maxRequestValues    the most JSON values (numbers, strings, booleans, nulls) one infer or predict body may
 *                            hold, counted while parsing; 0 (default): derived per model, its maximum batch size
 *                            times the values of one example, plus {@value #REQUEST_OVERHEAD_VALUES} for the rest
 *                            of the request
 * @param maxResponseValues   the most tensor values one infer response may carry (the model's output plus the layer
 *                            outputs a request names); a request asking for more is refused before computing
 * @param maxSummaryLayers    the most layers an architecture sent to {@code /v2/summary} may have
 * @param maxImageSide        the largest width or height of an image sent to /predictions, checked before decoding
 * @param maxImagePixels      the largest number of pixels of such an image
 * @param maxDecodedImageBytes the most bytes such an image may take once decoded (width x height x bytes per pixel
 *                            as its header declares), checked before decoding
 * @param bodyReadTimeout     how long a request body may take to arrive, plus its length at {@code minBodyRate}:
 *                            past that the client gets 408 and the connection is closed (bodies are read without
 *                            holding a thread, so a slow client costs a connection, not a worker)
 * @param minBodyRate         bytes per second a body must average, beyond {@code bodyReadTimeout}
 * @param maxPendingBodies    connections whose request body is still arriving; beyond, 503 at once
 * @param maxMultipartReads   multipart and form bodies read at the same time (the servlet container parses those with
 *                            blocking reads, each holding a thread); beyond, 503 at once
 */
@ConfigurationProperties("inference.limits")
public record LimitsProperties(@DefaultValue("16777216") long maxRequestBytes,
                               @DefaultValue("0") long maxRequestValues,
                               @DefaultValue("33554432") long maxResponseValues,
                               @DefaultValue("10000") int maxSummaryLayers,
                               @DefaultValue("4096") int maxImageSide,
                               @DefaultValue("40000000") long maxImagePixels,
                               @DefaultValue("67108864") long maxDecodedImageBytes,
                               @DefaultValue("10s") java.time.Duration bodyReadTimeout,
                               @DefaultValue("65536") long minBodyRate,
                               @DefaultValue("1000") int maxPendingBodies,
                               @DefaultValue("32") int maxMultipartReads) {

    /** JSON values a request may hold besides its tensor data (names, shapes, parameters, outputs). */
    public static final long REQUEST_OVERHEAD_VALUES = 4096;

    /** The limits as the defaults give them, for tests and tools. */
    public static LimitsProperties defaults() {
        return new LimitsProperties(16L * 1024 * 1024, 0, 32L * 1024 * 1024, 10_000, 4096, 40_000_000L,
                64L * 1024 * 1024, java.time.Duration.ofSeconds(10), 65536, 1000, 32);
    }

    /** These limits with another request body limit. */
    public LimitsProperties withMaxRequestBytes(long bytes) {
        return new LimitsProperties(bytes, maxRequestValues, maxResponseValues, maxSummaryLayers, maxImageSide,
                maxImagePixels, maxDecodedImageBytes, bodyReadTimeout, minBodyRate, maxPendingBodies, maxMultipartReads);
    }

    /** These limits with another JSON value limit and decoded image limit. */
    public LimitsProperties withMaxRequestValues(long values, long decodedImageBytes) {
        return new LimitsProperties(maxRequestBytes, values, maxResponseValues, maxSummaryLayers, maxImageSide,
                maxImagePixels, decodedImageBytes, bodyReadTimeout, minBodyRate, maxPendingBodies, maxMultipartReads);
    }

    /** These limits with another body read deadline and cap on bodies still arriving. */
    public LimitsProperties withBodyReading(java.time.Duration timeout, long minRate, int pending, int multipart) {
        return new LimitsProperties(maxRequestBytes, maxRequestValues, maxResponseValues, maxSummaryLayers,
                maxImageSide, maxImagePixels, maxDecodedImageBytes, timeout, minRate, pending, multipart);
    }
}
