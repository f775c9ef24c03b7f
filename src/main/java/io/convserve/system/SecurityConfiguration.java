package io.convserve.system;

import io.convserve.serving.ApiKeys;
import jakarta.servlet.DispatcherType;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.firewall.HttpFirewall;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.firewall.StrictHttpFirewall;

/**
 * HTTP security with Spring Security: the API keys of {@link ApiKeys} as authentication ({@link ApiKeyAuthentication}),
 * authorisation by route ({@link RouteAccess}), and {@link StrictHttpFirewall} in front, which rejects ambiguous
 * paths (matrix parameters, encoded slashes, dots or semicolons, doubled slashes, dot segments, backslashes) before
 * anything routes them. Model management needs a management key unless management is open; inference and
 * introspection need a key only when inference keys are configured; health, metrics, the OpenAPI document and the
 * page stay open. 401 without a key (with {@code WWW-Authenticate}), 403 with a wrong one, in our error format.
 */
@Configuration(proxyBeanMethods = false)
@org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication(
        type = org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type.SERVLET)
class SecurityConfiguration {

    @Bean
    SecurityFilterChain apiKeySecurity(HttpSecurity http, ApiKeys keys, ProblemResponses problems) throws Exception {
        http.csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(cache -> cache.disable())
                .httpBasic(basic -> basic.disable())
                .formLogin(form -> form.disable())
                .logout(logout -> logout.disable())
                // responses keep their own caching headers (the page's assets, ETags); the others stay
                .headers(headers -> headers.cacheControl(cache -> cache.disable()))
                .addFilterBefore(new ApiKeyAuthentication.Filter(keys), AnonymousAuthenticationFilter.class)
                .authorizeHttpRequests(routes -> routes
                        // an async or error dispatch continues a request that was authorised when it arrived
                        .dispatcherTypeMatchers(DispatcherType.ASYNC, DispatcherType.ERROR).permitAll()
                        .anyRequest().access((authentication, context) -> new AuthorizationDecision(
                                RouteAccess.refusal(keys, context.getRequest(), authentication.get()) == null)))
                .exceptionHandling(errors -> errors
                        .authenticationEntryPoint((request, response, e) -> RouteAccess.answer(problems,
                                refusalOrMissing(keys, request, null), request, response))
                        .accessDeniedHandler((request, response, e) -> RouteAccess.answer(problems,
                                refusalOrMissing(keys, request, SecurityContextHolder.getContext().getAuthentication()),
                                request, response)));
        return http.build();
    }

    /** No users and no passwords: keys only (without this bean Spring Boot would make a user with a generated password). */
    @Bean
    org.springframework.security.core.userdetails.UserDetailsService noUsers() {
        return new org.springframework.security.provisioning.InMemoryUserDetailsManager();
    }

    @Bean
    HttpFirewall firewall() {
        return new StrictHttpFirewall();
    }

    /**
     * A path the firewall rejects is still a request for some route: without the key that route needs it is
     * answered 401/403 like any other (so no spelling of a protected path answers differently to a caller without
     * a key), and 400 naming the reason otherwise.
     */
    /**
     * A path the firewall rejects is still a request for some route: without the key that route needs it is
     * answered 401/403 like any other (no spelling of a protected path answers differently to a caller without
     * a key), and 400 naming the reason otherwise.
     */
    @Bean
    RequestRejectedHandler rejectedPaths(ApiKeys keys, ProblemResponses problems) {
        return (request, response, rejected) -> {
            ApiKeys.Refusal refusal = RouteAccess.refusal(keys, request, ApiKeyAuthentication.of(keys, request));
            if (refusal != null) {
                RouteAccess.answer(problems, refusal, request, response);
                return;
            }
            problems.write(response, 400, "the request path is ambiguous and was rejected (" + rejected.getMessage()
                    + "); send it without matrix parameters, encoded '/', '.', ';' or '%', doubled slashes, dot "
                    + "segments or backslashes");
        };
    }

    /** The refusal that got the request denied; MISSING when the rules allow it now (nothing else to say). */
    private static ApiKeys.Refusal refusalOrMissing(ApiKeys keys, jakarta.servlet.http.HttpServletRequest request,
                                                    Authentication authentication) {
        ApiKeys.Refusal refusal = RouteAccess.refusal(keys, request, authentication);
        return refusal != null ? refusal : ApiKeys.Refusal.MISSING;
    }
}
