package dev.tern.transport.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.spi.Config;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.Listener;
import dev.tern.testkit.codec.ProviderConfig;
import dev.tern.testkit.transport.SeededStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real shell commands: gzip round trips, failing commands and commands that stop reading. */
class ExecTransportTest {

    private final ExecTransportProvider exec = new ExecTransportProvider();
    private final Config defaults = ProviderConfig.defaults(exec);

    @TempDir
    Path dir;

    @Test
    void streamRoundTripsThroughGzip() throws Exception {
        Path gz = dir.resolve("vm.gz");
        SeededStream stream = new SeededStream(8L << 20, 42);
        SeededStream.Digest sent;
        try (Connection out = exec.connect("gzip -c > " + gz, defaults)) {
            sent = stream.writeTo(out);
        }
        assertTrue(Files.size(gz) > 0);
        try (Listener listener = exec.listen("gzip -dc " + gz, defaults); Connection in = listener.accept()) {
            assertEquals(sent, SeededStream.readFrom(in, Long.MAX_VALUE));
            assertEquals(-1, in.read(ByteBuffer.allocate(1)));
        }
    }

    @Test
    void aCorruptInputFailsTheReadInsteadOfEndingShort() throws Exception {
        Path gz = dir.resolve("vm.gz");
        try (Connection out = exec.connect("gzip -c > " + gz, defaults)) {
            new SeededStream(1 << 20, 7).writeTo(out);
        }
        byte[] bytes = Files.readAllBytes(gz);
        Files.write(gz, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        try (Listener listener = exec.listen("gzip -dc " + gz, defaults); Connection in = listener.accept()) {
            IOException e = assertThrows(IOException.class, () -> SeededStream.readFrom(in, Long.MAX_VALUE));
            assertTrue(e.getMessage().contains("exec:gzip -dc " + gz) && e.getMessage().contains("exit status 1")
                    && e.getMessage().contains("unexpected end of file"), e.getMessage());
        }
    }

    @Test
    void aFailingWriterCommandFailsTheClose() throws Exception {
        Connection out = exec.connect("cat > /dev/null; echo disk full >&2; exit 3", defaults);
        out.write(ByteBuffer.wrap(new byte[100]));
        IOException e = assertThrows(IOException.class, out::close);
        assertTrue(e.getMessage().contains("exit status 3: disk full"), e.getMessage());
    }

    @Test
    void aCommandThatStopsReadingFailsTheWriter() throws Exception {
        try (Connection out = exec.connect("head -c 10 > /dev/null", defaults)) {
            IOException e = assertThrows(IOException.class, () -> new SeededStream(1L << 30, 3).writeTo(out));
            assertTrue(e.getMessage().contains("stopped reading its input"), e.getMessage());
        } catch (IOException closeFailure) {
            // head exits 0 after its 10 bytes; the close may report nothing more or the broken pipe
        }
    }

    @Test
    void aCommandThatNeverExitsIsKilledAfterTheExitTimeout() throws Exception {
        Config shortWait = ProviderConfig.of(exec, Map.of(ExecTransportProvider.EXIT_TIMEOUT, "200ms"));
        Connection out = exec.connect("cat > /dev/null; exec sleep 600", shortWait);
        IOException e = assertThrows(IOException.class, out::close);
        assertTrue(e.getMessage().contains("did not exit within"), e.getMessage());
    }
}
