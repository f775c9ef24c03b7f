package io.convserve.api;

import io.convserve.model.Architecture;
import io.convserve.model.ArchitectureException;
import io.convserve.model.Layer;
import io.convserve.model.LayerConfigException;
import io.convserve.model.LayerSummary;
import io.convserve.model.Layers;
import io.convserve.model.Shape;
import io.convserve.registry.ModelLoadException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/**
 * The error of a posted architecture that fails in one layer, with where: that layer's index and name, and the rows
 * of the layers before it. Found by building the layers one by one (a malformed layer) and then passing the input
 * shape through them (an impossible one), so a designer can mark the layer in place and show what still computes.
 */
final class DesignProblem {

    private DesignProblem() {
    }

    /** The error as a problem with the failing layer, or null when the fault is not in one layer (e.g. the input). */
    @SuppressWarnings("unchecked")
    static ResponseEntity<Object> locate(Problems problems, RuntimeException error, Map<String, Object> architecture,
                                         List<Integer> requestInput, int batch) {
        boolean inALayer = error instanceof ArchitectureException || error instanceof ArithmeticException
                || error.getCause() instanceof LayerConfigException;
        if (!inALayer || !(architecture.get("layers") instanceof List<?> configs) || configs.isEmpty()) {
            return null;
        }
        Shape input = requestInput != null ? shape(requestInput)
                : architecture.get("input") instanceof Map<?, ?> m ? shape(m.get("shape")) : null;
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < configs.size(); i++) {
            if (!(configs.get(i) instanceof Map<?, ?> config)) {
                return null;
            }
            try {
                layers.add(Layers.fromConfig(i, (Map<String, Object>) config));
            } catch (LayerConfigException e) {
                Object name = config.get("name");
                return problem(problems, HttpStatus.BAD_REQUEST, error, i, name instanceof String s ? s : null,
                        rows(input, layers, batch));
            }
        }
        if (input == null || !(error instanceof ArchitectureException || error instanceof ArithmeticException)) {
            return null;
        }
        Shape current = input;
        for (Layer layer : layers) {
            try {
                current = layer.outputShape(current);
            } catch (ArchitectureException | ArithmeticException e) {
                return problem(problems, HttpStatus.UNPROCESSABLE_CONTENT, error, layer.index(), layer.name(),
                        rows(input, layers.subList(0, layer.index()), batch));
            }
        }
        // the shapes pass; a count overflowed in the summary: the message names the layer, the rows do not help
        return null;
    }

    private static Shape shape(Object value) {
        if (value instanceof List<?> dims && !dims.isEmpty()
                && dims.stream().allMatch(d -> d instanceof Integer i && i > 0)) {
            return new Shape(dims.stream().mapToInt(d -> (Integer) d).toArray());
        }
        return null;
    }

    /** The rows of the layers that compute, or none when they do not (an input the layers cannot take). */
    private static List<LayerSummary> rows(Shape input, List<Layer> layers, int batch) {
        if (input == null || layers.isEmpty()) {
            return List.of();
        }
        try {
            return new Architecture(input, layers).summarize(input, batch).layers();
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private static ResponseEntity<Object> problem(Problems problems, HttpStatus status, RuntimeException error,
                                                  int index, String name, List<LayerSummary> before) {
        ProblemDetail problem = problems.of(status, error instanceof ModelLoadException || error instanceof ArchitectureException
                ? error.getMessage()
                : "the requested shape is too large: a size or count overflows 64-bit arithmetic (" + error.getMessage() + ")");
        problem.setProperty("layer_index", index);
        if (name != null) {
            problem.setProperty("layer_name", name);
        }
        problem.setProperty("layers", before);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }
}
