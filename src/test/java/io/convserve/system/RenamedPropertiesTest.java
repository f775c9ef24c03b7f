package io.convserve.system;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

/** A limit set under its old name stops the start, naming the new one, instead of silently staying at the default. */
class RenamedPropertiesTest {

    @Test
    void anOldNameStopsTheStartNamingTheNewOne() {
        MockEnvironment environment = new MockEnvironment().withProperty("inference.max-request-bytes", "1000");

        assertThatThrownBy(() -> new RenamedProperties(environment)).isInstanceOf(IllegalStateException.class)
                .hasMessage("renamed settings: inference.max-request-bytes is now inference.limits.max-request-bytes");
    }

    @Test
    void theNewNamesStart() {
        MockEnvironment environment = new MockEnvironment()
                .withProperty("inference.limits.max-request-bytes", "1000")
                .withProperty("inference.max-batch-size", "8");

        assertThatCode(() -> new RenamedProperties(environment)).doesNotThrowAnyException();
    }
}
