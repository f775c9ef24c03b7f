package io.convserve.system;

import io.convserve.api.RequestTooLargeException;
import io.convserve.serving.LimitsProperties;
import static org.assertj.core.api.Assertions.assertThat;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.convserve.api.InferBodyLimits;
import io.convserve.registry.ModelRegistry;
import io.convserve.serving.InferenceService;
import jakarta.servlet.DispatcherType;
import java.io.ByteArrayOutputStream;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** Request bodies are bounded before they are read into memory, compressed or not. */
class RequestBodyFilterTest {

    final RequestBodyFilter filter = filter(1000);

    /** The filter with a global limit; no model is found, so no infer route raises it. */
    static RequestBodyFilter filter(long maxBytes) {
        LimitsProperties limits = LimitsProperties.defaults().withMaxRequestBytes(maxBytes);
        ModelRegistry registry = mock(ModelRegistry.class);
        when(registry.find(any(), any())).thenReturn(Optional.empty());
        return new RequestBodyFilter(new InferBodyLimits(registry, mock(InferenceService.class), limits), limits,
                ProblemResponsesTesting.plain());
    }

    static MockHttpServletRequest post(byte[] body) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/v2/models/lenet5/infer");
        request.setContent(body);
        request.setContentType("application/json");
        return request;
    }

    @Test
    void declaredLengthOverTheLimitIs413BeforeReading() throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();
        MockFilterChain chain = new MockFilterChain();

        filter.doFilter(post(new byte[5000]), response, chain);

        assertThat(response.getStatus()).isEqualTo(413);
        assertThat(response.getContentAsString()).contains("\"error\":\"request body is 5000 bytes; the limit is 1000 bytes");
        assertThat(chain.getRequest()).as("the request never reached the application").isNull();
    }

    @Test
    void gzipBombStopsAtTheLimit() throws Exception {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
            gzip.write(new byte[10_000_000]);
        }
        RequestBodyFilter filter = filter(100_000);
        // the dispatch that follows the body's non-blocking read, with the bytes that arrived
        MockHttpServletRequest request = post(compressed.toByteArray());
        request.setDispatcherType(DispatcherType.ASYNC);
        request.setAttribute(BodyReader.BODY, compressed.toByteArray());
        request.addHeader("Content-Encoding", "gzip");
        MockFilterChain chain = new MockFilterChain();

        filter.doFilter(request, new MockHttpServletResponse(), chain);

        assertThat(compressed.size()).isLessThan(100_000);
        var body = chain.getRequest().getInputStream();
        org.assertj.core.api.Assertions.assertThatThrownBy(body::readAllBytes)
                .isInstanceOf(RequestTooLargeException.class)
                .hasMessageStartingWith("request body exceeds 100000 bytes (after decompression)");
    }

    @Test
    void unknownContentEncodingIs415() throws Exception {
        MockHttpServletRequest request = post(new byte[10]);
        request.addHeader("Content-Encoding", "br");
        MockHttpServletResponse response = new MockHttpServletResponse();

        filter.doFilter(request, response, new MockFilterChain());

        assertThat(response.getStatus()).isEqualTo(415);
        assertThat(response.getContentAsString()).contains("Content-Encoding 'br' is not supported");
    }
}
