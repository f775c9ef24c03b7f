package io.convserve.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** Spans are recorded for every request when an OTLP endpoint is set, for none otherwise, unless configured. */
class TracingDefaultsTest {

    private static String probability(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        new TracingDefaults().postProcessEnvironment(environment, new SpringApplication());
        return environment.getProperty(TracingDefaults.PROBABILITY);
    }

    @Test
    void samplesEveryRequestOnlyWhenSpansGoSomewhere() {
        assertThat(probability(Map.of())).isEqualTo("0.0");
        assertThat(probability(Map.of(TracingDefaults.ENDPOINT, "http://collector:4318/v1/traces"))).isEqualTo("1.0");
        assertThat(probability(Map.of(TracingDefaults.ENDPOINT, "http://c:4318/v1/traces",
                TracingDefaults.PROBABILITY, "0.25"))).isEqualTo("0.25");
    }
}
