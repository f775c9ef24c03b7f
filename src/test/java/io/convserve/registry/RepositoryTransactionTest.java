package io.convserve.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A crash after any number of a transaction's renames: the next start's recovery leaves the repository exactly as
 * it was before (not committed) or exactly as the transaction made it (committed), with nothing of the transaction
 * left behind.
 */
class RepositoryTransactionTest {

    @TempDir
    Path repository;

    /** Every regular file under the repository, relative path to content. */
    private Map<String, String> files() throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(repository)) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                out.put(repository.relativize(p).toString(), Files.readString(p));
            }
        }
        return out;
    }

    private List<String> entries() throws IOException {
        try (Stream<Path> all = Files.walk(repository)) {
            return all.map(p -> repository.relativize(p).toString()).sorted().toList();
        }
    }

    private void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    /** Replaces model.json and version 2 of model m and drops its version 1, as an upload with "replace" does. */
    private List<RepositoryTransaction.Move> stageReplacement(RepositoryTransaction t) throws IOException {
        Path staged = t.staging().resolve("m");
        write(staged.resolve("model.json"), "new-json");
        write(staged.resolve("2/weights.npz"), "new-2");
        Path model = repository.resolve("m");
        return List.of(
                new RepositoryTransaction.Move(model.resolve("model.json"), t.aside(Path.of("m/model.json"))),
                new RepositoryTransaction.Move(model.resolve("2"), t.aside(Path.of("m/2"))),
                new RepositoryTransaction.Move(model.resolve("1"), t.aside(Path.of("m/1"))),
                new RepositoryTransaction.Move(staged.resolve("model.json"), model.resolve("model.json")),
                new RepositoryTransaction.Move(staged.resolve("2"), model.resolve("2")));
    }

    private void existingModel() throws IOException {
        write(repository.resolve("m/model.json"), "old-json");
        write(repository.resolve("m/1/weights.npz"), "old-1");
        write(repository.resolve("m/2/weights.npz"), "old-2");
        write(repository.resolve("other/model.json"), "other");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5})
    void aCrashBeforeCommitIsRolledBack(int renamesDone) throws IOException {
        existingModel();
        Map<String, String> before = files();
        RepositoryTransaction t = RepositoryTransaction.begin(repository);
        t.applyFirst(stageReplacement(t), renamesDone);

        List<String> handled = RepositoryTransaction.recover(repository);

        assertThat(files()).isEqualTo(before);
        assertThat(entries()).noneMatch(e -> e.startsWith(".txn-"));
        assertThat(handled).singleElement().asString().contains("not committed, rolled back");
        assertThat(RepositoryTransaction.recover(repository)).as("a second start finds nothing").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aCrashAfterTheCommitMarkIsRolledForward(boolean oldFilesHalfDeleted) throws IOException {
        existingModel();
        RepositoryTransaction t = RepositoryTransaction.begin(repository);
        t.applyFirst(stageReplacement(t), 5);
        Path folder = repository.resolve(entries().stream().filter(e -> e.matches("\\.txn-[^/]*")).findFirst()
                .orElseThrow());
        Files.writeString(folder.resolve("committed"), "");
        if (oldFilesHalfDeleted) {
            Files.delete(folder.resolve("old/m_2/weights.npz"));
        }

        List<String> handled = RepositoryTransaction.recover(repository);

        assertThat(files()).isEqualTo(Map.of("m/model.json", "new-json", "m/2/weights.npz", "new-2",
                "other/model.json", "other"));
        assertThat(handled).singleElement().asString().contains("committed, completed").contains("m/2");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void aNewModelRolledBackLeavesNoFolder(int renamesDone) throws IOException {
        write(repository.resolve("other/model.json"), "other");
        RepositoryTransaction t = RepositoryTransaction.begin(repository);
        Path staged = t.staging().resolve("fresh");
        write(staged.resolve("model.json"), "json");
        write(staged.resolve("1/weights.npz"), "w");
        t.applyFirst(List.of(
                new RepositoryTransaction.Move(staged.resolve("model.json"), repository.resolve("fresh/model.json")),
                new RepositoryTransaction.Move(staged.resolve("1"), repository.resolve("fresh/1"))), renamesDone);

        RepositoryTransaction.recover(repository);

        assertThat(entries()).containsExactly("", "other", "other/model.json");
    }

    @Test
    void applyCommitAndRollbackInProcess() throws IOException {
        existingModel();
        Map<String, String> before = files();
        RepositoryTransaction undone = RepositoryTransaction.begin(repository);
        undone.apply(stageReplacement(undone));
        assertThat(files()).containsEntry("m/model.json", "new-json").doesNotContainKey("m/1/weights.npz");
        undone.rollback();
        assertThat(files()).isEqualTo(before);

        RepositoryTransaction kept = RepositoryTransaction.begin(repository);
        kept.apply(stageReplacement(kept));
        kept.commit();
        assertThat(files()).isEqualTo(Map.of("m/model.json", "new-json", "m/2/weights.npz", "new-2",
                "other/model.json", "other"));
        assertThat(RepositoryTransaction.recover(repository)).isEmpty();
    }

    @Test
    void stagingWithoutAJournalAndOlderReleasesStagingAreDeleted() throws IOException {
        existingModel();
        Map<String, String> before = files();
        RepositoryTransaction t = RepositoryTransaction.begin(repository);
        write(t.staging().resolve("m/model.json"), "half written");
        write(repository.resolve(".import-1234/m/1/weights.npz"), "partial");

        List<String> handled = RepositoryTransaction.recover(repository);

        assertThat(files()).isEqualTo(before);
        assertThat(handled).hasSize(2).anyMatch(h -> h.startsWith(".import-1234"))
                .anyMatch(h -> h.contains("before any file moved"));
    }
}
