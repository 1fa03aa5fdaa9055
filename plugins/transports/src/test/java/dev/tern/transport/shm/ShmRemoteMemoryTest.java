package dev.tern.transport.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.spi.transport.RemoteMemoryConnection;
import dev.tern.testkit.codec.ProviderConfig;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.FutureTask;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory side of shm: exposure, registration, one-sided writes, zero chunks, flush accounting. */
class ShmRemoteMemoryTest {

    private static final long MIB = RemoteMemoryConnection.CHUNK_SIZE;
    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    private final ShmTransportProvider provider = new ShmTransportProvider();
    private ShmListener listener;
    private ShmConnection source;
    private ShmConnection destination;
    private Arena guestRam;

    @BeforeEach
    void connect() throws IOException {
        var config = ProviderConfig.of(provider, Map.of("dir", dir.toString()));
        listener = provider.listen("unix:" + dir.resolve("ctl.sock"), config);
        source = provider.connect(listener.address().substring(4), config);
        destination = listener.accept();
        guestRam = Arena.ofShared();
    }

    @AfterEach
    void close() throws IOException {
        source.close();
        destination.close();
        listener.close();
        guestRam.close();
    }

    @Test
    void pagesWrittenOneSidedArriveAndZeroChunksAreOnlyAnnounced() throws Exception {
        long size = 8 * MIB;
        MemorySegment ram = destination.expose("pc.ram", size, guestRam);
        assertEquals(size, ram.byteSize());
        FutureTask<Integer> registration = new FutureTask<>(() -> source.register("pc.ram", size));
        Thread.ofPlatform().start(registration);
        // The destination answers while it reads its stream; the source then sends one byte.
        FutureTask<Integer> destinationRead = new FutureTask<>(() -> destination.read(ByteBuffer.allocate(1)));
        Thread.ofPlatform().start(destinationRead);
        int region = registration.get();

        MemorySegment model = Arena.ofAuto().allocate(size);
        SplittableRandom random = new SplittableRandom(4);
        for (long page = 0; page < size / PAGE; page++) {
            long chunk = page * PAGE / MIB;
            // Chunks 2 and 5 stay entirely zero; elsewhere every third page is zero.
            if (chunk == 2 || chunk == 5 || page % 3 == 0) {
                continue;
            }
            byte[] bytes = new byte[PAGE];
            random.nextBytes(bytes);
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, model, page * PAGE, PAGE);
        }
        for (long page = 0; page < size / PAGE; page++) {
            source.write(region, page * PAGE, model.asSlice(page * PAGE, PAGE));
        }
        source.flush();
        source.write(ByteBuffer.wrap(new byte[] {1}));
        assertEquals(1, destinationRead.get());

        assertEquals(-1, ram.mismatch(model), "destination RAM differs from what the source wrote");
        ShmStats sent = source.sent();
        long zeroPages = size / PAGE - countNonZeroPages(model);
        assertEquals(zeroPages * PAGE, sent.bytesZeroSkipped(), "every zero page of a first pass is only announced");
        assertEquals(size - zeroPages * PAGE, sent.bytesWritten());
        assertEquals(0, sent.bytesZeroFilled());
        assertEquals(new ShmStats(sent.bytesWritten(), sent.bytesZeroSkipped(), 0, 1), destination.received());
    }

    @Test
    void aZeroChunkIsNotWrittenButZerosOverWrittenDataAre() throws Exception {
        MemorySegment ram = destination.expose("ram", 4 * MIB, guestRam);
        // Break the rule "the owner leaves an exposed region alone" only to observe the skip.
        ram.set(ValueLayout.JAVA_BYTE, 100, (byte) 0x5a);
        int region = registerWhileDestinationReads("ram", 4 * MIB);
        MemorySegment zeros = Arena.ofAuto().allocate(MIB);
        source.write(region, 0, zeros);
        assertEquals(0x5a, ram.get(ValueLayout.JAVA_BYTE, 100), "a zero chunk into a pristine chunk is not written");

        MemorySegment data = Arena.ofAuto().allocate(PAGE).fill((byte) 7);
        source.write(region, MIB + PAGE, data);
        assertEquals(7, ram.get(ValueLayout.JAVA_BYTE, MIB + PAGE));
        source.write(region, MIB + PAGE, zeros.asSlice(0, PAGE));
        assertEquals(0, ram.get(ValueLayout.JAVA_BYTE, MIB + PAGE), "zeros over written data must be written");
        assertEquals(new ShmStats(2L * PAGE, MIB, PAGE, 0), source.sent());
        // A zero chunk over chunk 1, where one page was touched: that page is cleared, the rest skipped.
        source.write(region, MIB + PAGE, data);
        source.write(region, MIB, zeros);
        assertEquals(0, ram.get(ValueLayout.JAVA_BYTE, MIB + PAGE));
        assertEquals(new ShmStats(4L * PAGE, 2 * MIB - PAGE, 2L * PAGE, 0), source.sent());
    }

    @Test
    void writesSpanningChunksAreSplitAtChunkBoundaries() throws Exception {
        MemorySegment ram = destination.expose("ram", 4 * MIB, guestRam);
        int region = registerWhileDestinationReads("ram", 4 * MIB);
        MemorySegment src = Arena.ofAuto().allocate(2 * MIB);
        src.asSlice(MIB + 5, 10).fill((byte) 1);
        source.write(region, MIB / 2, src);
        assertEquals(-1, ram.asSlice(MIB / 2, 2 * MIB).mismatch(src));
        // Pieces: [0.5M,1M) zero, [1M,2M) has data, [2M,2.5M) zero; everything was pristine before.
        assertEquals(new ShmStats(MIB, MIB, 0, 0), source.sent());
        // Again, all zero: the data piece was copied whole, so all its pages are cleared; the rest skipped.
        source.write(region, MIB / 2, Arena.ofAuto().allocate(2 * MIB));
        assertEquals(new ShmStats(2 * MIB, 2 * MIB, MIB, 0), source.sent());
        assertEquals(-1, ram.asSlice(0, 4 * MIB).mismatch(Arena.ofAuto().allocate(4 * MIB)));
    }

    @Test
    void registrationOfAnUnknownOrMisSizedRegionFailsByName() throws Exception {
        destination.expose("ram", MIB, guestRam);
        FutureTask<Integer> reader = new FutureTask<>(() -> destination.read(ByteBuffer.allocate(1)));
        Thread.ofPlatform().start(reader);
        IOException unknown = assertThrows(IOException.class, () -> source.register("vram", MIB));
        assertTrue(unknown.getMessage().contains("'vram'"), unknown.getMessage());
        IOException size = assertThrows(IOException.class, () -> source.register("ram", 2 * MIB));
        assertTrue(size.getMessage().contains("not " + 2 * MIB), size.getMessage());
        source.close();
        assertEquals(-1, reader.get());
    }

    @Test
    void writesOutsideTheRegionOrToUnknownIdsAreRefused() throws Exception {
        destination.expose("ram", MIB, guestRam);
        int region = registerWhileDestinationReads("ram", MIB);
        MemorySegment page = Arena.ofAuto().allocate(PAGE);
        assertThrows(IndexOutOfBoundsException.class, () -> source.write(region, MIB - PAGE + 1, page));
        assertThrows(IndexOutOfBoundsException.class, () -> source.write(region, -1, page));
        assertThrows(IndexOutOfBoundsException.class, () -> source.write(region, Long.MAX_VALUE, page));
        assertThrows(IllegalArgumentException.class, () -> source.write(region + 1, 0, page));
        assertEquals(region, registerWhileDestinationReads("ram", MIB), "registering again returns the same id");
    }

    @Test
    void exposureChecksNamesAndSizes() throws IOException {
        destination.expose("ram", MIB, guestRam);
        assertThrows(IllegalArgumentException.class, () -> destination.expose("ram", MIB, guestRam));
        assertThrows(IllegalArgumentException.class, () -> destination.expose("../etc", MIB, guestRam));
        assertThrows(IllegalArgumentException.class, () -> destination.expose("", MIB, guestRam));
        assertThrows(IllegalArgumentException.class, () -> destination.expose("x", 0, guestRam));
    }

    @Test
    void regionFilesArePrivateAndDeletedOnCloseWhileTheMappingLives() throws IOException {
        MemorySegment ram = destination.expose("ram", MIB, guestRam);
        List<Path> files = regionFiles();
        assertEquals(1, files.size());
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(files.get(0))));
        destination.close();
        assertTrue(regionFiles().isEmpty());
        ram.set(ValueLayout.JAVA_LONG, 8, 42L);
        assertEquals(42L, ram.get(ValueLayout.JAVA_LONG, 8), "the guest RAM mapping belongs to its arena");
    }

    @Test
    void memoryOperationsAfterShutdownOrCloseFail() throws Exception {
        destination.expose("ram", MIB, guestRam);
        int region = registerWhileDestinationReads("ram", MIB);
        source.shutdownOutput();
        assertThrows(IOException.class, () -> source.write(region, 0, Arena.ofAuto().allocate(8)));
        assertThrows(IOException.class, source::flush);
        source.close();
        assertFalse(source.isOpen());
        assertThrows(java.nio.channels.ClosedChannelException.class, () -> source.register("ram", MIB));
    }

    private int registerWhileDestinationReads(String name, long size) throws Exception {
        FutureTask<Integer> reader = new FutureTask<>(() -> destination.read(ByteBuffer.allocate(1)));
        Thread.ofPlatform().start(reader);
        int id = source.register(name, size);
        source.write(ByteBuffer.wrap(new byte[] {9}));
        assertEquals(1, reader.get());
        return id;
    }

    private List<Path> regionFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("tern-shm-")).toList();
        }
    }

    private static long countNonZeroPages(MemorySegment m) {
        MemorySegment zero = Arena.ofAuto().allocate(PAGE);
        long n = 0;
        for (long off = 0; off < m.byteSize(); off += PAGE) {
            if (m.asSlice(off, PAGE).mismatch(zero) >= 0) {
                n++;
            }
        }
        return n;
    }
}
