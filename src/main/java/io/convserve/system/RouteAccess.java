package io.convserve.system;

import io.convserve.serving.ApiKeys;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import org.springframework.security.core.Authentication;

/**
 * Which key a route needs, and the answer when it is missing or wrong. Routes are matched on the container's
 * decoded, normalised servlet path, case-insensitively, and fail closed: everything under the repository's model
 * routes is management whatever follows.
 */
final class RouteAccess {

    private static final Pattern MANAGEMENT = Pattern.compile("/v2/repository/models([/;].*)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern INFERENCE = Pattern.compile(
            "/v2/(models|summary)([/:;].*)?|/v1/models([/:;].*)?|/predictions([/;].*)?|/v2/repository([/;].*)?",
            Pattern.CASE_INSENSITIVE);

    private RouteAccess() {
    }

    static ApiKeys.Access of(HttpServletRequest request) {
        String path = (request.getServletPath() == null ? "" : request.getServletPath())
                + (request.getPathInfo() == null ? "" : request.getPathInfo());
        return MANAGEMENT.matcher(path).matches() ? ApiKeys.Access.MANAGEMENT
                : INFERENCE.matcher(path).matches() ? ApiKeys.Access.INFERENCE : ApiKeys.Access.OPEN;
    }

    /** Why the request is refused with what it authenticated as (null or anonymous: no key), or null if allowed. */
    static ApiKeys.Refusal refusal(ApiKeys keys, HttpServletRequest request, Authentication authentication) {
        String key = authentication instanceof ApiKeyAuthentication a ? a.getCredentials() : null;
        return keys.check(of(request), key);
    }

    /** Writes the refusal: 401 with {@code WWW-Authenticate} for a missing key, 403 for a wrong one or none possible. */
    static void answer(ProblemResponses problems, ApiKeys.Refusal refusal, HttpServletRequest request,
                       jakarta.servlet.http.HttpServletResponse response) throws IOException {
        ApiKeys.Access access = of(request);
        switch (refusal) {
            case DISABLED -> problems.write(response, 403, ApiKeys.DISABLED_MESSAGE);
            case MISSING -> {
                response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"convserve\"");
                problems.write(response, 401, request.getMethod() + " " + request.getRequestURI() + " needs "
                        + ApiKeys.needed(access) + ": send \"Authorization: Bearer <key>\" or \"X-API-Key: <key>\"");
            }
            case WRONG -> problems.write(response, 403, "the key sent is not " + ApiKeys.needed(access) + " for "
                    + request.getMethod() + " " + request.getRequestURI());
        }
    }
}
