package dev.tern.kernel.monitor;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.SnapshotFiles;
import dev.tern.kernel.progress.Progress;
import dev.tern.kernel.state.StateSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Named snapshots as files {@code NAME.tern} in one directory — what {@code savevm}, {@code loadvm},
 * {@code delvm} and {@code info snapshots} work on. Snapshot bytes travel through the {@code file}
 * transport ({@link SnapshotFiles}); this class only names, lists and deletes. Names are restricted
 * so that a name can never reach outside the directory.
 */
public final class SnapshotStore {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final String SUFFIX = ".tern";

    private final Path dir;
    /** Null until first needed when the store was made without one: listing needs no transport. */
    private SnapshotFiles files;

    /** Snapshots in {@code dir}, through the file transport found on the class path (looked up on first use). */
    public SnapshotStore(Path dir) {
        this.dir = dir;
    }

    /** Snapshots in {@code dir}, through {@code files}. */
    public SnapshotStore(Path dir, SnapshotFiles files) {
        this.dir = dir;
        this.files = Objects.requireNonNull(files, "files");
    }

    /** Saves {@code machine} (not running) as snapshot {@code name}, RAM progress going to {@code bar}. */
    public void save(String name, Machine machine, Progress bar) throws IOException {
        files().save(machine, fileForWriting(name), bar);
    }

    /** Snapshot {@code name} as a source for loading. */
    public StateSource source(String name) {
        return files().source(existing(name));
    }

    private synchronized SnapshotFiles files() {
        if (files == null) {
            files = SnapshotFiles.onClassPath();
        }
        return files;
    }

    /** A snapshot's listing entry. */
    public record Entry(String name, long bytes, Instant saved) {
    }

    /** The file of snapshot {@code name}. */
    public Path file(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("snapshot name '" + name
                    + "' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return dir.resolve(name + SUFFIX);
    }

    /** The file to write snapshot {@code name} to (creates the directory). */
    public Path fileForWriting(String name) throws IOException {
        Path f = file(name);
        Files.createDirectories(dir);
        return f;
    }

    /** The existing file of snapshot {@code name}. */
    public Path existing(String name) {
        Path f = file(name);
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException("no snapshot named '" + name + "' in " + dir);
        }
        return f;
    }

    /** Deletes snapshot {@code name}. */
    public void delete(String name) throws IOException {
        Files.delete(existing(name));
    }

    /** All snapshots, by name. */
    public List<Entry> list() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        var out = new ArrayList<Entry>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                String f = p.getFileName().toString();
                if (f.endsWith(SUFFIX) && Files.isRegularFile(p)) {
                    out.add(new Entry(f.substring(0, f.length() - SUFFIX.length()), Files.size(p),
                            Files.getLastModifiedTime(p).toInstant()));
                }
            }
        }
        return out;
    }

    public Path directory() {
        return dir;
    }
}
