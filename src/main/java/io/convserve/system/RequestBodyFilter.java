package io.convserve.system;

import io.convserve.api.InferBodyLimits;
import io.convserve.serving.LimitsProperties;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Every request body, before the application sees it:
 * <ul>
 *   <li>bounded by {@link InferBodyLimits} (413 at once when Content-Length says more, as soon as a chunked or
 *       gzip body grows past it); {@code Content-Encoding: gzip} is decompressed under the same bound, so a gzip bomb
 *       answers 413 instead of filling the heap;</li>
 *   <li>read without blocking a thread ({@link BodyReader}): a client trickling its body holds a connection, not one
 *       of the threads that serve everyone else, and gets 408 past {@code inference.limits.body-read-timeout} plus
 *       its length at {@code min-body-rate}; at most {@code max-pending-bodies} bodies arrive at once;</li>
 *   <li>multipart and form bodies, which the container parses itself with blocking reads, at most
 *       {@code max-multipart-reads} at once.</li>
 * </ul>
 * It runs after every other filter (authentication first: an unauthorised body is never read), since the filters
 * before it see the request once, on its first dispatch.
 */
@Component
@Order(Ordered.LOWEST_PRECEDENCE - 100)
class RequestBodyFilter extends OncePerRequestFilter {

    private final InferBodyLimits bodyLimits;
    private final ProblemResponses problems;
    private final long timeoutMillis;
    private final long minBodyRate;
    private final int maxPending;
    private final AtomicInteger pending = new AtomicInteger();
    private final Semaphore multipartReads;
    private final int maxMultipart;

    RequestBodyFilter(InferBodyLimits bodyLimits, LimitsProperties limits, ProblemResponses problems) {
        this.bodyLimits = bodyLimits;
        this.problems = problems;
        this.timeoutMillis = limits.bodyReadTimeout().toMillis();
        this.minBodyRate = Math.max(1, limits.minBodyRate());
        this.maxPending = limits.maxPendingBodies();
        this.maxMultipart = limits.maxMultipartReads();
        this.multipartReads = new Semaphore(maxMultipart);
    }

    @Override
    protected boolean shouldNotFilterAsyncDispatch() {
        return false; // the dispatch that follows a completed body read is where the application gets the body
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        byte[] body = (byte[]) request.getAttribute(BodyReader.BODY);
        if (body != null || request.getDispatcherType() == DispatcherType.ASYNC) {
            // the body arrived whole: read without blocking (an async dispatch), or by the fast lane
            if (body == null) {
                chain.doFilter(request, response);
                return;
            }
            request.removeAttribute(BodyReader.BODY);
            InferBodyLimits.Limit limit = bodyLimits.forPath(request.getRequestURI());
            boolean gzip = isGzip(request);
            pass(request, response, chain, decoded(new ByteArrayInputStream(body), gzip, response), limit, gzip);
            return;
        }
        String encoding = request.getHeader(HttpHeaders.CONTENT_ENCODING);
        boolean identity = encoding == null || encoding.isBlank() || encoding.equalsIgnoreCase("identity");
        if (!identity && !encoding.equalsIgnoreCase("gzip")) {
            refuseUnread(request, response, 415, "Content-Encoding '" + encoding + "' is not supported; send gzip or "
                    + "identity");
            return;
        }
        long declared = request.getContentLengthLong();
        if (!hasBody(request, declared)) {
            chain.doFilter(request, response);
            return;
        }
        InferBodyLimits.Limit limit = bodyLimits.forPath(request.getRequestURI());
        if (declared > limit.bytes()) {
            refuseUnread(request, response, 413, "request body is " + declared + " bytes; the limit is " + limit.bytes() + " bytes ("
                    + limit.rule() + ")");
            return;
        }
        if (parsedByContainer(request)) {
            readBlocking(request, response, chain, limit, identity);
            return;
        }
        BodyReader.Start start = BodyReader.readBuffered(request.getInputStream(), declared,
                (BodyReader.Start) request.getAttribute(BodyReader.START));
        request.removeAttribute(BodyReader.START);
        if (start.complete(declared)) {
            pass(request, response, chain, decoded(new ByteArrayInputStream(start.bytes(), 0, start.length()), !identity,
                    response), limit, !identity);
            return;
        }
        readWithoutBlocking(request, response, start.bytes(), start.length(), declared, limit);
    }

    /** The body as the application reads it: gunzipped when it was sent gzipped (null after a 400 for bad gzip). */
    private InputStream decoded(InputStream raw, boolean gzip, HttpServletResponse response) throws IOException {
        if (!gzip) {
            return raw;
        }
        try {
            return new GZIPInputStream(raw);
        } catch (IOException e) {
            reject(response, 400, "request body is not valid gzip: " + e.getMessage());
            return null;
        }
    }

    private void readBlocking(HttpServletRequest request, HttpServletResponse response, FilterChain chain,
                              InferBodyLimits.Limit limit, boolean identity) throws ServletException, IOException {
        if (!multipartReads.tryAcquire()) {
            refuseBusy(request, response, maxMultipart + " multipart or form bodies are being read already (the limit, "
                    + "inference.limits.max-multipart-reads); retry shortly");
            return;
        }
        try {
            pass(request, response, chain, decoded(request.getInputStream(), !identity, response), limit, !identity);
        } finally {
            multipartReads.release();
        }
    }

    private void readWithoutBlocking(HttpServletRequest request, HttpServletResponse response, byte[] start,
                                     int started, long declared, InferBodyLimits.Limit limit) throws IOException {
        if (pending.incrementAndGet() > maxPending) {
            pending.decrementAndGet();
            refuseBusy(request, response, maxPending + " request bodies are arriving already (the limit, "
                    + "inference.limits.max-pending-bodies); retry shortly");
            return;
        }
        long known = declared >= 0 ? declared : limit.bytes();
        long deadline = timeoutMillis + known * 1000 / minBodyRate;
        String tooSlow = "request body did not arrive within " + deadline + " ms (inference.limits.body-read-timeout, "
                + timeoutMillis + " ms, plus " + (declared >= 0 ? "its " + declared : "the limit of " + known)
                + " bytes at inference.limits.min-body-rate, " + minBodyRate + " bytes/s)";
        String tooLarge = "request body exceeds the limit of " + limit.bytes() + " bytes (" + limit.rule() + "); it "
                + "was sent without Content-Length and grew past the limit while it was read";
        AsyncContext async = request.startAsync(request, response);
        async.setTimeout(deadline);
        BodyReader reader = new BodyReader(async, request.getInputStream(), start, started,
                declared >= 0 ? declared : limit.bytes(), tooLarge,
                tooSlow,
                new BodyReader.Owner() {
                    @Override
                    public void finished() {
                        pending.decrementAndGet();
                    }

                    @Override
                    public void refuse(HttpServletResponse r, int status, String message) throws IOException {
                        reject(r, status, message);
                    }
                });
        async.addListener(reader);
        request.getInputStream().setReadListener(reader);
    }

    /** Hands the (decompressed) body to the application, bounded; a bound passed while it reads answers 413. */
    private void pass(HttpServletRequest request, HttpServletResponse response, FilterChain chain, InputStream body,
                      InferBodyLimits.Limit limit, boolean gzip) throws ServletException, IOException {
        if (body == null) {
            return; // refused already
        }
        String tooLarge = gzip
                ? "request body exceeds " + limit.bytes() + " bytes (after decompression); the limit is set by "
                + limit.rule()
                : "request body exceeds the limit of " + limit.bytes() + " bytes (" + limit.rule() + "); it was sent "
                + "without Content-Length and grew past the limit while it was read";
        try {
            chain.doFilter(new BodyStreams.Decompressed(request, new BodyStreams.Bounded(body, limit.bytes(), tooLarge),
                    gzip), response);
        } catch (ServletException | RuntimeException e) {
            Throwable cause = e;
            while (cause != null && !(cause instanceof BodyStreams.InflatedTooLarge)) {
                cause = cause.getCause();
            }
            if (cause == null || response.isCommitted()) {
                throw e;
            }
            reject(response, 413, cause.getMessage());
        }
    }

    private static boolean isGzip(HttpServletRequest request) {
        String encoding = request.getHeader(HttpHeaders.CONTENT_ENCODING);
        return encoding != null && encoding.equalsIgnoreCase("gzip");
    }

    private static boolean hasBody(HttpServletRequest request, long declared) {
        String method = request.getMethod();
        boolean bodyMethod = "POST".equals(method) || "PUT".equals(method) || "PATCH".equals(method);
        return bodyMethod && declared != 0;
    }

    /** Multipart and form bodies: the container parses them from the socket itself (getParts, getParameter). */
    static boolean parsedByContainer(HttpServletRequest request) {
        String type = request.getContentType();
        if (type == null) {
            return false;
        }
        String t = type.toLowerCase(Locale.ROOT);
        return t.startsWith("multipart/") || t.startsWith("application/x-www-form-urlencoded");
    }

    private void refuseBusy(HttpServletRequest request, HttpServletResponse response, String message)
            throws IOException {
        response.setHeader("Retry-After", "1");
        refuseUnread(request, response, 503, message);
    }

    /**
     * Answers without reading the body, and closes the connection. Answered synchronously, the container would then
     * drain the unread body with a blocking read, holding a thread for as long as a slow client cares to trickle it.
     * Here the body is drained by non-blocking reads (up to {@value #DRAIN_BYTES} bytes, for at most
     * {@code inference.limits.body-read-timeout}), so that a client that reads its answer only once it has sent everything (the JDK's
     * HTTP client does) still gets it: closing with unread bytes resets the connection, and the answer with it.
     */
    private void refuseUnread(HttpServletRequest request, HttpServletResponse response, int status, String message)
            throws IOException {
        response.setHeader("Connection", "close");
        reject(response, status, message);
        if (!request.isAsyncSupported()) {
            return;
        }
        response.flushBuffer();
        AsyncContext async = request.startAsync(request, response);
        long declared = request.getContentLengthLong();
        long budget = declared < 0 ? DRAIN_BYTES : Math.min(declared, DRAIN_BYTES);
        async.setTimeout(timeoutMillis);
        Drain drain = new Drain(async, request.getInputStream(), budget);
        async.addListener(drain);
        request.getInputStream().setReadListener(drain);
    }

    static final long DRAIN_BYTES = 64L * 1024 * 1024;

    /** Discards a refused body; its end, the budget or the deadline ends the request, closing the connection. */
    private static final class Drain implements jakarta.servlet.ReadListener, jakarta.servlet.AsyncListener {
        private final AsyncContext async;
        private final ServletInputStream in;
        private final byte[] sink = new byte[16384];
        private final long budget;
        private long drained;
        private boolean completed;

        Drain(AsyncContext async, ServletInputStream in, long budget) {
            this.async = async;
            this.in = in;
            this.budget = budget;
        }

        @Override
        public synchronized void onDataAvailable() throws IOException {
            while (in.isReady()) {
                int n = in.read(sink);
                if (n < 0) {
                    return;
                }
                drained += n;
                if (drained >= budget) {
                    complete(); // enough: the rest is refused with the connection
                    return;
                }
            }
        }

        @Override
        public synchronized void onAllDataRead() {
            complete();
        }

        @Override
        public void onError(Throwable t) {
            complete();
        }

        @Override
        public synchronized void onTimeout(jakarta.servlet.AsyncEvent event) {
            complete();
        }

        private synchronized void complete() {
            if (!completed) {
                completed = true;
                async.complete();
            }
        }

        @Override
        public void onComplete(jakarta.servlet.AsyncEvent event) {
        }

        @Override
        public void onError(jakarta.servlet.AsyncEvent event) {
            complete();
        }

        @Override
        public void onStartAsync(jakarta.servlet.AsyncEvent event) {
        }
    }

    private void reject(HttpServletResponse response, int status, String message) throws IOException {
        problems.write(response, status, message);
    }
}
