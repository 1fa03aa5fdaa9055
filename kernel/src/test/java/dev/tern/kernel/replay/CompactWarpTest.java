package dev.tern.kernel.replay;

import dev.tern.spi.replay.ReplayEvent;
import dev.tern.spi.replay.ReplayFilter.Delivery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Version 3's compact clock warps: an idle guest's warps round-trip exactly at a few bytes each,
 * the writer batches an idle guest's blocks, and hostile compact entries are refused precisely.
 */
class CompactWarpTest {

    @TempDir
    Path dir;

    /**
     * What an idle Debian guest logs per timer tick under realtime pacing (measured): a warp to the
     * next tick a few thousand instructions on, then one PIT period (838 ns) one instruction and
     * one halt round later.
     */
    static List<LogEntry> idleTicks(int ticks, long startNanos) {
        var out = new ArrayList<LogEntry>();
        var rnd = new Random(14);
        long n = 1_000_000;
        long t = startNanos;
        for (int i = 0; i < ticks; i++) {
            n += 2048 + rnd.nextInt(6000);
            t += i % 7 == 0 ? 3_998_552 : 3_999_390;
            out.add(warp(n, 0, t));
            n += 1;
            t += 838;
            out.add(warp(n, 1, t));
        }
        return out;
    }

    static LogEntry warp(long instructions, int round, long nanos) {
        return new LogEntry.Input(new Delivery(instructions, round, "machine", new ReplayEvent.ClockWarp(nanos)));
    }

    private static ReplayLogHeader header(int version) {
        return new ReplayLogHeader(version, "1.4", "00", "ram=1\n", List.of(), 0, 0);
    }

    private Path write(int version, List<LogEntry> entries, int perBlock) throws Exception {
        Path p = dir.resolve("v" + version + ".rr");
        try (var w = new ReplayLogWriter(p, header(version))) {
            int i = 0;
            for (LogEntry e : entries) {
                w.append(e);
                if (++i % perBlock == 0) {
                    w.flush();
                }
            }
        }
        return p;
    }

    /** Every field of every entry, comparable (Delivery holds events whose byte arrays compare by identity). */
    private static List<String> described(List<LogEntry> entries) {
        return entries.stream().map(e -> switch (e) {
            case LogEntry.Input i -> {
                var d = i.delivery();
                String event = switch (d.event()) {
                    case ReplayEvent.CharInput c -> "char " + c.backend() + " " + new String(c.data());
                    case ReplayEvent.ClockWarp w -> "warp " + w.nanos();
                    default -> d.event().toString();
                };
                yield d.instructions() + "/" + d.haltRound() + " " + d.target() + " " + event;
            }
            default -> e.getClass().getSimpleName() + " " + e.instructions();
        }).toList();
    }

    @Test
    void idleWarpsRoundTripExactlyAtAFewBytesEach() throws Exception {
        var entries = new ArrayList<>(idleTicks(1000, 40_000_000_000L));
        long last = entries.getLast().instructions();
        // the coding's edges: another target, a warp going back, a long halt round, a typed byte, a checkpoint
        entries.add(new LogEntry.Input(new Delivery(last, 2, "pit", new ReplayEvent.ClockWarp(1))));
        entries.add(warp(last + 1, 7, 5));
        entries.add(warp(last + 2, 1_000_000, 44_000_000_000L));
        entries.add(new LogEntry.Input(new Delivery(last + 3, 0, "serial0", new ReplayEvent.CharInput("serial0", "ls\n".getBytes()))));
        entries.add(new LogEntry.Checkpoint(last + 4, ReplayLogReaderTest.STATE));
        entries.add(warp(last + 4, 0, 44_004_000_000L));
        entries.add(warp(Long.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE));

        Path v3 = write(3, entries, 700); // blocks end mid-run: each decodes on its own
        var log = ReplayLogReader.read(v3);
        assertEquals(3, log.header().formatVersion());
        assertEquals(described(entries), described(log.entries()));
        Path v2 = write(2, entries, 700);
        assertEquals(described(entries), described(ReplayLogReader.read(v2).entries()), "version 2 logs still read");

        long idleBytes = Files.size(write(3, idleTicks(1000, 40_000_000_000L), Integer.MAX_VALUE))
                - Files.size(write(3, idleTicks(0, 0), Integer.MAX_VALUE));
        long v2Bytes = Files.size(write(2, idleTicks(1000, 40_000_000_000L), Integer.MAX_VALUE))
                - Files.size(write(2, idleTicks(0, 0), Integer.MAX_VALUE));
        assertTrue(idleBytes < 2 * 1000 * 3, "2000 idle warps take " + idleBytes + " bytes (version 2: " + v2Bytes + ")");
        assertTrue(v2Bytes > 6 * idleBytes, "version 2: " + v2Bytes + " bytes, version 3: " + idleBytes);
    }

    @Test
    void anIdleGuestsWarpsGoOutOnceASecondAndAnythingElseAtTheNextIdle() throws Exception {
        long[] now = {0};
        Path p = dir.resolve("idle.rr");
        try (var w = new ReplayLogWriter(p, header(3), () -> now[0])) {
            long blocks = w.blocks();
            for (LogEntry e : idleTicks(200, 1)) {
                w.append(e);
                w.idle();
                now[0] += 5_000_000; // 5 ms of host time per warp
            }
            assertEquals(blocks + 1, w.blocks(), "400 warps over 2 s of host time: one block, written at the 1 s mark");
            w.idle();
            assertEquals(blocks + 1, w.blocks(), "nothing new");
            w.append(new LogEntry.Input(new Delivery(1L << 40, 0, "serial0", new ReplayEvent.CharInput("serial0", new byte[] {'x'}))));
            w.idle();
            assertEquals(blocks + 2, w.blocks(), "typed input is written at the next idle");
        }
        assertEquals(401, ReplayLogReader.read(p).entries().size());
    }

    // ---- hostile compact entries: each refused naming the entry and the offset ----

    /** A version {@code version} log whose only entries block is {@code payload}, CRCs valid. */
    static byte[] logWith(int version, byte[] payload) {
        var out = new ByteArrayOutputStream();
        out.writeBytes(ReplayLogCodec.MAGIC);
        out.write(version >> 8);
        out.write(version);
        var h = new ReplayLogCodec.Out();
        ReplayLogCodec.writeHeader(h, header(version));
        byte[] headerBlock = h.bytes.toByteArray();
        out.writeBytes(ReplayLogCodec.frame(version, ReplayLogCodec.BLOCK_HEADER, headerBlock, headerBlock.length));
        out.writeBytes(headerBlock);
        out.writeBytes(ReplayLogCodec.frame(version, ReplayLogCodec.BLOCK_ENTRIES, payload, payload.length));
        out.writeBytes(payload);
        return out.toByteArray();
    }

    /** Entry bytes: a compact warp tag, then varints. */
    private static byte[] entry(int tag, long... varints) {
        var o = new ReplayLogCodec.Out();
        o.u8(tag);
        for (long v : varints) {
            o.varint(v);
        }
        return o.bytes.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        var out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static ReplayLogException refused(byte[] file) {
        return assertThrows(ReplayLogException.class, () -> ReplayLogReader.parse(file));
    }

    @Test
    void hostileCompactWarpsAreRefusedNamingTheEntryAndOffset() throws Exception {
        int slot0 = ReplayLogCodec.ENTRY_WARP;
        int explicit = ReplayLogCodec.ENTRY_WARP | WarpCoding.EXPLICIT_STEP;
        byte[] first = entry(explicit, 10, 4_000_000); // instruction 10, halt round 0, to 4 ms

        var e = refused(logWith(3, entry(slot0 | 1, 5)));
        assertTrue(e.getMessage().contains("block 1 entry 0 (log entry 0): a compact warp names step slot 1, but the block has named only 0 steps"),
                e.getMessage());
        e = refused(logWith(3, concat(first, entry(ReplayLogCodec.ENTRY_WARP | 5, 1))));
        assertTrue(e.getMessage().contains("block 1 entry 1 (log entry 1): unknown entry tag 69"), e.getMessage());
        e = refused(logWith(3, concat(first, entry(slot0, Long.MAX_VALUE))));
        assertTrue(e.getMessage().contains("block 1 entry 1 (log entry 1): instruction count 10 + 9223372036854775807 overflows"),
                e.getMessage());
        e = refused(logWith(3, concat(first, entry(explicit, 0, Long.MAX_VALUE))));
        assertTrue(e.getMessage().contains("warp target 4000000 + 9223372036854775807 overflows"), e.getMessage());
        e = refused(logWith(3, entry(ReplayLogCodec.ENTRY_WARP | 3 << 4, 1, 1L << 40)));
        assertTrue(e.getMessage().contains("halt round 1099511627776 out of range"), e.getMessage());
        e = refused(logWith(2, first));
        assertTrue(e.getMessage().contains("block 1 entry 0 (log entry 0): unknown entry tag 68"), e.getMessage());

        // cut short inside the entry (the block's CRC valid): the offset is where the bytes ran out
        byte[] whole = logWith(3, first);
        byte[] cut = logWith(3, java.util.Arrays.copyOf(first, first.length - 1));
        e = refused(cut);
        assertTrue(e.getMessage().contains("block 1 entry 0 (log entry 0): unexpected end of the block"), e.getMessage());
        assertEquals(cut.length, e.offset());
        assertEquals(List.of("10/0 machine warp 4000000"), described(ReplayLogReader.parse(whole).entries()).subList(0, 1));
    }

    /** Random damage to a warp-heavy log, CRCs made valid again: accepted or refused with a ReplayLogException, nothing else. */
    @Test
    void damagedIdleLogsFailOnlyWithReplayLogException() throws Exception {
        byte[] clean = Files.readAllBytes(write(3, idleTicks(300, 9_000_000_000L), 150));
        var rnd = new Random(1406);
        int refused = 0;
        for (int round = 0; round < 5_000; round++) {
            byte[] b = clean.clone();
            for (int i = 1 + rnd.nextInt(3); i > 0; i--) {
                int at = 10 + rnd.nextInt(b.length - 10);
                b[at] ^= (byte) (1 << rnd.nextInt(8));
            }
            ReplayLogReaderTest.fixCrcs(b);
            try {
                ReplayLogReader.parse(b);
            } catch (ReplayLogException expected) {
                refused++;
                assertTrue(expected.offset() >= 0 && expected.offset() <= b.length, expected.getMessage());
            } catch (RuntimeException | OutOfMemoryError x) {
                fail("round " + round + ": " + x, x);
            }
        }
        assertTrue(refused > 500, "only " + refused + " of 5000 damaged logs were refused");
        assertArrayEquals(clean, Files.readAllBytes(write(3, idleTicks(300, 9_000_000_000L), 150)), "the writer is deterministic");
    }
}
