package dev.tern.kernel.state;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A saved-state stream that can be read more than once: {@link SnapshotLoader} verifies the whole
 * stream in a first pass and applies it in a second, so RAM need not be buffered in the heap.
 */
@FunctionalInterface
public interface StateSource {

    /** Opens the stream from its beginning. */
    InputStream open() throws IOException;

    /** A stream held in memory. */
    static StateSource of(byte[] bytes) {
        byte[] copy = bytes.clone();
        return () -> new ByteArrayInputStream(copy);
    }

    /** A snapshot file. */
    static StateSource of(Path file) {
        return () -> Files.newInputStream(file);
    }
}
