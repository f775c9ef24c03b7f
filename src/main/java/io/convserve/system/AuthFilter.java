package io.convserve.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import io.convserve.serving.ApiKeys;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UrlPathHelper;

/**
 * API keys over HTTP ({@link ApiKeys} decides): model management (repository load and unload, uploads) needs a management key
 * unless the service runs its bundled models or management is configured open; inference and introspection need a
 * key only when inference keys are configured. Health, metrics, the OpenAPI document and the page stay open.
 * 401 without a key (with {@code WWW-Authenticate}), 403 with a wrong one; keys are compared in constant time.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 5)
class AuthFilter extends OncePerRequestFilter {

    /** Everything under the repository's model routes is management, whatever follows (fail closed). */
    private static final Pattern MANAGEMENT = Pattern.compile("/v2/repository/models(/.*)?");
    private static final Pattern PROTECTED_BY_INFERENCE_KEYS = Pattern.compile(
            "/v2/(models|summary)([/:].*)?|/v1/models([/:].*)?|/predictions(/.*)?|/v2/repository(/.*)?");
    private static final UrlPathHelper DECODING = new UrlPathHelper();

    static {
        DECODING.setUrlDecode(true);
        DECODING.setRemoveSemicolonContent(true);
    }

    private final ApiKeys keys;
    private final ProblemResponses problems;

    AuthFilter(ApiKeys keys, ProblemResponses problems) {
        this.problems = problems;
        this.keys = keys;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        List<String> paths = normalisedPaths(request);
        ApiKeys.Access access = paths.stream().anyMatch(p -> MANAGEMENT.matcher(p).matches()) ? ApiKeys.Access.MANAGEMENT
                : paths.stream().anyMatch(p -> PROTECTED_BY_INFERENCE_KEYS.matcher(p).matches())
                ? ApiKeys.Access.INFERENCE : ApiKeys.Access.OPEN;
        ApiKeys.Refusal refusal = keys.check(access, presentedKey(request));
        if (refusal == ApiKeys.Refusal.DISABLED) {
            problems.write(response, 403, ApiKeys.DISABLED_MESSAGE);
            return;
        }
        if (refusal == ApiKeys.Refusal.MISSING) {
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"convserve\"");
            problems.write(response, 401, request.getMethod() + " " + request.getRequestURI() + " needs "
                    + ApiKeys.needed(access) + ": send \"Authorization: Bearer <key>\" or \"X-API-Key: <key>\"");
            return;
        }
        if (refusal == ApiKeys.Refusal.WRONG) {
            problems.write(response, 403, "the key sent is not " + ApiKeys.needed(access) + " for "
                    + request.getMethod() + " " + request.getRequestURI());
            return;
        }
        chain.doFilter(keys.isManagementKey(presentedKey(request)) ? asManager(request) : request, response);
    }

    /**
     * The request as a management-key holder's: the actuator shows health details ({@code show-details:
     * when-authorized}) to a request with a principal, and to no one else.
     */
    private static HttpServletRequest asManager(HttpServletRequest request) {
        java.security.Principal manager = () -> "management-key";
        return new jakarta.servlet.http.HttpServletRequestWrapper(request) {
            @Override
            public java.security.Principal getUserPrincipal() {
                return manager;
            }
        };
    }

    /**
     * The request's path as the routing may see it, each form lower-cased, percent-decoded, without {@code ;matrix}
     * parameters, doubled slashes, dot segments or a trailing slash: the container's decoded servlet path and the
     * request URI decoded by Spring's {@link UrlPathHelper}. A route is protected when any form matches, so a
     * spelling that some layer normalises differently cannot skip the check.
     */
    static List<String> normalisedPaths(HttpServletRequest request) {
        List<String> forms = new java.util.ArrayList<>(3);
        String servletPath = request.getServletPath() == null ? "" : request.getServletPath();
        String pathInfo = request.getPathInfo() == null ? "" : request.getPathInfo();
        if (!(servletPath + pathInfo).isEmpty()) {
            forms.add(normalised(servletPath + pathInfo));
        }
        forms.add(normalised(DECODING.getPathWithinApplication(request)));
        String raw = request.getRequestURI() == null ? "" : request.getRequestURI();
        try {
            forms.add(normalised(java.net.URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8)));
        } catch (IllegalArgumentException e) {
            forms.add(normalised(raw)); // a malformed escape: the container refuses it anyway
        }
        return forms;
    }

    /** Lower case, no matrix parameters, no empty or dot segments, no trailing slash; always starts with '/'. */
    static String normalised(String path) {
        java.util.Deque<String> segments = new java.util.ArrayDeque<>();
        for (String segment : path.toLowerCase(java.util.Locale.ROOT).split("[/\\\\]")) {
            int semicolon = segment.indexOf(';');
            String s = semicolon >= 0 ? segment.substring(0, semicolon) : segment;
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                segments.pollLast();
            } else {
                segments.addLast(s);
            }
        }
        return "/" + String.join("/", segments);
    }

    private static String presentedKey(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return header.substring(7);
        }
        return request.getHeader("X-API-Key");
    }
}
