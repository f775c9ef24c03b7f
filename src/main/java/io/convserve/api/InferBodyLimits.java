package io.convserve.api;

import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelRegistry;
import io.convserve.serving.InferenceService;
import io.convserve.serving.LimitsProperties;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * The request body limit of a route: {@code inference.limits.max-request-bytes}, except that a model's v2 infer route
 * always takes the model's largest batch in binary form (its {@code max_batch_size} examples as FP32) plus a header,
 * so a batch the model accepts is never refused for its size alone.
 */
@Component
public class InferBodyLimits {

    /** Room for the JSON header of a binary request (names, shapes, parameters, requested outputs). */
    public static final long HEADER_ALLOWANCE = 64 * 1024;

    private static final Pattern INFER = Pattern.compile("/v2/models/([^/]+)(?:/versions/([^/]+))?/infer");

    private final ModelRegistry registry;
    private final InferenceService inference;
    private final long global;

    public InferBodyLimits(ModelRegistry registry, InferenceService inference, LimitsProperties limits) {
        this.registry = registry;
        this.inference = inference;
        this.global = Math.min(limits.maxRequestBytes(), Integer.MAX_VALUE - 8); // a body is read into one array
    }

    /** The limit for a request to {@code path} and the rule that sets it, for the error message. */
    public record Limit(long bytes, String rule) {
    }

    public Limit forPath(String path) {
        Matcher route = INFER.matcher(path);
        return route.matches() ? forModel(decode(route.group(1)), route.group(2) == null ? null : decode(route.group(2)))
                : forModel(Optional.empty());
    }

    /** The limit of the infer route of a model and version (null: its default), as decoded from the path. */
    public Limit forModel(String name, String version) {
        return forModel(find(name, version));
    }

    private Limit forModel(Optional<LoadedModel> model) {
        String globalRule = "inference.limits.max-request-bytes";
        if (model.isEmpty()) {
            return new Limit(global, globalRule);
        }
        LoadedModel m = model.get();
        int maxBatch = inference.settings(m).maxBatchSize();
        long example = m.network().inputShape().elements();
        long batchBytes = HEADER_ALLOWANCE + (long) maxBatch * example * 4L;
        batchBytes = Math.min(batchBytes, Integer.MAX_VALUE - 8); // a body is read into one array
        if (batchBytes <= global) {
            return new Limit(global, globalRule);
        }
        return new Limit(batchBytes, "model '" + m.name() + "' takes " + maxBatch + " examples of " + example
                + " FP32 values in binary form plus " + HEADER_ALLOWANCE + " bytes of header; "
                + globalRule + " for other routes");
    }

    private Optional<LoadedModel> find(String name, String version) {
        try {
            return registry.find(name, version);
        } catch (RuntimeException e) {
            return Optional.empty(); // the route answers what is wrong with the name; the global limit holds
        }
    }

    private static String decode(String segment) {
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return segment;
        }
    }
}
