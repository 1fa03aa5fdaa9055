package dev.tern.kernel.replay;

import dev.tern.spi.replay.ReplayEvent;
import dev.tern.spi.replay.ReplayFilter.Delivery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The replay log format on its own: every kind round-trips; damaged and hostile files fail cleanly. */
class ReplayLogReaderTest {

    @TempDir
    Path dir;

    static final StateFingerprint STATE = new StateFingerprint(new int[] {1, 2, 3}, List.of("cpu/0", "clock/0"), new int[] {7, 8});

    static final List<LogEntry> ENTRIES = List.of(
            new LogEntry.Checkpoint(0, STATE),
            new LogEntry.Input(new Delivery(0, 0, "rtc", new ReplayEvent.HostClock(1_767_225_600_000_000_000L))),
            new LogEntry.Input(new Delivery(10, 0, "serial0", new ReplayEvent.CharInput("serial0", "hi".getBytes()))),
            new LogEntry.Input(new Delivery(10, 2, "machine", new ReplayEvent.ClockWarp(123_456))),
            new LogEntry.Input(new Delivery(11, 0, "net0", new ReplayEvent.NetFrame("net", new byte[60]))),
            new LogEntry.Input(new Delivery(12, 0, "blk0", new ReplayEvent.BlockCompletion("blk", 9, -5))),
            new LogEntry.Input(new Delivery(13, 1, "machine", new ReplayEvent.HostRequest(ReplayEvent.HostRequest.Kind.RESET, 0))));

    static final byte[] SNAPSHOT_STATE = "saved state at 10".getBytes();

    private Path write(List<LogEntry> entries, boolean end) throws Exception {
        Path p = dir.resolve("t.rr");
        var header = new ReplayLogHeader(ReplayLogCodec.FORMAT_VERSION, "1.2", "00", "ram=1\n", List.of("a", "b"), 1000, 10);
        try (var w = new ReplayLogWriter(p, header)) {
            for (LogEntry e : entries) {
                w.append(e);
                w.flush(); // one block per entry: damage tests can hit each
                if (e instanceof LogEntry.Input i && i.instructions() == 10 && i.delivery().haltRound() == 2) {
                    w.snapshot(10, out -> out.write(SNAPSHOT_STATE));
                }
            }
            if (end) {
                w.append(new LogEntry.End(20, "POWER_OFF: done", STATE));
            }
        }
        return p;
    }

    @Test
    void everyKindRoundTrips() throws Exception {
        var log = ReplayLogReader.read(write(ENTRIES, true));
        assertEquals(List.of("a", "b"), log.header().bootArguments());
        assertEquals(1000, log.header().checkpointInterval());
        assertEquals(ENTRIES.size(), log.entries().size());
        for (int i = 0; i < ENTRIES.size(); i++) {
            if (ENTRIES.get(i) instanceof LogEntry.Input in) {
                var got = ((LogEntry.Input) log.entries().get(i)).delivery();
                assertEquals(in.delivery().instructions(), got.instructions());
                assertEquals(in.delivery().haltRound(), got.haltRound());
                assertEquals(in.delivery().target(), got.target());
                assertEquals(ReplayLogCodec.kindName(in.delivery().event()), ReplayLogCodec.kindName(got.event()));
            } else {
                assertEquals(ENTRIES.get(i), log.entries().get(i));
            }
        }
        var chars = (ReplayEvent.CharInput) ((LogEntry.Input) log.entries().get(2)).delivery().event();
        assertArrayEquals("hi".getBytes(), chars.data());
        assertEquals(20, log.end().orElseThrow().instructions());
        assertTrue(log.truncation().isEmpty());
        assertEquals(10, log.header().snapshotInterval());
        assertEquals(1, log.snapshots().size());
        var snapshot = log.snapshots().getFirst();
        assertEquals(10, snapshot.instructions());
        assertEquals(SNAPSHOT_STATE.length, snapshot.stateBytes());
        try (var in = snapshot.state().open()) {
            assertArrayEquals(SNAPSHOT_STATE, in.readAllBytes(), "read back from the file, twice if need be");
        }
        try (var in = snapshot.state().open()) {
            assertArrayEquals(SNAPSHOT_STATE, in.readAllBytes());
        }
        assertEquals(snapshot, log.snapshotAtOrBefore(19).orElseThrow());
        assertTrue(log.snapshotAtOrBefore(9).isEmpty());
    }

    @Test
    void aCorruptSnapshotBlockIsRefusedNamingItsBlockAndOffset() throws Exception {
        Path p = write(ENTRIES, true);
        var snapshot = ReplayLogReader.read(p).snapshots().getFirst();
        byte[] b = Files.readAllBytes(p);
        b[(int) snapshot.offset() + ReplayLogCodec.frameBytes(ReplayLogCodec.FORMAT_VERSION) + 3] ^= 0x10;
        Files.write(p, b);
        var e = assertThrows(ReplayLogException.class, () -> ReplayLogReader.read(p));
        assertEquals(snapshot.offset(), e.offset());
        assertTrue(e.getMessage().contains("block " + snapshot.block() + " (an embedded snapshot) is corrupt: CRC32C"), e.getMessage());
    }

    /** Offsets of each block's frame, walked by the documented layout. */
    private static List<Integer> frames(byte[] b) {
        int frameBytes = ReplayLogCodec.frameBytes(ReplayLogCodec.FORMAT_VERSION);
        var at = new java.util.ArrayList<Integer>();
        for (int pos = ReplayLogCodec.MAGIC.length + 2; pos < b.length; pos += frameBytes + ByteBuffer.wrap(b, pos + 1, 4).getInt()) {
            at.add(pos);
        }
        return at;
    }

    /**
     * Every single-bit flip in a middle block's frame or payload is refused naming that block —
     * above all one in its length, which before the frame check could reach past the end of the
     * file and read as a recording cut short, ending the log there silently.
     */
    @Test
    void everyBitFlippedInAMiddleBlockIsRefusedNamingIt() throws Exception {
        byte[] clean = Files.readAllBytes(write(ENTRIES, true));
        var frames = frames(clean);
        int block = 3;
        int from = frames.get(block);
        int to = frames.get(block + 1);
        for (int at = from; at < to; at++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] b = clean.clone();
                b[at] ^= (byte) (1 << bit);
                var e = assertThrows(ReplayLogException.class, () -> ReplayLogReader.parse(b), "byte " + at + " bit " + bit);
                assertTrue(e.getMessage().startsWith("block " + block + " is corrupt: ") && e.offset() == from,
                        "byte " + at + " bit " + bit + ": " + e.getMessage());
            }
        }
    }

    /** A file cut anywhere inside its last block still reads as a recording killed mid-write: every block before it is kept. */
    @Test
    void aLogCutInsideItsLastBlockKeepsTheBlocksBefore() throws Exception {
        byte[] clean = Files.readAllBytes(write(ENTRIES, false));
        var frames = frames(clean);
        int last = frames.getLast();
        for (int cut = last + 1; cut < clean.length; cut++) {
            var log = ReplayLogReader.parse(java.util.Arrays.copyOf(clean, cut));
            assertEquals(ENTRIES.size() - 1, log.entries().size(), "cut at " + cut);
            assertTrue(log.truncation().orElseThrow().contains("block " + (frames.size() - 1) + " at offset " + last)
                    || log.truncation().orElseThrow().contains("the last block at offset " + last), log.truncation().orElseThrow());
        }
    }

    @Test
    void aSnapshotOutOfInstructionOrderIsRefused() throws Exception {
        Path p = dir.resolve("order.rr");
        var header = new ReplayLogHeader(ReplayLogCodec.FORMAT_VERSION, "1.2", "00", "ram=1\n", List.of(), 0, 5);
        try (var w = new ReplayLogWriter(p, header)) {
            w.append(new LogEntry.Checkpoint(20, STATE));
            w.snapshot(15, out -> out.write(SNAPSHOT_STATE));
        }
        var e = assertThrows(ReplayLogException.class, () -> ReplayLogReader.read(p));
        assertTrue(e.getMessage().contains("block 2 (an embedded snapshot): instruction count 15 goes back from 20"), e.getMessage());
    }

    @Test
    void aVersion1LogHasNoSnapshotsAndCannotTakeOne() throws Exception {
        Path p = dir.resolve("v1.rr");
        var header = new ReplayLogHeader(1, "1.2", "00", "ram=1\n", List.of(), 1000, 0);
        try (var w = new ReplayLogWriter(p, header)) {
            w.append(new LogEntry.Checkpoint(0, STATE));
            assertThrows(IllegalStateException.class, () -> w.snapshot(10, out -> out.write(SNAPSHOT_STATE)));
        }
        var log = ReplayLogReader.read(p);
        assertEquals(1, log.header().formatVersion());
        assertEquals(0, log.header().snapshotInterval());
        assertTrue(log.snapshots().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> new ReplayLogHeader(1, "1.2", "00", "", List.of(), 0, 5));
    }

    @Test
    void anInstructionCountGoingBackIsRefusedNamingTheEntry() throws Exception {
        var entries = List.<LogEntry>of(new LogEntry.Checkpoint(100, STATE), new LogEntry.Checkpoint(50, STATE));
        var e = assertThrows(ReplayLogException.class, () -> ReplayLogReader.read(write(entries, false)));
        assertTrue(e.getMessage().contains("block 2 entry 0 (log entry 1): instruction count 50 goes back from 100"), e.getMessage());
    }

    @Test
    void anUnsupportedVersionIsRefused() throws Exception {
        byte[] b = Files.readAllBytes(write(ENTRIES, true));
        b[9] = 9;
        var e = assertThrows(ReplayLogException.class, () -> ReplayLogReader.parse(b));
        assertTrue(e.getMessage().contains("format version 9 is not supported"), e.getMessage());
    }

    /**
     * Random damage with the CRCs made valid again (a hostile file, not line noise): the reader
     * either accepts the file or refuses it with a ReplayLogException — never another exception.
     */
    @Test
    void hostileContentWithValidCrcsFailsOnlyWithReplayLogException() throws Exception {
        byte[] clean = Files.readAllBytes(write(ENTRIES, true));
        var rnd = new Random(20261206);
        int refused = 0;
        for (int round = 0; round < 20_000; round++) {
            byte[] b = clean.clone();
            int flips = 1 + rnd.nextInt(4);
            for (int i = 0; i < flips; i++) {
                int at = 10 + rnd.nextInt(b.length - 10);
                b[at] = (byte) rnd.nextInt(256);
            }
            fixCrcs(b);
            try {
                ReplayLogReader.parse(b);
            } catch (ReplayLogException expected) {
                refused++;
                assertTrue(expected.getMessage().contains("offset") || expected.offset() < 0, expected.getMessage());
            } catch (RuntimeException | OutOfMemoryError e) {
                fail("round " + round + ": " + e, e);
            }
        }
        assertTrue(refused > 1000, "only " + refused + " of 20000 damaged logs were refused");
    }

    /** Recomputes each block's CRCs (by the version the file names) where its frame is intact enough to find. */
    static void fixCrcs(byte[] b) {
        int pos = ReplayLogCodec.MAGIC.length + 2;
        if (b.length < pos) {
            return;
        }
        int version = ((b[pos - 2] & 0xff) << 8) | (b[pos - 1] & 0xff);
        int frameBytes = ReplayLogCodec.frameBytes(version);
        while (pos + frameBytes <= b.length) {
            long len = ByteBuffer.wrap(b, pos + 1, 4).getInt() & 0xffffffffL;
            if (pos + frameBytes + len > b.length) {
                return;
            }
            System.arraycopy(ReplayLogCodec.frame(version, b[pos] & 0xff, java.util.Arrays.copyOfRange(b, pos + frameBytes,
                    pos + frameBytes + (int) len), (int) len), 0, b, pos, frameBytes);
            pos += frameBytes + (int) len;
        }
    }
}
