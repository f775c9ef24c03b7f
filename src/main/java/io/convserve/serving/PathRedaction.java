package io.convserve.serving;

import io.convserve.registry.ModelRegistry;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * Keeps internal paths out of answers of every protocol: the repository folder, the temporary folder and the home
 * folder are replaced in every error message and repository reason by {@code <repository>}, {@code <tmp>} and
 * {@code ~}.
 */
@Component
public class PathRedaction {

    /** Folder prefixes that never appear in an answer, longest first, with what stands for them. */
    private final Map<String, String> redactions;

    @org.springframework.beans.factory.annotation.Autowired
    public PathRedaction(ModelRegistry registry) {
        this(folders(registry));
    }

    /** Redacts the given folder prefixes ({@code /srv/models} to {@code <repository>}, ...). */
    public PathRedaction(Map<String, String> prefixes) {
        Map<String, String> sorted = new TreeMap<>(Comparator.comparingInt(String::length).reversed()
                .thenComparing(Comparator.naturalOrder()));
        prefixes.forEach((k, v) -> {
            if (k != null && k.length() > 1) {
                sorted.put(k, v);
            }
        });
        this.redactions = Collections.unmodifiableMap(sorted);
    }

    private static Map<String, String> folders(ModelRegistry registry) {
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
        return prefixes;
    }

    /** The text with the repository, temporary and home folders replaced where a path starts (as in error bodies). */
    public String redact(String message) {
        if (message == null) {
            return null;
        }
        String out = message;
        for (Map.Entry<String, String> e : redactions.entrySet()) {
            // only where a path starts (after a space, quote, bracket, '=', ':' or ','), not inside a URL path
            out = out.replaceAll("(?<=^|[\\s'\"(\\[=:,])" + Pattern.quote(e.getKey()) + "(?=/|$|[\\s'\"),:])",
                    Matcher.quoteReplacement(e.getValue()));
        }
        return out;
    }
}
