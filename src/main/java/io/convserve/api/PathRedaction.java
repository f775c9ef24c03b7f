package io.convserve.api;

import io.convserve.registry.ModelRegistry;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Keeps internal paths out of answers: the repository folder, the temporary folder and the home folder are replaced
 * in every error message and repository reason by {@code <repository>}, {@code <tmp>} and {@code ~}.
 */
@Component
public class PathRedaction {

    PathRedaction(ModelRegistry registry) {
        Map<String, String> prefixes = new LinkedHashMap<>();
        Path repository = registry.repository().toAbsolutePath().normalize();
        prefixes.put(repository.toString(), "<repository>");
        try {
            prefixes.put(repository.toRealPath().toString(), "<repository>");
        } catch (java.io.IOException e) {
            // the normalized path is enough
        }
        prefixes.put(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize().toString(), "<tmp>");
        prefixes.put(System.getProperty("user.home"), "~");
        Problems.redact(prefixes);
    }

    /** The text with the repository, temporary and home folders replaced where a path starts (as in error bodies). */
    public String redact(String text) {
        return Problems.redacted(text);
    }
}
