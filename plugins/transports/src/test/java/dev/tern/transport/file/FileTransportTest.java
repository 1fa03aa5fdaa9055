package dev.tern.transport.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tern.spi.ConfigException;
import dev.tern.spi.transport.Connection;
import dev.tern.testkit.codec.ProviderConfig;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTransportTest {

    @TempDir
    Path dir;

    private final FileTransportProvider provider = new FileTransportProvider();

    @Test
    void aCompleteStreamReplacesAnExistingFile() throws IOException {
        Path file = Files.write(dir.resolve("old.bin"), new byte[10_000]);
        try (Connection c = provider.connect(file.toString(), ProviderConfig.defaults(provider))) {
            c.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            assertEquals(10_000, Files.size(file), "the old file stays whole while the new one is written");
        }
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file));
        assertEquals(List.of(file), listDir(), "no partial file is left beside it");
    }

    @Test
    void anAbortedStreamLeavesNoFileAndThePreviousOneIntact() throws IOException {
        byte[] previous = {9, 8, 7};
        Path existing = Files.write(dir.resolve("kept.bin"), previous);
        Path fresh = dir.resolve("never.bin");
        for (Path file : List.of(existing, fresh)) {
            Connection c = provider.connect(file.toString(),
                    ProviderConfig.of(provider, Map.of("buffer-size", "4K")));
            c.write(ByteBuffer.wrap(new byte[100_000])); // more than the buffer: bytes reach the disk
            c.abort();
            c.abort(); // idempotent
            c.close(); // and a close after it commits nothing
        }
        assertArrayEquals(previous, Files.readAllBytes(existing));
        assertFalse(Files.exists(fresh));
        assertEquals(List.of(existing), listDir(), "the partial files are gone");
    }

    @Test
    void abortAfterCloseKeepsTheCompleteFile() throws IOException {
        Path file = dir.resolve("done.bin");
        Connection c = provider.connect(file.toString(), ProviderConfig.defaults(provider));
        c.write(ByteBuffer.wrap(new byte[] {4, 5}));
        c.close();
        c.abort();
        assertArrayEquals(new byte[] {4, 5}, Files.readAllBytes(file));
    }

    @Test
    void aFullDeviceIsAnErrorNamingThePathAndTheCause() throws IOException {
        Path full = Path.of("/dev/full");
        assumeTrue(Files.exists(full), "no /dev/full on this host");
        Connection c = provider.connect(full.toString(), ProviderConfig.of(provider, Map.of("fsync", "off")));
        IOException e = assertThrows(IOException.class, () -> {
            c.write(ByteBuffer.wrap(new byte[2 << 20])); // beyond the 1M buffer: written now
            c.close();
        });
        assertTrue(e.getMessage().contains("file:/dev/full") && e.getMessage().contains("No space left on device"),
                e.getMessage());
        c.abort();
        assertFalse(Files.isRegularFile(full), "a device is written in place, never replaced by a rename");
    }

    private List<Path> listDir() throws IOException {
        try (var files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    @Test
    void bufferedBytesReachTheFileOnCloseWithAndWithoutFsync() throws IOException {
        for (String fsync : new String[] {"on", "off"}) {
            Path file = dir.resolve("out-" + fsync + ".bin");
            byte[] data = new byte[10_000];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 31);
            }
            try (Connection c = provider.connect(file.toString(),
                    ProviderConfig.of(provider, Map.of("fsync", fsync, "buffer-size", "4K")))) {
                for (int off = 0; off < data.length; off += 777) {
                    c.write(ByteBuffer.wrap(data, off, Math.min(777, data.length - off)));
                }
                c.write(ByteBuffer.allocateDirect(0));
            }
            assertArrayEquals(data, Files.readAllBytes(file), fsync);
        }
    }

    @Test
    void aFileIsAcceptedOnlyOnce() throws IOException {
        Path file = Files.write(dir.resolve("once.bin"), new byte[] {5});
        try (FileListener listener = provider.listen(file.toString(), ProviderConfig.defaults(provider));
             Connection c = listener.accept()) {
            assertFalse(c.isBidirectional());
            assertTrue(c.returnPath().isEmpty());
            IOException e = assertThrows(IOException.class, listener::accept);
            assertTrue(e.getMessage().contains("once"), e.getMessage());
            ByteBuffer b = ByteBuffer.allocate(4);
            assertEquals(1, c.read(b));
            assertEquals(-1, c.read(b));
        }
    }

    @Test
    void missingFileIsNamedOnAccept() throws IOException {
        Path missing = dir.resolve("missing.bin");
        try (FileListener listener = provider.listen(missing.toString(), ProviderConfig.defaults(provider))) {
            IOException e = assertThrows(IOException.class, listener::accept);
            assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("no such file"),
                    e.getMessage());
        }
    }

    @Test
    void bufferSizeOutOfRangeIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> provider.connect(dir.resolve("x").toString(),
                ProviderConfig.of(provider, Map.of("buffer-size", "1K"))));
        assertTrue(e.getMessage().contains("buffer-size"), e.getMessage());
    }
}
