package io.convserve.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.convserve.api.ApiException;
import io.convserve.api.InferBodyLimits;
import io.convserve.api.InferHandler;
import io.convserve.api.InferResponseWriter;
import io.convserve.metrics.HttpServerMeters;
import io.convserve.registry.RepositoryProperties;
import io.convserve.serving.ApiKeys;
import io.convserve.serving.AuthProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * Which requests the fast lane serves itself, and that everything else reaches the usual chain untouched: a lane
 * that took a request the firewall, the keys or the body limits would treat differently would be a way around them.
 */
class InferFastLaneTest {

    static final byte[] BODY = "{\"inputs\":[]}".getBytes();
    static final byte[] ANSWER = "{\"outputs\":[]}".getBytes();

    final InferHandler handler = mock(InferHandler.class);
    final InferBodyLimits limits = mock(InferBodyLimits.class);
    final ApiKeys keys = new ApiKeys(new AuthProperties(List.of(), null, List.of("k3y")), RepositoryProperties.defaults());
    final TracedRequests traced = new TracedRequests(false, List.of("traceparent", "b3"));
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final HttpServerMeters meters = new HttpServerMeters(registry, "http.server.requests", true);
    final InferFastLane lane = new InferFastLane(handler, limits, keys, InferFastLane.Position.BEFORE_OBSERVATION,
            traced, meters);

    InferFastLaneTest() {
        when(limits.forModel(anyString(), any())).thenReturn(new InferBodyLimits.Limit(1000, "the rule"));
        when(handler.infer(anyString(), any(), any(), any()))
                .thenReturn(new InferResponseWriter.Answer(ANSWER, ANSWER.length));
    }

    static MockHttpServletRequest request(String path, Consumer<MockHttpServletRequest> change) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", path);
        request.setContent(BODY);
        request.setContentType("application/json");
        request.addHeader("X-API-Key", "k3y");
        change.accept(request);
        return request;
    }

    /** The request went on down the chain, and the lane ran nothing. */
    MockFilterChain passedOn(MockHttpServletRequest request) throws Exception {
        MockFilterChain chain = new MockFilterChain();
        lane.doFilter(request, new MockHttpServletResponse(), chain);
        assertThat(chain.getRequest()).as(request.getMethod() + " " + request.getRequestURI()).isNotNull();
        verify(handler, never()).infer(any(), any(), any(), any());
        return chain;
    }

    @Test
    void servesAPlainInferRequestWithoutTheChain() throws Exception {
        MockHttpServletRequest request = request("/v2/models/lenet5/versions/2/infer",
                r -> r.addHeader("Inference-Header-Content-Length", " 13"));
        MockHttpServletResponse response = new MockHttpServletResponse();
        MockFilterChain chain = new MockFilterChain();

        lane.doFilter(request, response, chain);

        assertThat(chain.getRequest()).as("nothing after the lane ran").isNull();
        verify(handler).infer(eq("lenet5"), eq("2"), eq(BODY), eq(13));
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getContentAsByteArray()).isEqualTo(ANSWER);
        assertThat(response.getContentLength()).isEqualTo(ANSWER.length);
        assertThat(response.getContentType()).isEqualTo("application/json");
        assertThat(response.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(response.getHeader("X-Frame-Options")).isEqualTo("DENY");
        assertThat(registry.get("http.server.requests").tags("method", "POST", "status", "200", "outcome", "SUCCESS",
                "uri", "/v2/models/{model}/versions/{version}/infer", "error", "none", "exception", "none").timer()
                .count()).as("timed as the observation would have").isEqualTo(1);
        assertThat(registry.get("http.server.requests.active").longTaskTimer().activeTasks()).isZero();
    }

    @Test
    void aTracedRequestIsLeftToTheLaneInsideTheObservation() throws Exception {
        MockFilterChain chain = passedOn(request("/v2/models/lenet5/infer", r -> r.addHeader("b3", "80f198ee56343ba8-e457b5a2e4d86bd1-1")));
        InferFastLane observed = new InferFastLane(handler, limits, keys, InferFastLane.Position.OBSERVED, traced, meters);
        MockFilterChain untracedChain = new MockFilterChain();
        observed.doFilter(request("/v2/models/lenet5/infer", r -> { }), new MockHttpServletResponse(), untracedChain);
        assertThat(untracedChain.getRequest()).as("an untraced request was the first lane's").isNotNull();
        verify(handler, never()).infer(any(), any(), any(), any());

        MockHttpServletResponse response = new MockHttpServletResponse();
        observed.doFilter(chain.getRequest(), response, new MockFilterChain());
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(registry.find("http.server.requests").timer()).as("the observation times it").isNull();
    }

    @Test
    void aJsonBodyHasNoHeaderLength() throws Exception {
        lane.doFilter(request("/v2/models/lenet5/infer", r -> { }), new MockHttpServletResponse(), new MockFilterChain());
        verify(handler).infer(eq("lenet5"), isNull(), eq(BODY), isNull());
    }

    @Test
    void anythingTheUsualChainWouldTreatDifferentlyPassesOn() throws Exception {
        passedOn(request("/v2/models/lenet5/infer", r -> r.setMethod("PUT")));
        passedOn(request("/v2/models/lenet5/ready", r -> { }));
        passedOn(request("/v2/models/le%6Eet5/infer", r -> { }));
        passedOn(request("/v2/models/../models/lenet5/infer", r -> { }));
        passedOn(request("/v2/models/./infer", r -> { }));
        passedOn(request("/v2/models/lenet5;x=1/infer", r -> { }));
        passedOn(request("/v2/models/lenet5//infer", r -> { }));
        passedOn(request("/v2/models/lenet5/versions//infer", r -> { }));
        passedOn(request("/ctx/v2/models/lenet5/infer", r -> { }));
        passedOn(request("/v2/models/lenet5/infer", r -> r.removeHeader("X-API-Key")));
        passedOn(request("/v2/models/lenet5/infer", r -> r.addHeader("Authorization", "Bearer wrong")));
        passedOn(request("/v2/models/lenet5/infer", r -> r.addHeader("Content-Encoding", "gzip")));
        passedOn(request("/v2/models/lenet5/infer", r -> r.setContentType("multipart/form-data; boundary=x")));
        passedOn(request("/v2/models/lenet5/infer", r -> r.setContentType("application/x-www-form-urlencoded")));
        passedOn(request("/v2/models/lenet5/infer", r -> r.addHeader("Inference-Header-Content-Length", "twelve")));
        passedOn(request("/v2/models/lenet5/infer", r -> r.addHeader("Inference-Header-Content-Length", "013")));
        passedOn(request("/v2/models/lenet5/infer", r -> r.addHeader("Inference-Header-Content-Length", "+13")));
        passedOn(request("/v2/models/lenet5/infer", r -> r.addHeader("Inference-Header-Content-Length", "0xD")));
        passedOn(request("/v2/models/lenet5/infer", r -> r.addHeader("Inference-Header-Content-Length",
                "2147483648")));
        passedOn(request("/v2/models/lenet5/infer", r -> r.setContent(new byte[0])));
        passedOn(request("/v2/models/lenet5/infer", r -> r.setContent(new byte[1001])));
    }

    @Test
    void theBearerFormOfTheKeyIsTakenToo() throws Exception {
        MockFilterChain chain = new MockFilterChain();
        lane.doFilter(request("/v2/models/lenet5/infer", r -> {
            r.removeHeader("X-API-Key");
            r.addHeader("Authorization", "Bearer k3y");
        }), new MockHttpServletResponse(), chain);
        assertThat(chain.getRequest()).isNull();
    }

    @Test
    void aFailureGoesOnWithTheExceptionAndTheBodyForTheUsualAnswer() throws Exception {
        ApiException failure = ApiException.badRequest("input 'x': wrong");
        when(handler.infer(anyString(), any(), any(), any())).thenThrow(failure);
        MockHttpServletRequest request = request("/v2/models/lenet5/infer", r -> { });
        MockFilterChain chain = new MockFilterChain();

        lane.doFilter(request, new MockHttpServletResponse(), chain);

        assertThat(chain.getRequest()).isNotNull();
        assertThat(request.getAttribute(InferHandler.FAILURE)).isSameAs(failure);
        assertThat((byte[]) request.getAttribute(BodyReader.BODY)).isEqualTo(BODY);
    }
}
