package io.convserve.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.convserve.registry.ModelDefinition;
import io.convserve.registry.ModelDefinitionReader;
import io.convserve.registry.ModelLoadException;
import io.convserve.serving.InferenceProperties;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Scheduler settings: model.json's Triton fields, configuration overrides, defaults, and bad values named. */
class BatchingSettingsTest {

    static ModelDefinition definition(String schedulerFields) {
        String json = "{\"name\": \"m\", \"input\": {\"name\": \"input\", \"shape\": [1, 8, 8]}, " + schedulerFields
                + "\"layers\": [{\"type\": \"flatten\"}, {\"type\": \"dense\", \"units\": 2}]}";
        return new ModelDefinitionReader().read(json.getBytes(StandardCharsets.UTF_8), "m/model.json");
    }

    static InferenceProperties config(Map<String, InferenceProperties.ModelOverrides> models) {
        InferenceProperties d = InferenceProperties.defaults();
        return new InferenceProperties(d.maxBatchSize(), d.dynamicBatching(),
                d.maxQueueDelay(), d.maxQueueSize(), d.defaultTimeout(), d.instances(), d.threads(), d.planCacheSize(),
                models);
    }

    @Test
    void defaultsApplyWhenModelJsonSaysNothing() {
        BatchingSettings s = BatchingSettings.resolve("m", definition("").batching(), InferenceProperties.defaults());
        assertThat(s).isEqualTo(new BatchingSettings(true, 64, 0, 256, 0, 0, 1));
    }

    @Test
    void modelJsonUsesTritonsNames() {
        ModelDefinition d = definition("\"max_batch_size\": 16, \"instance_count\": 2, \"dynamic_batching\": "
                + "{\"max_queue_delay_microseconds\": 500, \"max_queue_size\": 9, \"default_timeout_microseconds\": "
                + "2000, \"preferred_batch_size\": [4, 8]}, ");
        BatchingSettings s = BatchingSettings.resolve("m", d.batching(), InferenceProperties.defaults());
        assertThat(s).isEqualTo(new BatchingSettings(true, 16, 500_000, 9, 2_000_000, 8, 2));
        assertThat(BatchingSettings.resolve("m", definition("\"dynamic_batching\": false, ").batching(),
                InferenceProperties.defaults()).dynamic()).isFalse();
    }

    @Test
    void configurationOverridesModelJsonPerModel() {
        ModelDefinition d = definition("\"max_batch_size\": 16, \"dynamic_batching\": {\"max_queue_size\": 9}, ");
        InferenceProperties.ModelOverrides o = new InferenceProperties.ModelOverrides(4, false, Duration.ofMillis(3),
                null, Duration.ofSeconds(1), 2, null);
        BatchingSettings s = BatchingSettings.resolve("m", d.batching(), config(Map.of("m", o)));
        assertThat(s).isEqualTo(new BatchingSettings(false, 4, 3_000_000, 9, 1_000_000_000, 2, 1));
        BatchingSettings other = BatchingSettings.resolve("other", d.batching(), config(Map.of("m", o)));
        assertThat(other.maxBatchSize()).isEqualTo(16);
    }

    @Test
    void maxBatchSizeZeroIsTritonsBatchInTheShape() {
        ModelDefinition d = definition("\"max_batch_size\": 0, \"dynamic_batching\": {\"max_queue_size\": 9}, ");
        BatchingSettings s = BatchingSettings.resolve("m", d.batching(), config(Map.of()));
        assertThat(s.batchInShape()).isTrue();
        assertThat(s.maxBatchSize()).isEqualTo(1);
        assertThat(s.reportedMaxBatchSize()).isZero();
        assertThat(s.dynamic()).isFalse();
        assertThat(s.protocolShape(new io.convserve.model.Shape(3, 8, 8))).containsExactly(1L, 3L, 8L, 8L);
        InferenceProperties.ModelOverrides o = new InferenceProperties.ModelOverrides(4, null, null, null, null, null,
                null);
        BatchingSettings overridden = BatchingSettings.resolve("m", d.batching(), config(Map.of("m", o)));
        assertThat(overridden.batchInShape()).isFalse();
        assertThat(overridden.protocolShape(new io.convserve.model.Shape(3))).containsExactly(-1L, 3L);
    }

    @Test
    void badValuesAreLoadErrorsNamingTheField() {
        assertThatThrownBy(() -> definition("\"max_batch_size\": -1, "))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("max_batch_size must be a non-negative");
        assertThatThrownBy(() -> definition("\"dynamic_batching\": {\"max_queue_size\": -1}, "))
                .hasMessageContaining("dynamic_batching.max_queue_size").hasMessageContaining("-1");
        assertThatThrownBy(() -> definition("\"dynamic_batching\": {\"max_queue_delay\": 5}, "))
                .hasMessageContaining("unknown field 'dynamic_batching.max_queue_delay'")
                .hasMessageContaining("max_queue_delay_microseconds");
        assertThatThrownBy(() -> definition("\"dynamic_batching\": \"yes\", "))
                .hasMessageContaining("dynamic_batching must be an object");
    }
}
