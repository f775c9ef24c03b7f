package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.convserve.serving.PathRedaction;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Internal folders never reach an answer; API routes that happen to contain the same letters are left alone. */
class ProblemsTest {

    @Test
    void foldersAreReplacedWhereAPathStarts() {
        Problems problems = new Problems(new PathRedaction(Map.of("/srv/models", "<repository>", "/tmp", "<tmp>")));

        assertThat(problems.redacted("cannot read /srv/models/lenet5/1/weights.npz: java.nio.file.NoSuchFileException: "
                + "/srv/models/lenet5/1/weights.npz"))
                .isEqualTo("cannot read <repository>/lenet5/1/weights.npz: java.nio.file.NoSuchFileException: "
                        + "<repository>/lenet5/1/weights.npz");
        assertThat(problems.redacted("scratch '/tmp/convserve-123' is full")).isEqualTo("scratch '<tmp>/convserve-123' is full");
        assertThat(problems.redacted("send tensors to /v2/models/tmp/infer instead"))
                .isEqualTo("send tensors to /v2/models/tmp/infer instead");
        assertThat(problems.of(org.springframework.http.HttpStatus.BAD_REQUEST, "at /srv/models").getDetail())
                .isEqualTo("at <repository>");
    }
}
