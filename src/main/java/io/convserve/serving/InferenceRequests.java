package io.convserve.serving;

import io.convserve.model.LayerSummary;
import io.convserve.model.Shape;
import io.convserve.model.Summary;
import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The checks an infer request meets whatever protocol carried it (HTTP/JSON, HTTP binary, gRPC): which model and
 * version, the one input's name, shape and batch size, finite values, the outputs it names and the size of the
 * answer, and the {@code classification} output's strings. Failures are {@link InvalidRequestException}s that each
 * protocol turns into its own status.
 */
public final class InferenceRequests {

    /** A request the client must change; {@link #kind} says which status family it belongs to. */
    public static final class InvalidRequestException extends RuntimeException {

        public enum Kind { INVALID, NOT_FOUND, TOO_LARGE }

        private final Kind kind;

        public InvalidRequestException(Kind kind, String message) {
            super(message);
            this.kind = kind;
        }

        public Kind kind() {
            return kind;
        }
    }

    /** An output's classification strings: {@code [N, k]} "score:index:label" elements. */
    public record Classes(long[] shape, List<String> strings) {
    }

    private InferenceRequests() {
    }

    static InvalidRequestException invalid(String message) {
        return new InvalidRequestException(InvalidRequestException.Kind.INVALID, message);
    }

    /** The model version a request names (the version policy's newest when {@code version} is null or empty). */
    public static LoadedModel find(ModelRegistry registry, String name, String version) {
        String v = version == null || version.isEmpty() ? null : version;
        if (!registry.contains(name)) {
            String known = registry.latest().stream().map(LoadedModel::name).toList().toString();
            String failure = registry.failures().get(name);
            throw new InvalidRequestException(InvalidRequestException.Kind.NOT_FOUND, failure != null
                    ? "model '" + name + "' is not available: its load failed: " + failure
                    : "unknown model '" + name + "'. Available models: " + known);
        }
        return registry.find(name, v).orElseThrow(() -> new InvalidRequestException(
                InvalidRequestException.Kind.NOT_FOUND, "model '" + name + "' has no version '" + v
                + "'. Available versions: " + registry.versions(name)));
    }

    /** A shape with the batch dimension as -1, as metadata shows it. */
    private static List<Long> withDynamicBatch(Shape shape) {
        List<Long> out = new ArrayList<>();
        out.add(-1L);
        for (int d : shape.dims()) {
            out.add((long) d);
        }
        return out;
    }

    /**
     * Checks that a request has one input, named as the model declares, of shape {@code [N, ...example]} with
     * 1 <= N <= {@code maxBatch}; returns its index in {@code names}.
     */
    public static void checkInput(LoadedModel m, List<String> names, List<long[]> shapes, int maxBatch) {
        String expectedName = m.definition().input().name();
        Shape declared = m.network().inputShape();
        String expectedShape = withDynamicBatch(declared).toString();
        if (names.size() != 1) {
            throw invalid("expected 1 input for model '" + m.name() + "' ('" + expectedName + "' " + expectedShape
                    + "), received " + names.size());
        }
        String name = names.get(0);
        if (!name.equals(expectedName)) {
            throw invalid("unexpected inference input '" + name + "' for model '" + m.name()
                    + "'. Expected input: '" + expectedName + "' " + expectedShape);
        }
        long[] shape = shapes.get(0);
        long[] example = declared.withBatch(1);
        boolean exampleShape = shape.length == example.length
                && Arrays.equals(Arrays.copyOfRange(shape, 1, shape.length), Arrays.copyOfRange(example, 1, example.length));
        if (!exampleShape) {
            String hint = Arrays.equals(shape, Arrays.copyOfRange(example, 1, example.length))
                    ? "; the first dimension is the batch size: send " + Arrays.toString(example) + " for one example"
                    : "";
            throw invalid("input '" + name + "': unexpected shape " + Arrays.toString(shape) + ", model '" + m.name()
                    + "' expects " + expectedShape + hint);
        }
        if (shape[0] > maxBatch) {
            throw invalid("input '" + name + "': batch size " + shape[0] + " exceeds the maximum batch size "
                    + maxBatch + " of model '" + m.name() + "'");
        }
    }

    /** Policy: NaN and infinities are rejected, whatever the datatype (a model never needs them as input). */
    public static float[] checkFinite(float[] values, String where) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw invalid(where + ": element " + i + " is " + values[i] + "; inputs must be finite numbers");
            }
        }
        return values;
    }

    /**
     * The layers whose outputs a request names besides the model's output (feature maps and other intermediate
     * activations), after checking every name and that the answer holds at most {@code maxResponseValues} values.
     */
    public static Set<String> requestedLayers(LoadedModel m, List<String> wanted, long batch, long maxResponseValues) {
        String outputName = m.definition().outputName();
        Summary summary = m.network().summary();
        Set<String> layers = new LinkedHashSet<>();
        long values = 0;
        for (String name : wanted) {
            if (name.equals(outputName)) {
                values += elements(summary.outputShape());
                continue;
            }
            LayerSummary row = summary.layers().stream().filter(r -> r.name().equals(name)).findFirst()
                    .orElseThrow(() -> invalid("unexpected inference output '" + name + "' for model '" + m.name()
                            + "'. Expected output: '" + outputName + "', or the name of a layer for its output: "
                            + m.network().layerNames()));
            layers.add(row.name());
            values += elements(row.outputShape());
        }
        if (values * batch > maxResponseValues) {
            throw new InvalidRequestException(InvalidRequestException.Kind.TOO_LARGE, "the requested outputs "
                    + wanted + " would hold " + values * batch + " values for batch size " + batch
                    + ", more than the limit of " + maxResponseValues
                    + " (inference.limits.max-response-values); request fewer layer outputs or a smaller batch");
        }
        return layers;
    }

    private static long elements(List<Long> shapeWithBatchOne) {
        long n = 1;
        for (int i = 1; i < shapeWithBatchOne.size(); i++) {
            n *= shapeWithBatchOne.get(i);
        }
        return n;
    }

    /** Top-{@code k} classes of each row of {@code [N, classes]} values as {@code "score:index:label"}. */
    public static Classes classification(long[] shape, float[] values, int k, LoadedModel model) {
        int rows = (int) shape[0];
        int classes = values.length / rows;
        int top = Math.min(k, classes);
        List<String> strings = new ArrayList<>(rows * top);
        for (int r = 0; r < rows; r++) {
            Integer[] order = new Integer[classes];
            for (int c = 0; c < classes; c++) {
                order[c] = c;
            }
            int base = r * classes;
            Arrays.sort(order, (a, b) -> Float.compare(values[base + b], values[base + a]));
            for (int i = 0; i < top; i++) {
                int c = order[i];
                strings.add(values[base + c] + ":" + c + (c < model.labels().size() ? ":" + model.labels().get(c) : ""));
            }
        }
        return new Classes(new long[] {rows, top}, strings);
    }
}
