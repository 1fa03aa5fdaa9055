package dev.tern.kernel.replay;

import dev.tern.spi.replay.ReplayEvent;
import dev.tern.spi.replay.ReplayFilter.Delivery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Version 4's delta-coded checkpoints: a busy guest's checkpoints round-trip exactly at a fraction
 * of their full size, across blocks; older versions still write and read full ones; hostile delta
 * entries are refused naming the entry and the offset.
 */
class DeltaCheckpointTest {

    @TempDir
    Path dir;

    private static final List<String> SECTIONS = List.of("x86/0", "clock/0", "pic/0", "pit/0", "rtc/0", "uart/serial0",
            "i8042/0", "pci/0", "irq/0", "virtio-blk/0", "virtio-net/0", "dma/0", "a20/0", "power/0");

    /**
     * What a busy guest's checkpoints look like (measured on Debian looping at the prompt): 128 MiB
     * of RAM of which a few MiB change between checkpoints, and the CPU, clock and timer sections
     * changing every time while most devices stay as they were.
     */
    static List<LogEntry> busyCheckpoints(int count) {
        var rnd = new Random(4);
        int[] ram = rnd.ints(128).toArray();
        int[] sections = rnd.ints(SECTIONS.size()).toArray();
        var out = new ArrayList<LogEntry>();
        for (int k = 0; k < count; k++) {
            out.add(new LogEntry.Checkpoint(10_000_000L * k, new StateFingerprint(ram, SECTIONS, sections)));
            ram = ram.clone();
            sections = sections.clone();
            for (int i = 1 + rnd.nextInt(4); i > 0; i--) {
                ram[rnd.nextInt(ram.length)] = rnd.nextInt();
            }
            ram[0] = rnd.nextInt(); // the kernel's own MiB: always written
            for (int i : new int[] {0, 1, 3}) {
                sections[i] = rnd.nextInt();
            }
        }
        return out;
    }

    private Path write(int version, List<LogEntry> entries, LogEntry.End end) throws Exception {
        Path p = dir.resolve("v" + version + ".rr");
        var header = new ReplayLogHeader(version, "1.4", "00", "ram=128M\n", List.of(), 10_000_000, 0);
        try (var w = new ReplayLogWriter(p, header)) {
            for (LogEntry e : entries) {
                w.append(e);
                if (e instanceof LogEntry.Checkpoint) {
                    w.flush(); // as RecordingJournal does: a checkpoint closes its block
                }
            }
            if (end != null) {
                w.append(end);
            }
        }
        return p;
    }

    private static LogEntry.End endAfter(List<LogEntry> entries) {
        var last = (LogEntry.Checkpoint) entries.getLast();
        return new LogEntry.End(last.instructions() + 1, "POWER_OFF: done", last.state());
    }

    @Test
    void busyCheckpointsRoundTripAcrossBlocksAtAFractionOfTheirSize() throws Exception {
        var entries = new ArrayList<>(busyCheckpoints(40));
        long at = entries.getLast().instructions();
        // the coding's edges: an input between checkpoints, a checkpoint equal to the last one, one
        // with every CRC changed, a machine whose sections changed (full again), then deltas on that
        entries.add(new LogEntry.Input(new Delivery(at, 0, "serial0", new ReplayEvent.CharInput("serial0", "ls\n".getBytes()))));
        var same = ((LogEntry.Checkpoint) entries.get(entries.size() - 2)).state();
        entries.add(new LogEntry.Checkpoint(at + 1, same));
        int[] all = same.ramChunks().clone();
        Arrays.setAll(all, i -> ~all[i]);
        int[] allSections = same.sectionCrcs().clone();
        Arrays.setAll(allSections, i -> ~allSections[i]);
        entries.add(new LogEntry.Checkpoint(at + 2, new StateFingerprint(all, SECTIONS, allSections)));
        var fewer = new StateFingerprint(all, SECTIONS.subList(0, 3), Arrays.copyOf(allSections, 3));
        entries.add(new LogEntry.Checkpoint(at + 3, fewer));
        entries.add(new LogEntry.Checkpoint(at + 4, new StateFingerprint(all, SECTIONS.subList(0, 3), new int[] {1, 2, 3})));
        var end = endAfter(entries);

        var v4 = ReplayLogReader.read(write(4, entries, end));
        assertEquals(4, v4.header().formatVersion());
        assertEntries(entries, v4.entries());
        assertEquals(end, v4.end().orElseThrow());
        var v3 = ReplayLogReader.read(write(3, entries, end));
        assertEquals(3, v3.header().formatVersion());
        assertEntries(entries, v3.entries());

        var busy = busyCheckpoints(101);
        long deltas = Files.size(write(4, busy, null)) - Files.size(write(4, busy.subList(0, 1), null));
        long full = Files.size(write(3, busy, null)) - Files.size(write(3, busy.subList(0, 1), null));
        assertTrue(deltas < 100 * 60, "100 delta checkpoints take " + deltas + " bytes (full ones: " + full + ")");
        assertTrue(full > 10 * deltas, "full: " + full + " bytes, deltas: " + deltas);
    }

    private static void assertEntries(List<LogEntry> want, List<LogEntry> got) {
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            if (want.get(i) instanceof LogEntry.Checkpoint) {
                assertEquals(want.get(i), got.get(i), "entry " + i);
            } else {
                assertEquals(want.get(i).instructions(), got.get(i).instructions(), "entry " + i);
            }
        }
    }

    /** A log cut anywhere reads up to its last whole block, each checkpoint exactly as written. */
    @Test
    void aLogCutAnywhereReadsItsWholeBlocksExactly() throws Exception {
        var entries = busyCheckpoints(12);
        int headerEnd = (int) Files.size(write(4, List.of(), null));
        byte[] whole = Files.readAllBytes(write(4, entries, endAfter(entries)));
        for (int cut = headerEnd + 1; cut < whole.length; cut++) {
            var log = ReplayLogReader.parse(Arrays.copyOf(whole, cut));
            assertEquals(entries.subList(0, log.entries().size()), log.entries(), "cut at " + cut);
            assertTrue(log.end().isEmpty(), "cut at " + cut);
        }
        assertEquals(entries, ReplayLogReader.parse(whole).entries());
    }

    // ---- hostile delta entries ----

    /** A delta checkpoint entry at {@code instructions}: {@code ram} and {@code sections} as (gap, crc) pairs. */
    private static byte[] delta(long instructions, long[] ram, long[] sections) {
        var o = new ReplayLogCodec.Out(4);
        o.u8(ReplayLogCodec.ENTRY_CHECKPOINT_DELTA);
        o.varint(instructions);
        for (long[] changes : new long[][] {ram, sections}) {
            o.varint(changes.length / 2);
            for (int i = 0; i < changes.length; i += 2) {
                o.varint(changes[i]);
                o.i32((int) changes[i + 1]);
            }
        }
        return o.bytes.toByteArray();
    }

    private static byte[] full(long instructions) {
        var o = new ReplayLogCodec.Out(4);
        ReplayLogCodec.writeEntry(o, new LogEntry.Checkpoint(instructions, ReplayLogReaderTest.STATE)); // 3 MiB, 2 sections
        return o.bytes.toByteArray();
    }

    @Test
    void hostileDeltaCheckpointsAreRefusedNamingTheEntryAndOffset() throws Exception {
        byte[] base = full(0);
        var ok = ReplayLogReader.parse(CompactWarpTest.logWith(4, CompactWarpTest.concat(base, delta(5, new long[] {2, 99}, new long[] {0, 5}))));
        assertEquals(new StateFingerprint(new int[] {1, 2, 99}, List.of("cpu/0", "clock/0"), new int[] {5, 8}),
                ((LogEntry.Checkpoint) ok.entries().get(1)).state());

        var e = CompactWarpTest.refused(CompactWarpTest.logWith(4, delta(5, new long[0], new long[0])));
        assertTrue(e.getMessage().contains("block 1 entry 0 (log entry 0): a delta checkpoint, but no checkpoint before it"),
                e.getMessage());
        e = CompactWarpTest.refused(CompactWarpTest.logWith(3, CompactWarpTest.concat(base, delta(5, new long[0], new long[0]))));
        assertTrue(e.getMessage().contains("block 1 entry 1 (log entry 1): unknown entry tag 4 (delta checkpoints came with format version 4)"),
                e.getMessage());
        e = CompactWarpTest.refused(CompactWarpTest.logWith(4, CompactWarpTest.concat(base, delta(5, new long[] {3, 1}, new long[0]))));
        assertTrue(e.getMessage().contains("block 1 entry 1 (log entry 1): changed RAM chunk 0 of 1 lies at index 0 + 3, past the previous checkpoint's 3"),
                e.getMessage());
        e = CompactWarpTest.refused(CompactWarpTest.logWith(4, CompactWarpTest.concat(base,
                delta(5, new long[] {0, 1, 1, 2}, new long[] {1, 1, 0, 2}))));
        assertTrue(e.getMessage().contains("changed section 1 of 2 lies at index 2 + 0, past the previous checkpoint's 2"), e.getMessage());
        e = CompactWarpTest.refused(CompactWarpTest.logWith(4, CompactWarpTest.concat(base,
                delta(5, new long[] {0, 1, Long.MAX_VALUE, 2}, new long[0]))));
        assertTrue(e.getMessage().contains("changed RAM chunk 1 of 2 lies at index 1 + 9223372036854775807"), e.getMessage());
        e = CompactWarpTest.refused(CompactWarpTest.logWith(4, CompactWarpTest.concat(base,
                delta(5, new long[] {0, 1, 0, 2, 0, 3, 0, 4}, new long[0]))));
        assertTrue(e.getMessage().contains("4 changed RAM chunk CRCs, but the previous checkpoint has only 3"), e.getMessage());

        // a huge count: refused before anything is allocated for it
        var o = new ReplayLogCodec.Out(4);
        o.u8(ReplayLogCodec.ENTRY_CHECKPOINT_DELTA);
        o.varint(5);
        o.varint(Long.MAX_VALUE);
        e = CompactWarpTest.refused(CompactWarpTest.logWith(4, CompactWarpTest.concat(base, o.bytes.toByteArray())));
        assertTrue(e.getMessage().contains("changed RAM chunk count 9223372036854775807 exceeds what the remaining 0 bytes can hold"),
                e.getMessage());

        // cut short inside the entry (the block's CRC valid): the count no longer fits what is left
        byte[] d = delta(5, new long[] {1, 7}, new long[] {1, 9});
        byte[] cut = CompactWarpTest.logWith(4, CompactWarpTest.concat(base, Arrays.copyOf(d, d.length - 1)));
        e = CompactWarpTest.refused(cut);
        assertTrue(e.getMessage().contains("block 1 entry 1 (log entry 1): changed section count 1 exceeds what the remaining 4 bytes can hold"),
                e.getMessage());
        assertEquals(cut.length - 4, e.offset());
    }

    @Test
    void aNewerVersionIsRefusedNamingIt() throws Exception {
        int next = ReplayLogCodec.FORMAT_VERSION + 1;
        byte[] b = CompactWarpTest.logWith(ReplayLogCodec.FORMAT_VERSION, full(0));
        b[ReplayLogCodec.MAGIC.length + 1] = (byte) next;
        var e = CompactWarpTest.refused(b);
        assertEquals("replay log format version " + next + " is not supported (this Tern reads 1 to " + ReplayLogCodec.FORMAT_VERSION
                + ") (at offset 8)", e.getMessage());
    }

    /** Random damage to a busy log, CRCs made valid again: accepted or refused with a ReplayLogException, nothing else. */
    @Test
    void damagedBusyLogsFailOnlyWithReplayLogException() throws Exception {
        var entries = busyCheckpoints(30);
        byte[] clean = Files.readAllBytes(write(4, entries, endAfter(entries)));
        var rnd = new Random(1404);
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
        assertArrayEquals(clean, Files.readAllBytes(write(4, entries, endAfter(entries))), "the writer is deterministic");
    }
}
