package io.convserve.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Repositories for tests that change them: copies of bundled models (src/main/resources/models) in a new folder. */
public final class BundledModels {

    private BundledModels() {
    }

    /** A new temporary folder (its name starts with {@code prefix}) holding a copy of each of {@code models}. */
    public static Path copy(String prefix, String... models) throws IOException {
        Path repository = Files.createTempDirectory(prefix);
        Path bundled = Path.of("src/main/resources/models");
        for (String model : models) {
            Path source = bundled.resolve(model);
            List<Path> files;
            try (Stream<Path> walk = Files.walk(source)) {
                files = walk.toList();
            }
            for (Path f : files) {
                Path target = repository.resolve(model).resolve(source.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        return repository;
    }
}
