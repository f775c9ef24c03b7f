package io.convserve.grpc;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The gRPC endpoint ({@code inference.grpc.*}).
 *
 * @param enabled serve gRPC beside HTTP (default true)
 * @param port    its TCP port (default 8081; 0 picks a free one)
 */
@ConfigurationProperties("inference.grpc")
public record GrpcProperties(@DefaultValue("true") boolean enabled, @DefaultValue("8081") int port) {
}
