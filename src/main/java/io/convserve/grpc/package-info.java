/**
 * The KServe v2 / Triton gRPC inference protocol ({@code inference.GRPCInferenceService}) on the serving layer that
 * HTTP uses: the same model lookup, request checks, batcher, statistics, metrics and API keys.
 */
package io.convserve.grpc;
