package io.convserve.system;

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
 * Accepts request bodies with {@code Content-Encoding: gzip}: decompressed on the fly, at most
 * {@link #MAX_INFLATED_BYTES} bytes, so a gzip bomb answers 413 instead of filling the heap.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 5)
class GzipRequestFilter extends OncePerRequestFilter {

    static final long MAX_INFLATED_BYTES = 256L * 1024 * 1024;

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String encoding = request.getHeader(HttpHeaders.CONTENT_ENCODING);
        if (encoding == null || encoding.isBlank() || encoding.equalsIgnoreCase("identity")) {
            chain.doFilter(request, response);
            return;
        }
        if (!encoding.equalsIgnoreCase("gzip")) {
            reject(response, 415, "Content-Encoding '" + encoding + "' is not supported; send gzip or identity");
            return;
        }
        GZIPInputStream gzip;
        try {
            gzip = new GZIPInputStream(request.getInputStream());
        } catch (IOException e) {
            reject(response, 400, "request body is not valid gzip: " + e.getMessage());
            return;
        }
        try {
            chain.doFilter(new Decompressed(request, new Bounded(gzip)), response);
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

    private static void reject(HttpServletResponse response, int status, String message) throws IOException {
        response.resetBuffer();
        response.setStatus(status);
        response.setContentType("application/problem+json");
        String escaped = message.replace("\\", "\\\\").replace("\"", "\\\"");
        response.getOutputStream().write(("{\"type\":\"https://convserve.io/problems/" + status + "\",\"status\":"
                + status + ",\"detail\":\"" + escaped + "\",\"error\":\"" + escaped + "\"}")
                .getBytes(StandardCharsets.UTF_8));
    }

    static final class InflatedTooLarge extends RequestTooLargeException {
        InflatedTooLarge() {
            super("decompressed request body exceeds " + MAX_INFLATED_BYTES + " bytes");
        }
    }

    private static final class Bounded extends InputStream {
        private final InputStream in;
        private long read;

        Bounded(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0 && ++read > MAX_INFLATED_BYTES) {
                throw new InflatedTooLarge();
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int off, int len) throws IOException {
            int n = in.read(buffer, off, len);
            if (n > 0 && (read += n) > MAX_INFLATED_BYTES) {
                throw new InflatedTooLarge();
            }
            return n;
        }
    }

    private static final class Decompressed extends HttpServletRequestWrapper {
        private final ServletInputStream stream;

        Decompressed(HttpServletRequest request, InputStream body) {
            super(request);
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
            if (HttpHeaders.CONTENT_ENCODING.equalsIgnoreCase(name) || HttpHeaders.CONTENT_LENGTH.equalsIgnoreCase(name)) {
                return null;
            }
            return super.getHeader(name);
        }

        @Override
        public int getContentLength() {
            return -1;
        }

        @Override
        public long getContentLengthLong() {
            return -1;
        }
    }
}
