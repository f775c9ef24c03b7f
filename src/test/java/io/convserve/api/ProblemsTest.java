package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Internal folders never reach an answer; API routes that happen to contain the same letters are left alone. */
class ProblemsTest {

    @AfterEach
    void reset() {
        Problems.redact(Map.of());
    }

    @Test
    void foldersAreReplacedWhereAPathStarts() {
        Problems.redact(Map.of("/srv/models", "<repository>", "/tmp", "<tmp>"));

        assertThat(Problems.redacted("cannot read /srv/models/lenet5/1/weights.npz: java.nio.file.NoSuchFileException: "
                + "/srv/models/lenet5/1/weights.npz"))
                .isEqualTo("cannot read <repository>/lenet5/1/weights.npz: java.nio.file.NoSuchFileException: "
                        + "<repository>/lenet5/1/weights.npz");
        assertThat(Problems.redacted("scratch '/tmp/convserve-123' is full")).isEqualTo("scratch '<tmp>/convserve-123' is full");
        assertThat(Problems.redacted("send tensors to /v2/models/tmp/infer instead"))
                .isEqualTo("send tensors to /v2/models/tmp/infer instead");
        assertThat(Problems.of(org.springframework.http.HttpStatus.BAD_REQUEST, "at /srv/models").getDetail())
                .isEqualTo("at <repository>");
    }
}
