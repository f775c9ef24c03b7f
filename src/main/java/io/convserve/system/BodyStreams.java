package io.convserve.system;

import io.convserve.api.RequestTooLargeException;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.io.InputStream;
import org.springframework.http.HttpHeaders;

/** A request body as the application reads it: bounded, decompressed when it came gzipped, from memory or the socket. */
final class BodyStreams {

    private BodyStreams() {
    }

    static final class InflatedTooLarge extends RequestTooLargeException {
        InflatedTooLarge(String message) {
            super(message);
        }
    }

    static final class Bounded extends InputStream {
        private final InputStream in;
        private final long maxBytes;
        private final String tooLarge;
        private long read;

        /** Reads {@code in} until it passes {@code maxBytes}, then throws {@link InflatedTooLarge} saying {@code tooLarge}. */
        Bounded(InputStream in, long maxBytes, String tooLarge) {
            this.in = in;
            this.maxBytes = maxBytes;
            this.tooLarge = tooLarge;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0 && ++read > maxBytes) {
                throw new InflatedTooLarge(tooLarge);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int off, int len) throws IOException {
            int n = in.read(buffer, off, len);
            if (n > 0 && (read += n) > maxBytes) {
                throw new InflatedTooLarge(tooLarge);
            }
            return n;
        }
    }

    static final class Decompressed extends HttpServletRequestWrapper {
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
