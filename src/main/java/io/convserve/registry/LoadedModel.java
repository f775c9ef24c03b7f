package io.convserve.registry;

import io.convserve.model.Network;
import java.time.Duration;
import java.util.List;

/**
 * One model version ready to serve: its definition, the compiled network, labels (may be empty) and
 * whether its weights were generated from the seed ({@code init}) rather than read from weights.npz.
 */
public record LoadedModel(String name, String version, ModelDefinition definition, Network network,
                          List<String> labels, boolean generatedWeights, Duration loadTime, String weightsStamp) {

    /** Label of class {@code index}, or the index itself when the model has no labels.txt. */
    public String label(int index) {
        return index < labels.size() ? labels.get(index) : Integer.toString(index);
    }
}
