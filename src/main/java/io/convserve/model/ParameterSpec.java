package io.convserve.model;

/** One parameter array of a layer: its name inside the layer ({@code weight}, {@code gamma}...) and shape. */
public record ParameterSpec(String name, Shape shape, boolean trainable) {

    public long count() {
        return shape.elements();
    }
}
