package dev.tern.transport.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.tern.testkit.codec.ProviderConfig;
import dev.tern.testkit.transport.SeededStream;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.FutureTask;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stream bytes, registrations, one-sided writes and a return stream all at once: registration
 * answers and stream frames interleave on the socket, and whichever thread is reading must hand
 * each to its owner. Bounded: 8 MiB each way, 4 regions.
 */
class ShmConcurrencyTest {

    private static final long REGION = 2L << 20;
    private static final int REGIONS = 4;

    @TempDir
    Path dir;

    @Test
    void registrationsAndMemoryWritesInterleaveWithStreamsBothWays() throws Exception {
        ShmTransportProvider provider = new ShmTransportProvider();
        var config = ProviderConfig.of(provider, Map.of("dir", dir.toString()));
        SeededStream forth = new SeededStream(8L << 20, 1);
        SeededStream back = new SeededStream(8L << 20, 2);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (ShmListener listener = provider.listen("unix:" + dir.resolve("c.sock"), config);
                 ShmConnection source = provider.connect(listener.address().substring(4), config);
                 ShmConnection destination = listener.accept();
                 Arena ram = Arena.ofShared()) {
                List<MemorySegment> regions = new ArrayList<>();
                for (int r = 0; r < REGIONS; r++) {
                    regions.add(destination.expose("ram" + r, REGION, ram));
                }
                // The destination reads until the source completes: it must, to answer registrations.
                FutureTask<SeededStream.Digest> readForth = start(() -> SeededStream.readFrom(destination, Long.MAX_VALUE));
                FutureTask<SeededStream.Digest> streamForth = start(() -> forth.writeTo(source));
                FutureTask<SeededStream.Digest> streamBack = start(() -> back.writeTo(destination));
                FutureTask<SeededStream.Digest> readBack = start(() -> SeededStream.readFrom(source, back.length()));
                FutureTask<Void> memory = start(() -> {
                    MemorySegment page = Arena.ofAuto().allocate(RemoteRegion.PAGE);
                    for (int r = 0; r < REGIONS; r++) {
                        int id = source.register("ram" + r, REGION);
                        for (long off = 0; off < REGION; off += RemoteRegion.PAGE) {
                            page.set(ValueLayout.JAVA_LONG, 0, r * REGION + off + 1);
                            source.write(id, off, page);
                        }
                        source.flush();
                    }
                    return null;
                });
                SeededStream.Digest sentForth = streamForth.get();
                memory.get();
                source.shutdownOutput();
                assertEquals(sentForth, readForth.get());
                assertEquals(streamBack.get(), readBack.get());
                for (int r = 0; r < REGIONS; r++) {
                    for (long off = 0; off < REGION; off += RemoteRegion.PAGE) {
                        assertEquals(r * REGION + off + 1, regions.get(r).get(ValueLayout.JAVA_LONG, off));
                    }
                }
                assertEquals(new ShmStats(REGIONS * REGION, 0, 0, REGIONS), destination.received());
            }
        });
    }

    private static <T> FutureTask<T> start(java.util.concurrent.Callable<T> task) {
        FutureTask<T> f = new FutureTask<>(task);
        Thread.ofPlatform().daemon().start(f);
        return f;
    }
}
