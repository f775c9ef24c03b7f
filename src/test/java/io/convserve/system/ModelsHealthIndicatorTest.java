package io.convserve.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.convserve.serving.PathRedaction;
import io.convserve.registry.ModelRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** The health details name why a model is unavailable without the repository's, tmp's or home's absolute path. */
class ModelsHealthIndicatorTest {

    @Test
    void healthWhenLoadFailedShowsTheReasonWithoutAbsolutePaths() throws Exception {
        Path repository = Files.createTempDirectory("convserve-health-").toRealPath();
        String home = System.getProperty("user.home");
        ModelRegistry registry = mock(ModelRegistry.class);
        when(registry.repository()).thenReturn(repository);
        when(registry.latest()).thenReturn(List.of());
        when(registry.unavailable()).thenReturn(Map.of(
                "broken", "model 'broken' version 1: " + repository + "/broken/1/weights.npz (Is a directory)",
                "other", "cannot read " + home + "/models/x.npz: java.nio.file.AccessDeniedException: "
                        + System.getProperty("java.io.tmpdir") + "/upload-1/x.npz"));
        Health health = new ModelsHealthIndicator(registry, new PathRedaction(registry)).health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        @SuppressWarnings("unchecked")
        Map<String, String> unavailable = (Map<String, String>) health.getDetails().get("unavailable");
        assertThat(unavailable.get("broken"))
                .isEqualTo("model 'broken' version 1: <repository>/broken/1/weights.npz (Is a directory)");
        assertThat(unavailable.get("other")).isEqualTo("cannot read ~/models/x.npz: "
                + "java.nio.file.AccessDeniedException: <tmp>/upload-1/x.npz");
        assertThat(health.toString()).doesNotContain(repository.toString(), home + "/",
                System.getProperty("java.io.tmpdir") + "/");
    }
}
