package io.convserve.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.convserve.OtlpCollector;
import io.convserve.protocol.GRPCInferenceServiceGrpc;
import io.convserve.protocol.GrpcService.ModelInferRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** A gRPC ModelInfer that carries a W3C traceparent in its metadata continues the caller's trace, as over HTTP. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "inference.grpc.port=0")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcTracingTest {

    static final OtlpCollector COLLECTOR = new OtlpCollector();

    @Autowired
    GrpcServer server;

    @DynamicPropertySource
    static void otlp(DynamicPropertyRegistry properties) {
        COLLECTOR.register(properties);
    }

    @AfterAll
    void stop() {
        COLLECTOR.close();
    }

    @Test
    void modelInferContinuesTheTraceInItsMetadata() throws Exception {
        String traceId = "5bf92f3577b34da6a3ce929d0e0e4737";
        String callerSpan = "10f067aa0ba902b8";
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
                "00-" + traceId + "-" + callerSpan + "-01");
        ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", server.port()).usePlaintext().build();
        try {
            var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            stub.modelInfer(ModelInferRequest.newBuilder().setModelName("lenet5")
                    .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                            .addAllShape(List.of(1L, 1L, 28L, 28L)))
                    .addRawInputContents(ByteString.copyFrom(new byte[784 * 4])).build());
        } finally {
            channel.shutdownNow();
        }

        List<Span> spans = COLLECTOR.trace(traceId, 3);
        Span rpc = spans.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER).findFirst()
                .orElseThrow(() -> new AssertionError("no server span in " + spans));
        assertThat(OtlpCollector.hex(rpc.getParentSpanId())).isEqualTo(callerSpan);
        Span queue = OtlpCollector.named(spans, "convserve.queue");
        assertThat(OtlpCollector.hex(queue.getParentSpanId())).isEqualTo(OtlpCollector.hex(rpc.getSpanId()));
        assertThat(OtlpCollector.attributes(OtlpCollector.named(spans, "convserve.batch")))
                .containsEntry("model", "lenet5").containsEntry("batch_size", "1");
    }
}
