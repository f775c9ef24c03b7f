package io.convserve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The build writes the metadata IDEs complete {@code inference.*} from (spring-boot-configuration-processor): every
 * setting with its one-line description and default, wherever its record lives.
 */
class ConfigurationMetadataTest {

    @Test
    void everyInferenceSettingIsDescribed() throws Exception {
        Map<String, JsonNode> properties = new HashMap<>();
        try (InputStream in = getClass().getClassLoader()
                .getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("META-INF/spring-configuration-metadata.json (the configuration processor)").isNotNull();
            JsonMapper.builder().build().readTree(in).get("properties")
                    .forEach(p -> properties.put(p.get("name").asString(), p));
        }
        assertThat(properties).containsKeys("inference.repository", "inference.poll-interval",
                "inference.max-batch-size", "inference.max-queue-delay", "inference.limits.max-request-values",
                "inference.auth.management-keys", "inference.auth.management");
        properties.forEach((name, p) -> {
            if (name.startsWith("inference.")) {
                assertThat(p.path("description").asString("")).as(name + " description").isNotBlank();
            }
        });
        assertThat(properties.get("inference.max-batch-size").get("defaultValue").asInt()).isEqualTo(64);
        assertThat(properties.get("inference.auth.management").get("description").asString())
                .contains("management is open when the service runs its bundled models");
        assertThat(properties.get("inference.repository").get("sourceType").asString())
                .isEqualTo("io.convserve.registry.RepositoryProperties");
    }
}
