package io.convserve.system;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Arrays;

/**
 * Collects a request body with non-blocking reads (Servlet 3.1), so a client that sends its body slowly holds a
 * connection but no thread. When the body is complete the request is dispatched again, with the bytes in the
 * attribute {@link #BODY}; past its deadline the client gets 408, past the limit 413, and the connection is closed
 * either way (the rest of the body is not worth reading).
 */
final class BodyReader implements ReadListener, AsyncListener {

    static final String BODY = BodyReader.class.getName() + ".body";

    /** A request attribute: the first bytes of a body that a filter before {@link RequestBodyFilter} read already. */
    static final String START = BodyReader.class.getName() + ".start";

    /** Bytes set aside for a body before more of it arrives. */
    static final int INITIAL_BUFFER = 64 * 1024;

    /** The first {@code length} bytes of a body, in a buffer that may hold more. */
    record Start(byte[] bytes, int length) {
        boolean complete(long declared) {
            return length == declared;
        }
    }

    /**
     * Continues {@code start} (null: a new body) with what the container has buffered already: a small body comes in
     * the packets of its headers, and {@code available()} counts only those bytes, so these reads never wait for the
     * client. The buffer grows with the bytes that arrive, not with what a client declares it will send.
     */
    static Start readBuffered(ServletInputStream in, long declared, Start start) throws IOException {
        byte[] bytes = start != null ? start.bytes()
                : new byte[(int) Math.min(declared >= 0 ? declared : INITIAL_BUFFER, INITIAL_BUFFER)];
        int length = start != null ? start.length() : 0;
        if (declared < 0) {
            return new Start(bytes, length);
        }
        while (length < declared && in.available() > 0) {
            if (length == bytes.length) {
                bytes = Arrays.copyOf(bytes, (int) Math.min(declared, 2L * bytes.length));
            }
            int n = in.read(bytes, length, bytes.length - length);
            if (n < 0) {
                break;
            }
            length += n;
        }
        return new Start(bytes, length);
    }

    /** What the reader reports back: the end of its work (to free its slot) and the problem answers it writes. */
    interface Owner {
        void finished();

        void refuse(HttpServletResponse response, int status, String message) throws IOException;
    }

    private final AsyncContext async;
    private final ServletInputStream in;
    private final long maxBytes;
    private final String tooLarge;
    private final String tooSlow;
    private final Owner owner;
    private byte[] buffer;
    private int length;
    private boolean done;

    /**
     * {@code start} holds the body's first {@code started} bytes, read before, and room to grow from; the buffer
     * doubles as bytes arrive, up to {@code maxBytes} (the declared length, or the limit of a chunked body).
     */
    BodyReader(AsyncContext async, ServletInputStream in, byte[] start, int started, long maxBytes, String tooLarge,
               String tooSlow, Owner owner) {
        this.async = async;
        this.in = in;
        this.maxBytes = maxBytes;
        this.tooLarge = tooLarge;
        this.tooSlow = tooSlow;
        this.owner = owner;
        this.buffer = start;
        this.length = started;
    }

    @Override
    public synchronized void onDataAvailable() throws IOException {
        while (!done && in.isReady()) {
            if (length == buffer.length) {
                if (length >= maxBytes) {
                    // a chunked body at the limit: one more byte is too many
                    int next = in.read();
                    if (next < 0) {
                        return;
                    }
                    finish(413, tooLarge);
                    return;
                }
                buffer = Arrays.copyOf(buffer, (int) Math.min(maxBytes, (long) buffer.length * 2));
            }
            int n = in.read(buffer, length, buffer.length - length);
            if (n < 0) {
                return;
            }
            length += n;
        }
    }

    @Override
    public synchronized void onAllDataRead() {
        if (done) {
            return;
        }
        done = true;
        owner.finished();
        async.getRequest().setAttribute(BODY, length == buffer.length ? buffer : Arrays.copyOf(buffer, length));
        async.dispatch();
    }

    @Override
    public synchronized void onError(Throwable t) {
        if (!done) {
            // the client went away or broke the framing: nobody to answer
            done = true;
            owner.finished();
            async.complete();
        }
    }

    @Override
    public synchronized void onTimeout(AsyncEvent event) throws IOException {
        if (!done) {
            finish(408, tooSlow + "; " + length + " of the body's bytes had arrived");
        }
    }

    private void finish(int status, String message) throws IOException {
        done = true;
        owner.finished();
        HttpServletResponse response = (HttpServletResponse) async.getResponse();
        response.setHeader("Connection", "close");
        owner.refuse(response, status, message);
        async.complete();
    }

    @Override
    public void onComplete(AsyncEvent event) {
    }

    @Override
    public synchronized void onError(AsyncEvent event) {
        onError(event.getThrowable());
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
    }
}
