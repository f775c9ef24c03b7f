package io.convserve.model;

import java.util.List;
import java.util.Map;

/** Builds layers from their JSON objects (plain maps, snake_case fields, docs/design.md#the-layer-stack). */
public final class Layers {

    /** Every {@code type} the stack knows, in the order of docs/design.md#the-layer-stack. */
    public static final List<String> TYPES = List.of("conv2d", "depthwise_conv2d", "max_pool2d", "avg_pool2d",
            "adaptive_avg_pool2d", "global_avg_pool2d", "global_max_pool2d", "zero_pad2d", "batch_norm",
            "local_response_norm", "flatten", "dense", "dropout", "relu", "leaky_relu", "sigmoid", "tanh", "softmax");

    private Layers() {
    }

    /** One layer; {@code index} is its position in the stack, used for the default name and in errors. */
    public static Layer fromConfig(int index, Map<String, Object> json) {
        Object typeValue = json.get("type");
        if (!(typeValue instanceof String type)) {
            throw new LayerConfigException("layer " + index + ": field 'type' is required, one of " + TYPES
                    + ". Received: " + LayerConfig.describe(typeValue));
        }
        Object nameValue = json.get("name");
        if (nameValue != null && (!(nameValue instanceof String n) || n.isBlank() || n.length() > 128)) {
            throw new LayerConfigException(type + " (layer " + index
                    + "): field 'name' must be a non-empty string of at most 128 characters. Received: "
                    + LayerConfig.describe(nameValue));
        }
        String name = nameValue == null ? type + "_" + index : (String) nameValue;
        LayerConfig c = new LayerConfig(index, type, name, json);
        return switch (type) {
            case "conv2d" -> Conv2d.from(c);
            case "depthwise_conv2d" -> DepthwiseConv2d.from(c);
            case "max_pool2d" -> Pool2d.from(c, Pool2d.Kind.MAX);
            case "avg_pool2d" -> Pool2d.from(c, Pool2d.Kind.AVG);
            case "adaptive_avg_pool2d" -> AdaptiveAvgPool2d.from(c);
            case "global_avg_pool2d" -> GlobalPool2d.from(c, Pool2d.Kind.AVG);
            case "global_max_pool2d" -> GlobalPool2d.from(c, Pool2d.Kind.MAX);
            case "zero_pad2d" -> ZeroPad2d.from(c);
            case "batch_norm" -> BatchNorm.from(c);
            case "local_response_norm" -> LocalResponseNorm.from(c);
            case "flatten" -> Flatten.from(c);
            case "dense" -> Dense.from(c);
            case "dropout" -> Dropout.from(c);
            case "relu" -> ActivationLayer.from(c, Activation.RELU);
            case "leaky_relu" -> ActivationLayer.from(c, Activation.LEAKY_RELU);
            case "sigmoid" -> ActivationLayer.from(c, Activation.SIGMOID);
            case "tanh" -> ActivationLayer.from(c, Activation.TANH);
            case "softmax" -> ActivationLayer.from(c, Activation.SOFTMAX);
            default -> throw new LayerConfigException("layer " + index + " ('" + name + "'): unknown type '" + type
                    + "'. Expected one of: " + TYPES);
        };
    }
}
