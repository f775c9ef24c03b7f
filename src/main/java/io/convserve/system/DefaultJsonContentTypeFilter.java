package io.convserve.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Reads a request body that comes without {@code Content-Type} as JSON (docs/design.md#errors: some v2 clients send none).
 * On the protocol routes ({@code /v1/}, {@code /v2/}) a body labelled {@code application/x-www-form-urlencoded}
 * (what urllib and curl -d put on any body) is read as sent, not re-encoded from form parameters.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class DefaultJsonContentTypeFilter extends OncePerRequestFilter {

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!hasBody(request) || request.getContentType() != null && !formOnProtocolRoute(request)) {
            chain.doFilter(request, response);
            return;
        }
        chain.doFilter(new HttpServletRequestWrapper(request) {
            @Override
            public String getContentType() {
                return MediaType.APPLICATION_JSON_VALUE;
            }

            @Override
            public String getHeader(String name) {
                return HttpHeaders.CONTENT_TYPE.equalsIgnoreCase(name) ? MediaType.APPLICATION_JSON_VALUE
                        : super.getHeader(name);
            }

            @Override
            public Enumeration<String> getHeaders(String name) {
                return HttpHeaders.CONTENT_TYPE.equalsIgnoreCase(name)
                        ? Collections.enumeration(java.util.List.of(MediaType.APPLICATION_JSON_VALUE))
                        : super.getHeaders(name);
            }

            @Override
            public Enumeration<String> getHeaderNames() {
                java.util.List<String> names = Collections.list(super.getHeaderNames());
                names.add(HttpHeaders.CONTENT_TYPE);
                return Collections.enumeration(names);
            }
        }, response);
    }

    private static boolean formOnProtocolRoute(HttpServletRequest request) {
        String uri = request.getRequestURI();
        return request.getContentType().toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded")
                && (uri.startsWith("/v2/") || uri.startsWith("/v1/"));
    }

    private static boolean hasBody(HttpServletRequest request) {
        String method = request.getMethod();
        boolean bodyMethod = "POST".equals(method) || "PUT".equals(method) || "PATCH".equals(method);
        return bodyMethod && request.getContentLengthLong() != 0;
    }
}
