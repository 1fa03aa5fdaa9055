package dev.tern.transport.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.spi.ConfigException;
import dev.tern.spi.transport.Connection;
import dev.tern.testkit.codec.ProviderConfig;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTransportTest {

    @TempDir
    Path dir;

    private final FileTransportProvider provider = new FileTransportProvider();

    @Test
    void connectTruncatesAnExistingFile() throws IOException {
        Path file = Files.write(dir.resolve("old.bin"), new byte[10_000]);
        try (Connection c = provider.connect(file.toString(), ProviderConfig.defaults(provider))) {
            c.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        }
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file));
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
