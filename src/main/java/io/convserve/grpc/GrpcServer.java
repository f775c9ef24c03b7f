package io.convserve.grpc;

import io.convserve.protocol.GRPCInferenceServiceGrpc;
import io.convserve.registry.ModelRegistry;
import io.convserve.serving.LimitsProperties;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The gRPC server (grpc-java, Netty transport) in the Spring Boot process: the inference service behind the API key
 * interceptor, standard health ({@code grpc.health.v1}: {@code ""} while the process serves, the inference service's
 * name while every model is ready) and server reflection for grpcurl. Messages larger than
 * {@code inference.limits.max-request-bytes} are refused with RESOURCE_EXHAUSTED from their length prefix, before their
 * bytes are buffered. It stops before the inference service closes, letting calls in flight finish.
 */
@Component
@ConditionalOnProperty(name = "inference.grpc.enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(GrpcProperties.class)
public class GrpcServer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);
    static final String SERVICE = GRPCInferenceServiceGrpc.SERVICE_NAME;

    private final GrpcProperties properties;
    private final LimitsProperties limits;
    private final InferenceGrpcService service;
    private final ApiKeyInterceptor keys;
    private final ModelRegistry registry;
    private final HealthStatusManager health = new HealthStatusManager();
    private ScheduledExecutorService readiness;
    private volatile Server server;

    private final io.micrometer.observation.ObservationRegistry observations;

    GrpcServer(GrpcProperties properties, LimitsProperties limits, InferenceGrpcService service,
               ApiKeyInterceptor keys, ModelRegistry registry,
               org.springframework.beans.factory.ObjectProvider<io.micrometer.observation.ObservationRegistry> observations) {
        this.observations = observations.getIfAvailable(() -> io.micrometer.observation.ObservationRegistry.NOOP);
        this.properties = properties;
        this.limits = limits;
        this.service = service;
        this.keys = keys;
        this.registry = registry;
    }

    @Override
    public synchronized void start() {
        int maxMessage = (int) Math.min(Integer.MAX_VALUE, limits.maxRequestBytes());
        Server s = NettyServerBuilder.forAddress(new InetSocketAddress(properties.port()))
                .maxInboundMessageSize(maxMessage)
                // the last interceptor runs first: every call is observed (a W3C traceparent in the metadata
                // continues the caller's trace), then its key checked
                .addService(ServerInterceptors.intercept(service, keys,
                        new io.micrometer.core.instrument.binder.grpc.ObservationGrpcServerInterceptor(observations)))
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .build();
        try {
            s.start();
        } catch (IOException e) {
            throw new UncheckedIOException("gRPC server could not listen on port " + properties.port()
                    + " (inference.grpc.port; inference.grpc.enabled=false turns gRPC off)", e);
        }
        server = s;
        health.setStatus("", ServingStatus.SERVING);
        readiness = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "grpc-readiness");
            t.setDaemon(true);
            return t;
        });
        readiness.scheduleWithFixedDelay(this::updateReadiness, 0, 1, TimeUnit.SECONDS);
        log.info("gRPC (KServe v2 / Triton GRPCInferenceService, health, reflection) listening on port {}", port());
    }

    private void updateReadiness() {
        boolean ready = registry.unavailable().isEmpty() && !registry.latest().isEmpty();
        health.setStatus(SERVICE, ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    }

    /** The port the server listens on (the configured one, or the one picked for port 0); -1 before start. */
    public int port() {
        Server s = server;
        return s == null ? -1 : s.getPort();
    }

    @Override
    public synchronized void stop() {
        Server s = server;
        if (s == null) {
            return;
        }
        readiness.shutdownNow();
        health.enterTerminalState();
        s.shutdown();
        try {
            if (!s.awaitTermination(30, TimeUnit.SECONDS)) {
                s.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            s.shutdownNow();
        }
        server = null;
    }

    @Override
    public boolean isRunning() {
        return server != null;
    }
}
