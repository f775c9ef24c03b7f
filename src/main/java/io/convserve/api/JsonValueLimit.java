package io.convserve.api;

import io.convserve.serving.LimitsProperties;
import org.springframework.http.HttpStatus;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Counts the values of a JSON document with Jackson's streaming parser, before any tree is built, and refuses a
 * document holding more than a limit (413): a 16 MiB {@code [0.1,0.1,...]} is millions of tree nodes, far more
 * memory than its bytes. The mapper it gives parses with tight {@link StreamReadConstraints} as well.
 */
final class JsonValueLimit {

    /** Deeper than any tensor (rank and object levels) a request may send. */
    static final int MAX_NESTING_DEPTH = 100;
    /** Longest string in an infer or predict request (ids, names, datatypes). */
    static final int MAX_STRING_LENGTH = 1 << 20;
    /** Longest number literal. */
    static final int MAX_NUMBER_LENGTH = 100;

    /** A mapper for request bodies, with the constraints above. */
    static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH)
                    .maxStringLength(MAX_STRING_LENGTH).maxNumberLength(MAX_NUMBER_LENGTH).build())
            .build()).build();

    private JsonValueLimit() {
    }

    /**
     * Throws a 413 naming the count and the limit when the document holds more than {@code limit} scalar values.
     * A document that is not valid JSON passes: the parse that follows reports where it breaks.
     *
     * @param rule what the limit is and where it comes from, e.g. "model 'lenet5' takes ... (inference.limits...)"
     */
    static void check(byte[] body, int offset, int length, long limit, java.util.function.Supplier<String> rule) {
        if (length <= limit) {
            return; // every value takes a byte at least: nothing to count
        }
        long values = 0;
        try (JsonParser parser = MAPPER.createParser(body, offset, length)) {
            for (JsonToken t = parser.nextToken(); t != null; t = parser.nextToken()) {
                if (t.isScalarValue() && ++values > limit) {
                    throw new ApiException(HttpStatus.CONTENT_TOO_LARGE, "request body holds more than " + limit
                            + " JSON values (counting stopped at byte " + parser.currentLocation().getByteOffset()
                            + " of " + length + "); the limit is " + limit + ": " + rule.get());
                }
            }
        } catch (JacksonException e) {
            // reported by the parse that follows, with its own message
        }
    }

    /** The limit for a model: configured, or derived from its maximum batch size and example size. */
    static long limit(LimitsProperties limits, long maxBatch, long exampleValues) {
        return limits.maxRequestValues() > 0 ? limits.maxRequestValues()
                : maxBatch * exampleValues + LimitsProperties.REQUEST_OVERHEAD_VALUES;
    }

    static String rule(LimitsProperties limits, String model, long maxBatch, long exampleValues) {
        return limits.maxRequestValues() > 0 ? "set by inference.limits.max-request-values"
                : "model '" + model + "' takes at most " + maxBatch + " x " + exampleValues + " = "
                + maxBatch * exampleValues + " values in one request (maximum batch size x one example), plus "
                + LimitsProperties.REQUEST_OVERHEAD_VALUES + " for the rest of the request "
                + "(inference.limits.max-request-values overrides it)";
    }
}
