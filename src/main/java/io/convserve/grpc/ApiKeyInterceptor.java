package io.convserve.grpc;

import io.convserve.serving.ApiKeys;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * API keys over gRPC, decided by the same {@link ApiKeys} as HTTP: {@code authorization: Bearer <key>} (or
 * {@code x-api-key}) metadata. Liveness, readiness and server metadata stay open like their HTTP routes; repository
 * load and unload need a management key; the rest an API key when inference keys are configured.
 * UNAUTHENTICATED without a key, PERMISSION_DENIED with a wrong one.
 */
@Component
class ApiKeyInterceptor implements ServerInterceptor {

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> API_KEY = Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);
    private static final Set<String> OPEN = Set.of("ServerLive", "ServerReady", "ServerMetadata");
    private static final Set<String> MANAGEMENT = Set.of("RepositoryModelLoad", "RepositoryModelUnload");

    private final ApiKeys keys;

    ApiKeyInterceptor(ApiKeys keys) {
        this.keys = keys;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getBareMethodName();
        ApiKeys.Access access = OPEN.contains(method) ? ApiKeys.Access.OPEN
                : MANAGEMENT.contains(method) ? ApiKeys.Access.MANAGEMENT : ApiKeys.Access.INFERENCE;
        ApiKeys.Refusal refusal = keys.check(access, presentedKey(headers));
        if (refusal == null) {
            return next.startCall(call, headers);
        }
        Status status = switch (refusal) {
            case MISSING -> Status.UNAUTHENTICATED.withDescription(method + " needs " + ApiKeys.needed(access)
                    + ": send metadata \"authorization: Bearer <key>\" (or \"x-api-key: <key>\")");
            case WRONG -> Status.PERMISSION_DENIED.withDescription("the key sent is not " + ApiKeys.needed(access)
                    + " for " + method);
            case DISABLED -> Status.PERMISSION_DENIED.withDescription(ApiKeys.DISABLED_MESSAGE);
        };
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }

    private static String presentedKey(Metadata headers) {
        String header = headers.get(AUTHORIZATION);
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return header.substring(7);
        }
        return headers.get(API_KEY);
    }
}
