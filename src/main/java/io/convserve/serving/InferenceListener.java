package io.convserve.serving;

import io.convserve.registry.LoadedModel;

/** Told about every request and forward pass, e.g. to export metrics. Called on the request's thread. */
public interface InferenceListener {

    /** Why a request failed, in Triton's terms. */
    enum FailureReason { REJECTED, CANCELED, BACKEND, OTHER }

    default void requestStarted(LoadedModel model) {
    }

    /** A request answered successfully after {@code nanos}, of which {@code queueNanos} waiting. */
    default void requestSucceeded(LoadedModel model, long nanos, long queueNanos) {
    }

    default void requestFailed(LoadedModel model, FailureReason reason, long nanos) {
    }

    /** One forward pass of {@code batchSize} examples and its phases. */
    default void executed(LoadedModel model, long batchSize, long inputNanos, long inferNanos, long outputNanos) {
    }
}
