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

    /**
     * Name, version and weights stamp only (equal records have equal ones): the serving path looks a model's batcher
     * up per request, and the record's own hash walks the whole definition and label list each time.
     */
    @Override
    public int hashCode() {
        return java.util.Objects.hash(name, version, weightsStamp);
    }

    /** A model version's name as a map key: hashing two strings whose hashes are kept, not a string built per request. */
    public record Id(String name, String version) {
    }

    public Id id() {
        return new Id(name, version);
    }

    /** Label of class {@code index}, or the index itself when the model has no labels.txt. */
    public String label(int index) {
        return index < labels.size() ? labels.get(index) : Integer.toString(index);
    }
}
