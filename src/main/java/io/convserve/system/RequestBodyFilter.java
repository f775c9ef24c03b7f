package io.convserve.system;

import io.convserve.api.RequestTooLargeException;
import io.convserve.serving.LimitsProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Bounds every request body to {@code inference.limits.max-request-bytes} (413 at once when Content-Length says more,
 * 413 as soon as a chunked body grows past it) and accepts {@code Content-Encoding: gzip}, decompressed on the
 * fly under the same bound, so a gzip bomb answers 413 instead of filling the heap.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 5)
class RequestBodyFilter extends OncePerRequestFilter {

    private final long maxBytes;
    private final ProblemResponses problems;

    RequestBodyFilter(LimitsProperties limits, ProblemResponses problems) {
        this.problems = problems;
        this.maxBytes = limits.maxRequestBytes();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String encoding = request.getHeader(HttpHeaders.CONTENT_ENCODING);
        boolean identity = encoding == null || encoding.isBlank() || encoding.equalsIgnoreCase("identity");
        if (!identity && !encoding.equalsIgnoreCase("gzip")) {
            reject(response, 415, "Content-Encoding '" + encoding + "' is not supported; send gzip or identity");
            return;
        }
        if (request.getContentLengthLong() > maxBytes) {
            reject(response, 413, "request body is " + request.getContentLengthLong() + " bytes; the limit is "
                    + maxBytes + " bytes (inference.limits.max-request-bytes)");
            return;
        }
        InputStream body;
        if (identity) {
            body = request.getInputStream();
        } else {
            try {
                body = new GZIPInputStream(request.getInputStream());
            } catch (IOException e) {
                reject(response, 400, "request body is not valid gzip: " + e.getMessage());
                return;
            }
        }
        try {
            chain.doFilter(new Decompressed(request, new Bounded(body, maxBytes, !identity), !identity), response);
        } catch (ServletException | RuntimeException e) {
            Throwable cause = e;
            while (cause != null && !(cause instanceof InflatedTooLarge)) {
                cause = cause.getCause();
            }
            if (cause == null || response.isCommitted()) {
                throw e;
            }
            reject(response, 413, cause.getMessage());
        }
    }

    private void reject(HttpServletResponse response, int status, String message) throws IOException {
        problems.write(response, status, message);
    }

    static final class InflatedTooLarge extends RequestTooLargeException {
        InflatedTooLarge(long maxBytes, boolean decompressed) {
            super(decompressed ? "request body exceeds " + maxBytes + " bytes (after decompression); the limit is set "
                    + "by inference.limits.max-request-bytes"
                    : "request body exceeds the limit of " + maxBytes + " bytes (inference.limits.max-request-bytes); it "
                    + "was sent without Content-Length and grew past the limit while it was read");
        }
    }

    private static final class Bounded extends InputStream {
        private final InputStream in;
        private final long maxBytes;
        private final boolean decompressed;
        private long read;

        Bounded(InputStream in, long maxBytes, boolean decompressed) {
            this.in = in;
            this.maxBytes = maxBytes;
            this.decompressed = decompressed;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0 && ++read > maxBytes) {
                throw new InflatedTooLarge(maxBytes, decompressed);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int off, int len) throws IOException {
            int n = in.read(buffer, off, len);
            if (n > 0 && (read += n) > maxBytes) {
                throw new InflatedTooLarge(maxBytes, decompressed);
            }
            return n;
        }
    }

    private static final class Decompressed extends HttpServletRequestWrapper {
        private final ServletInputStream stream;
        private final boolean decompressed;

        Decompressed(HttpServletRequest request, InputStream body, boolean decompressed) {
            super(request);
            this.decompressed = decompressed;
            this.stream = new ServletInputStream() {
                private boolean finished;

                @Override
                public int read() throws IOException {
                    int b = body.read();
                    finished = b < 0;
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = body.read(b, off, len);
                    finished = n < 0;
                    return n;
                }

                @Override
                public boolean isFinished() {
                    return finished;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("blocking reads only");
                }
            };
        }

        @Override
        public ServletInputStream getInputStream() {
            return stream;
        }

        @Override
        public String getHeader(String name) {
            if (decompressed && (HttpHeaders.CONTENT_ENCODING.equalsIgnoreCase(name)
                    || HttpHeaders.CONTENT_LENGTH.equalsIgnoreCase(name))) {
                return null;
            }
            return super.getHeader(name);
        }

        @Override
        public int getContentLength() {
            return decompressed ? -1 : super.getContentLength();
        }

        @Override
        public long getContentLengthLong() {
            return decompressed ? -1 : super.getContentLengthLong();
        }
    }
}
