package io.convserve.api;

import io.convserve.model.LayerSummary;
import io.convserve.model.Summary;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.http.HttpStatus;

/**
 * Whether a loaded model's table at another input size still describes its loaded weights. A dense layer after a
 * flatten takes as many features as the weights were trained on; at another input size the table would show a layer
 * with other weights than the ones loaded, which is not this model. That is a 422 naming the layer, what the weights
 * expect and what the input gives, and pointing to {@code POST /v2/summary}, which computes the architecture alone.
 */
final class LoadedWeightsFit {

    private LoadedWeightsFit() {
    }

    static void check(String model, Summary loaded, Summary whatIf, List<Integer> inputShape) {
        for (int i = 0; i < Math.min(loaded.layers().size(), whatIf.layers().size()); i++) {
            LayerSummary have = loaded.layers().get(i);
            LayerSummary want = whatIf.layers().get(i);
            if (Objects.equals(have.parameterShapes(), want.parameterShapes())) {
                continue;
            }
            String before = i == 0 ? "the input" : source(whatIf.layers(), i);
            throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, "layer '" + have.name() + "' (" + have.type()
                    + ") has loaded weights for " + describe(have) + ", and input_shape " + inputShape + " gives it "
                    + describe(want) + " (" + before + "). The loaded weights fix the input to "
                    + loaded.inputShape().subList(1, loaded.inputShape().size()) + ". For the architecture at "
                    + "another input size without its weights, POST /v2/summary with {\"model\": \"" + model
                    + "\", \"input_shape\": " + inputShape + "}");
        }
    }

    /** "9,216 input features (weight [4096, 9216])", or the parameter shapes for other layers. */
    private static String describe(LayerSummary row) {
        if (row.type().equals("dense")) {
            List<Long> in = row.inputShape();
            return String.format("%,d input features (weight %s)", in.get(in.size() - 1),
                    row.parameterShapes().get("weight"));
        }
        return "parameters " + row.parameterShapes();
    }

    /** Where a layer's input comes from: "256x5x5 after 'pool5'", looking through flattens. */
    private static String source(List<LayerSummary> rows, int index) {
        for (int j = index - 1; j >= 0; j--) {
            List<Long> out = rows.get(j).outputShape();
            if (out.size() > 2 || j == 0) {
                List<Long> dims = out.subList(1, out.size());
                return String.join("x", dims.stream().map(String::valueOf).toList()) + " after '" + rows.get(j).name()
                        + "'";
            }
        }
        return "the input";
    }

    static Map<String, Object> architectureOf(io.convserve.registry.ModelDefinition definition) {
        return Map.of("input", Map.of("shape", definition.input().shape()), "layers", definition.layerConfigs());
    }
}
