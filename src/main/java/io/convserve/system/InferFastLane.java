package io.convserve.system;

import io.convserve.api.InferBodyLimits;
import io.convserve.api.InferHandler;
import io.convserve.api.InferResponseWriter;
import io.convserve.metrics.HttpServerMeters;
import io.convserve.serving.ApiKeys;
import io.micrometer.core.instrument.LongTaskTimer;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.filter.ServerHttpObservationFilter;

/**
 * Serves the plain v2 infer request, the hottest route, without Spring Security's filter chain and Spring MVC's
 * dispatch, which cost more than the rest of a small request together (docs/benchmarks.md, "The request path").
 * It runs after the request id, and takes a request only when the usual chain would let it through unchanged:
 * <ul>
 *   <li>{@code POST /v2/models/{model}[/versions/{version}]/infer} spelled plainly (letters, digits, {@code _ - .},
 *       no encoding, no dot segments, no path parameters, no context path), so the firewall has nothing to reject;</li>
 *   <li>the key the route needs, if any ({@link ApiKeys}, as {@link RouteAccess} decides for the same path);</li>
 *   <li>a body of declared length within the route's limit ({@link InferBodyLimits}), not encoded, not a form, and
 *       already buffered by the container whole: it never waits for a client.</li>
 * </ul>
 * Anything else goes on down the usual chain, with the bytes read so far handed to {@link RequestBodyFilter}. A
 * request that fails here goes on too, with the exception in {@link InferHandler#FAILURE}, so that errors are
 * answered by Spring MVC's one exception handler and look the same whichever lane the request took.
 * <p>
 * The lane is registered twice ({@link FastLaneConfiguration}). Before the {@code http.server.requests} observation
 * it takes requests that will not be traced ({@link TracedRequests}) and times them itself into the same meters
 * ({@link HttpServerMeters}): an observation costs more than the rest of the lane. After the observation it takes the
 * traced ones, which the observation times and traces.
 */
class InferFastLane extends OncePerRequestFilter {

    /** Where the lane sits: ahead of the observation (untraced requests) or inside it (traced ones). */
    enum Position { BEFORE_OBSERVATION, OBSERVED }

    private static final String PREFIX = "/v2/models/";
    private static final String SUFFIX = "/infer";
    private static final Pattern ROUTE = Pattern.compile(
            "/v2/models/([A-Za-z0-9_-][A-Za-z0-9_.-]*)(?:/versions/([A-Za-z0-9_-][A-Za-z0-9_.-]*))?/infer");

    /** The headers Spring Security's defaults put on every answer (cache control is left to the routes). */
    private static final String[][] SECURITY_HEADERS = {
            {"X-Content-Type-Options", "nosniff"}, {"X-XSS-Protection", "0"}, {"X-Frame-Options", "DENY"}};

    private final InferHandler handler;
    private final InferBodyLimits bodyLimits;
    private final ApiKeys keys;
    private final Position position;
    private final TracedRequests traced;
    private final HttpServerMeters meters;

    InferFastLane(InferHandler handler, InferBodyLimits bodyLimits, ApiKeys keys, Position position,
                  TracedRequests traced, HttpServerMeters meters) {
        this.handler = handler;
        this.bodyLimits = bodyLimits;
        this.keys = keys;
        this.position = position;
        this.traced = traced;
        this.meters = meters;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String uri = request.getRequestURI();
        Matcher route = "POST".equals(request.getMethod()) && uri.startsWith(PREFIX) && uri.endsWith(SUFFIX)
                ? ROUTE.matcher(uri) : null;
        long declared = request.getContentLengthLong();
        String header = request.getHeader(InferHandler.HEADER_LENGTH);
        if (route == null || traced.test(request) != (position == Position.OBSERVED) || !route.matches()
                || declared <= 0 || !plainBody(request)
                || header != null && !isInt(header)
                || keys.check(ApiKeys.Access.INFERENCE, ApiKeyAuthentication.presentedKey(request)) != null
                || declared > bodyLimits.forModel(route.group(1), route.group(2)).bytes()) {
            chain.doFilter(request, response);
            return;
        }
        long started = System.nanoTime();
        LongTaskTimer.Sample inFlight = position == Position.OBSERVED ? null : meters.postStarted();
        BodyReader.Start start = BodyReader.readBuffered(request.getInputStream(), declared, null);
        if (!start.complete(declared)) {
            meters.postHandedOn(inFlight);
            request.setAttribute(BodyReader.START, start); // the rest arrives without holding a thread
            chain.doFilter(request, response);
            return;
        }
        String version = route.group(2);
        String pattern = version == null ? InferHandler.ROUTE : InferHandler.VERSIONED_ROUTE;
        ServerHttpObservationFilter.findObservationContext(request).ifPresent(o -> o.setPathPattern(pattern));
        InferResponseWriter.Answer answer;
        try {
            answer = handler.infer(route.group(1), version, start.bytes(),
                    header == null ? null : Integer.valueOf(header.trim()));
        } catch (RuntimeException e) {
            meters.postHandedOn(inFlight);
            request.setAttribute(InferHandler.FAILURE, e);
            request.setAttribute(BodyReader.BODY, start.bytes());
            chain.doFilter(request, response);
            return;
        }
        try {
            write(answer, response);
        } catch (IOException | RuntimeException e) {
            meters.postHandedOn(inFlight); // the client went away: not a success to time
            throw e;
        }
        meters.postSucceeded(inFlight, pattern, System.nanoTime() - started);
    }

    /**
     * A plain decimal int, which Spring MVC reads the same way. Anything else (a sign, leading zeros, which Spring
     * reads as octal, hex, an overflow, not a number) goes to Spring MVC, which reads it or says why not.
     */
    private static boolean isInt(String value) {
        String v = value.trim();
        if (!PLAIN_INT.matcher(v).matches()) {
            return false;
        }
        return v.length() < 10 || Long.parseLong(v) <= Integer.MAX_VALUE;
    }

    private static final Pattern PLAIN_INT = Pattern.compile("0|[1-9][0-9]{0,9}");

    /** Read as sent: no content coding to undo, and not a form the container would parse itself. */
    private static boolean plainBody(HttpServletRequest request) {
        String encoding = request.getHeader(HttpHeaders.CONTENT_ENCODING);
        return (encoding == null || encoding.isBlank() || encoding.equalsIgnoreCase("identity"))
                && !RequestBodyFilter.parsedByContainer(request);
    }

    private static void write(InferResponseWriter.Answer answer, HttpServletResponse response) throws IOException {
        response.setStatus(HttpServletResponse.SC_OK);
        for (String[] header : SECURITY_HEADERS) {
            response.setHeader(header[0], header[1]);
        }
        if (answer.binary()) {
            response.setHeader(InferHandler.HEADER_LENGTH, Integer.toString(answer.jsonLength()));
        }
        response.setContentType(answer.contentType());
        response.setContentLength(answer.body().length);
        response.getOutputStream().write(answer.body());
    }
}
