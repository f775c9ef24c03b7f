package io.convserve.system;

import io.convserve.serving.ApiKeys;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A request that presents a key ({@code Authorization: Bearer <key>} or {@code X-API-Key}): {@code ROLE_MANAGEMENT}
 * for a management key (which the actuator's health details ask for), {@code ROLE_INFERENCE} for an inference key,
 * no role for a key that is neither (its requests are then refused with 403, not 401).
 */
final class ApiKeyAuthentication extends AbstractAuthenticationToken {

    private final String key;

    private ApiKeyAuthentication(String key, List<GrantedAuthority> roles) {
        super(roles);
        this.key = key;
        setAuthenticated(true);
    }

    /** The key the request presents as an authentication, or null without one. */
    static ApiKeyAuthentication of(ApiKeys keys, HttpServletRequest request) {
        String key = presentedKey(request);
        if (key == null) {
            return null;
        }
        List<GrantedAuthority> roles = new ArrayList<>();
        if (keys.isManagementKey(key)) {
            roles.add(new SimpleGrantedAuthority("ROLE_MANAGEMENT"));
        }
        if (keys.check(ApiKeys.Access.INFERENCE, key) == null) {
            roles.add(new SimpleGrantedAuthority("ROLE_INFERENCE"));
        }
        return new ApiKeyAuthentication(key, roles);
    }

    /** The key in {@code Authorization: Bearer <key>} or {@code X-API-Key}, or null. */
    static String presentedKey(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7)
                : request.getHeader("X-API-Key");
    }

    @Override
    public String getCredentials() {
        return key;
    }

    @Override
    public Object getPrincipal() {
        return getAuthorities().isEmpty() ? "unknown-key"
                : getAuthorities().iterator().next().getAuthority().substring(5).toLowerCase() + "-key";
    }

    /** Puts the presented key, if any, in the security context. */
    static final class Filter extends OncePerRequestFilter {

        private final ApiKeys keys;

        Filter(ApiKeys keys) {
            this.keys = keys;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            ApiKeyAuthentication authentication = of(keys, request);
            if (authentication != null) {
                SecurityContextHolder.getContext().setAuthentication(authentication);
            }
            chain.doFilter(request, response);
        }
    }
}
