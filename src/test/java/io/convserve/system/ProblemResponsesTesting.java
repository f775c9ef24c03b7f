package io.convserve.system;

import io.convserve.api.Problems;
import io.convserve.serving.PathRedaction;
import java.util.Map;

/** Problem writers for filters built outside a Spring context. */
final class ProblemResponsesTesting {

    private ProblemResponsesTesting() {
    }

    /** Writes problem bodies without redacting any folder. */
    static ProblemResponses plain() {
        return new ProblemResponses(new Problems(new PathRedaction(Map.of())));
    }
}
