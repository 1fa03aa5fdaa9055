package dev.tern.transport.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.tern.testkit.codec.ProviderConfig;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two real processes: a source JVM writes into the RAM this (destination) process exposed. */
class ShmCrossProcessTest {

    private static final long SIZE = 16L << 20;

    @TempDir
    Path dir;

    @Test
    void anotherProcessWritesOurGuestRamOneSided() throws Exception {
        ShmTransportProvider provider = new ShmTransportProvider();
        var config = ProviderConfig.of(provider, Map.of("dir", dir.toString()));
        Path log = dir.resolve("source-stderr.txt");
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (ShmListener listener = provider.listen("unix:" + dir.resolve("ctl.sock"), config);
                 Arena ram = Arena.ofShared()) {
                Process source = new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElse("java"),
                        "-cp", System.getProperty("java.class.path"), ShmSourceProcess.class.getName(),
                        listener.address().substring(4), dir.toString(), Long.toString(SIZE)))
                        .redirectError(log.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                source.onExit().thenRun(() -> {
                    try {
                        listener.close();
                    } catch (java.io.IOException ignored) {
                        // accept() then fails and the exit status below explains why.
                    }
                });
                MemorySegment guest;
                try (ShmConnection destination = listener.accept()) {
                    guest = destination.expose("pc.ram", SIZE, ram);
                    ByteBuffer stream = ByteBuffer.allocate(4);
                    assertEquals(1, destination.read(stream));
                    assertEquals(-1, destination.read(stream));
                    ShmStats got = destination.received();
                    assertEquals(SIZE / 4, got.bytesZeroSkipped());
                    assertEquals(SIZE - SIZE / 4, got.bytesWritten());
                    assertEquals(1, got.flushes());
                }
                assertEquals(0, source.waitFor(), () -> "source process failed: " + read(log));
                MemorySegment expected = Arena.ofAuto().allocate(RemoteRegion.PAGE);
                for (long p = 0; p < SIZE / RemoteRegion.PAGE; p++) {
                    ShmSourceProcess.pattern(expected, p);
                    long page = p;
                    assertEquals(-1, guest.asSlice(p * RemoteRegion.PAGE, RemoteRegion.PAGE).mismatch(expected),
                            () -> "page " + page);
                }
            }
        });
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            return "(no log)";
        }
    }
}
