package io.convserve.registry;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A change to the repository folder that a crash (kill -9, power loss) cannot leave half done. Its folder
 * {@code <repository>/.txn-<id>/} (hidden: the registry ignores names starting with '.') holds:
 * <ul>
 * <li>{@code new/}: the files to install, written and synced there first;</li>
 * <li>{@code journal}: the renames that install them, written and synced before the first one runs, one
 * {@code from<TAB>to} line each, relative to the repository;</li>
 * <li>{@code old/}: what those renames moved aside;</li>
 * <li>{@code committed}: the marker that the change stands.</li>
 * </ul>
 * Every step is a rename within one file system, so each file is either where it was or where it goes. A start
 * after a crash ({@link #recover}) rolls a committed change forward and any other back, from the journal alone.
 */
public final class RepositoryTransaction {

    private static final String PREFIX = ".txn-";
    private static final String JOURNAL = "journal";
    private static final String COMMITTED = "committed";
    /** Older releases' staging and backup folders: nothing refers to them once the process is gone. */
    private static final List<String> LEGACY_PREFIXES = List.of(".import-");

    /** One rename, from and to relative to the repository. */
    public record Move(Path from, Path to) {
    }

    private final Path repository;
    private final Path folder;
    private List<Move> moves = List.of();

    private RepositoryTransaction(Path repository, Path folder) {
        this.repository = repository;
        this.folder = folder;
    }

    /** A new transaction folder in {@code repository}, with an empty {@link #staging()} folder. */
    public static RepositoryTransaction begin(Path repository) throws IOException {
        Path repo = repository.toAbsolutePath().normalize();
        RepositoryTransaction t = new RepositoryTransaction(repo, repo.resolve(PREFIX + UUID.randomUUID()));
        Files.createDirectories(t.staging());
        Files.createDirectories(t.folder.resolve("old"));
        return t;
    }

    /** Where the new files are written before {@link #apply}. */
    public Path staging() {
        return folder.resolve("new");
    }

    /** Where {@code relative} (to the repository) is kept while this transaction may still be undone. */
    public Path aside(Path relative) {
        return folder.resolve("old").resolve(relative.toString().replace('/', '_'));
    }

    /**
     * Syncs the staged files, journals the renames, then runs them in order. If one fails, the ones done are undone
     * and the exception is thrown: the repository is as it was.
     */
    public void apply(List<Move> renames) throws IOException {
        applyFirst(renames, renames.size());
    }

    /** {@link #apply}'s first {@code count} renames only, as a crash after them leaves it: for tests of recovery. */
    void applyFirst(List<Move> renames, int count) throws IOException {
        syncTree(staging());
        StringBuilder journal = new StringBuilder();
        for (Move m : renames) {
            journal.append(rel(m.from())).append('\t').append(rel(m.to())).append('\n');
        }
        writeSynced(folder.resolve(JOURNAL), journal.toString());
        this.moves = List.copyOf(renames);
        int done = 0;
        try {
            for (Move m : moves.subList(0, count)) {
                rename(abs(m.from()), abs(m.to()));
                done++;
            }
            syncDirectories(moves);
        } catch (IOException e) {
            undo(done);
            throw e;
        }
    }

    /** The change stands: marks it so, then deletes what it replaced and the transaction folder. */
    public void commit() throws IOException {
        writeSynced(folder.resolve(COMMITTED), "");
        discard(folder);
    }

    /** Puts back what {@link #apply} moved and deletes the transaction folder. */
    public void rollback() throws IOException {
        undo(moves.size());
        discard(folder);
    }

    /**
     * Deletes a transaction folder whose renames are settled, journal first: without it the folder is inert, while a
     * journal over half-deleted staging would make a later recovery misread which renames ran.
     */
    private static void discard(Path folder) throws IOException {
        Files.deleteIfExists(folder.resolve(JOURNAL));
        syncDirectory(folder);
        deleteTree(folder);
    }

    private void undo(int done) throws IOException {
        for (int i = done - 1; i >= 0; i--) {
            Move m = moves.get(i);
            if (exists(abs(m.to()))) {
                rename(abs(m.to()), abs(m.from()));
                deleteIfEmpty(abs(m.to()).getParent());
            }
        }
        syncDirectories(moves);
    }

    /** A model folder that only the undone renames had filled (a new model's) goes with them. */
    private void deleteIfEmpty(Path dir) throws IOException {
        if (dir.equals(repository) || dir.startsWith(folder)) {
            return;
        }
        try (Stream<Path> children = Files.list(dir)) {
            if (children.findAny().isPresent()) {
                return;
            }
        }
        Files.deleteIfExists(dir);
    }

    /**
     * Finishes or undoes every transaction a crash interrupted, and deletes staging folders of older releases.
     * Returns one description per folder handled, for a log line; empty when there was nothing to do.
     */
    public static List<String> recover(Path repository) throws IOException {
        Path repo = repository.toAbsolutePath().normalize();
        List<String> handled = new ArrayList<>();
        List<Path> leftovers;
        try (Stream<Path> children = Files.list(repo)) {
            leftovers = children.filter(p -> {
                String name = p.getFileName().toString();
                return name.startsWith(PREFIX) || LEGACY_PREFIXES.stream().anyMatch(name::startsWith);
            }).sorted().toList();
        }
        for (Path leftover : leftovers) {
            String name = leftover.getFileName().toString();
            if (!name.startsWith(PREFIX)) {
                deleteTree(leftover);
                handled.add(name + ": staging files deleted");
                continue;
            }
            RepositoryTransaction t = new RepositoryTransaction(repo, leftover);
            Path journal = leftover.resolve(JOURNAL);
            if (!Files.isRegularFile(journal)) {
                deleteTree(leftover);
                handled.add(name + ": interrupted before any file moved, staging files deleted");
                continue;
            }
            t.moves = readJournal(journal);
            if (Files.exists(leftover.resolve(COMMITTED))) {
                t.redo(t.movesDone());
                discard(leftover);
                handled.add(name + ": committed, completed (" + t.describe() + ")");
            } else {
                t.undo(t.movesDone());
                discard(leftover);
                handled.add(name + ": not committed, rolled back (" + t.describe() + ")");
            }
        }
        return handled;
    }

    /** How many journalled renames ran: the last one whose source is gone and target present, and all before it. */
    private int movesDone() {
        for (int i = moves.size() - 1; i >= 0; i--) {
            Move m = moves.get(i);
            if (!exists(abs(m.from())) && exists(abs(m.to()))) {
                return i + 1;
            }
        }
        return 0;
    }

    private void redo(int done) throws IOException {
        for (int i = done; i < moves.size(); i++) {
            rename(abs(moves.get(i).from()), abs(moves.get(i).to()));
        }
        syncDirectories(moves);
    }

    private String describe() {
        return moves.stream().map(m -> rel(m.to())).filter(p -> !p.startsWith(PREFIX)).distinct()
                .reduce((a, b) -> a + ", " + b).orElse("no files");
    }

    private static List<Move> readJournal(Path journal) throws IOException {
        List<Move> moves = new ArrayList<>();
        for (String line : Files.readAllLines(journal, StandardCharsets.UTF_8)) {
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split("\t", -1);
            if (parts.length != 2) {
                throw new IOException(journal + ": a line is not \"from<TAB>to\": " + line);
            }
            moves.add(new Move(Path.of(parts[0]), Path.of(parts[1])));
        }
        return moves;
    }

    private Path abs(Path p) {
        Path resolved = p.isAbsolute() ? p : repository.resolve(p);
        Path normal = resolved.normalize();
        if (!normal.startsWith(repository)) {
            throw new IllegalArgumentException(p + " is outside the repository " + repository);
        }
        return normal;
    }

    private String rel(Path p) {
        return repository.relativize(abs(p)).toString();
    }

    private static boolean exists(Path p) {
        return Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    private static void rename(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writeSynced(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            channel.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(file.getParent());
    }

    /** Files' contents to disk before the renames that publish them, so that power loss cannot publish holes. */
    private static void syncTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.toList()) {
                if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    try (FileChannel channel = FileChannel.open(p, StandardOpenOption.WRITE)) {
                        channel.force(true);
                    }
                } else if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    syncDirectory(p);
                }
            }
        }
    }

    private void syncDirectories(List<Move> renames) {
        renames.stream().flatMap(m -> Stream.of(abs(m.from()).getParent(), abs(m.to()).getParent())).distinct()
                .forEach(RepositoryTransaction::syncDirectory);
    }

    /** A directory's entries to disk (Linux allows fsync on a directory opened for reading; others may not). */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (NoSuchFileException e) {
            // nothing left there to sync
        } catch (IOException e) {
            // not supported by this platform or file system: the renames stand, only their durability is weaker
        }
    }

    /** Deletes a tree; a file that cannot be deleted stays (hidden from the registry) and is retried at the next start. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(p);
                } catch (FileSystemException e) {
                    // read-only or busy: left for the next start
                }
            }
        } catch (IOException e) {
            // best effort, as above
        }
    }
}
