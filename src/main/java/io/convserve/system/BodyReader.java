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
