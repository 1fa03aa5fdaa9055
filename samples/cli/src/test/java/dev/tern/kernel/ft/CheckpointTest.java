package dev.tern.kernel.ft;

import dev.tern.cli.RunMachines;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.kernel.ram.CodecPlugins;
import dev.tern.kernel.ram.PageCodecs;
import dev.tern.spi.codec.PageEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checkpoints between two real machines in one JVM: the primary runs the dirty-writer guest to
 * fixed instruction counts, the standby never runs. A checkpoint that is applied makes the standby
 * equal to the primary at that count; a corrupted, truncated or miscounted one is refused and
 * leaves the standby exactly at the previous checkpoint.
 */
class CheckpointTest {

    @TempDir
    Path dir;

    private List<String> args() throws IOException {
        return List.of("--bios", RunMachines.guest(dir, "dirty-writer.rom").toString(), "-m", "4M", "--serial", "none",
                "--pacing", "warp");
    }

    @Test
    @Timeout(120)
    void appliesCompleteCheckpointsAndRefusesBrokenOnesUnchanged() throws Exception {
        try (Machine primary = RunMachines.create(args()); Machine standby = RunMachines.create(args());
             CheckpointWriter writer = new CheckpointWriter(primary);
             CheckpointApplier applier = new CheckpointApplier(standby)) {
            var at = primary.pauseAt(2_000_000);
            primary.start();
            at.get();
            CheckpointWriter.Encoded full = writer.full();
            assertEquals(0, full.sequence());
            applier.apply(0, full.pageRecords(), full.stream(), full.crc());
            assertEquals(MachineDigest.full(primary), MachineDigest.full(standby), "after the full sync");

            var next = primary.pauseAt(3_000_000);
            primary.resume();
            next.get();
            CheckpointWriter.Encoded one = writer.next(1);
            assertTrue(one.dirtyPages() > 0 && one.dirtyPages() < 1024, one.dirtyPages() + " dirty pages");
            String atZero = MachineDigest.full(standby);
            assertNotEquals(atZero, MachineDigest.full(primary), "the guest changed RAM between the checkpoints");

            byte[] corrupt = one.stream().clone();
            corrupt[corrupt.length / 2] ^= 0x5A;
            var crcError = assertThrows(IOException.class, () -> applier.apply(1, one.pageRecords(), corrupt, one.crc()));
            assertTrue(crcError.getMessage().startsWith("checkpoint 1: CRC32C"), crcError.getMessage());
            assertEquals(atZero, MachineDigest.full(standby), "a corrupted checkpoint changed the standby");

            // corrupted with a matching outer CRC: the stream's own frame CRCs refuse it
            var frameError = assertThrows(IOException.class,
                    () -> applier.apply(1, one.pageRecords(), corrupt, crc(corrupt)));
            assertTrue(frameError.getMessage().startsWith("checkpoint 1: "), frameError.getMessage());
            assertEquals(atZero, MachineDigest.full(standby), "a corrupted frame changed the standby");

            byte[] truncated = Arrays.copyOf(one.stream(), one.stream().length / 2);
            assertThrows(IOException.class, () -> applier.apply(1, one.pageRecords(), truncated, crc(truncated)));
            assertEquals(atZero, MachineDigest.full(standby), "a truncated checkpoint changed the standby");

            var countError = assertThrows(IOException.class,
                    () -> applier.apply(1, one.pageRecords() + 1, one.stream(), one.crc()));
            assertTrue(countError.getMessage().contains("page records, the primary announced")
                    && countError.getMessage().endsWith("nothing applied"), countError.getMessage());
            assertEquals(atZero, MachineDigest.full(standby), "a miscounted checkpoint changed the standby");

            applier.apply(1, one.pageRecords(), one.stream(), one.crc());
            assertEquals(MachineDigest.full(primary), MachineDigest.full(standby), "after checkpoint 1");
        }
    }

    /**
     * The full sync in pre-copy rounds read while the guest runs, then checkpoint 0 with the guest
     * stopped: the standby equals the primary, and the stop copied only what the guest dirtied
     * during the last round, not all of RAM.
     */
    @Test
    @Timeout(120)
    void aPrecopiedFullSyncMakesTheStandbyEqualWithAShortStop() throws Exception {
        try (Machine primary = RunMachines.create(args()); Machine standby = RunMachines.create(args());
             CheckpointWriter writer = new CheckpointWriter(primary);
             CheckpointApplier applier = new CheckpointApplier(standby)) {
            var at = primary.pauseAt(1_000_000);
            primary.start();
            at.get();
            primary.resume(); // the rounds below read RAM while the guest writes it
            CheckpointWriter.Encoded first = writer.precopyFirst();
            applier.precopy(0, first.pageRecords(), first.stream(), first.crc());
            CheckpointWriter.Encoded second = writer.precopyNext();
            byte[] corrupt = second.stream().clone();
            corrupt[corrupt.length / 2] ^= 0x5A;
            var crcError = assertThrows(IOException.class,
                    () -> applier.precopy(1, second.pageRecords(), corrupt, second.crc()));
            assertTrue(crcError.getMessage().startsWith("pre-copy round 1: CRC32C"), crcError.getMessage());
            applier.precopy(1, second.pageRecords(), second.stream(), second.crc());
            primary.pause();
            CheckpointWriter.Encoded zero = writer.next(0);
            long ramPages = 4L << 20 >> 12;
            assertTrue(zero.dirtyPages() < ramPages / 4, zero.dirtyPages() + " pages copied in the stop");
            applier.apply(0, zero.pageRecords(), zero.stream(), zero.crc());
            assertEquals(MachineDigest.full(primary), MachineDigest.full(standby), "after the pre-copied full sync");
        }
    }

    /**
     * Checkpoints with real page codecs (the installed XBZRLE and LZ4 plugins): after each of many
     * checkpoints the standby's whole state equals the primary's, the re-dirtied pages travelled
     * as XBZRLE deltas against the standby's copy, and the dirty rounds are far smaller than with
     * raw pages.
     */
    @Test
    @Timeout(120)
    void codecCheckpointsKeepTheStandbyEqualOverManyRounds() throws Exception {
        var installed = new CodecPlugins(RunMachines.plugins());
        try (Machine primary = RunMachines.create(args()); Machine standby = RunMachines.create(args());
             CheckpointWriter writer = new CheckpointWriter(primary, PageCodecs.of(List.of(
                     installed.encoder("xbzrle", 4 << 20), installed.encoder("lz4", 0))));
             CheckpointApplier applier = new CheckpointApplier(standby, installed::decoder)) {
            var at = primary.pauseAt(1_000_000);
            primary.start();
            at.get();
            CheckpointWriter.Encoded full = writer.full();
            applier.apply(0, full.pageRecords(), full.stream(), full.crc());
            long rawBytes = 0;
            long sentBytes = 0;
            for (int seq = 1; seq <= 40; seq++) {
                var next = primary.pauseAt(1_000_000 + seq * 20_000L);
                primary.resume();
                next.get();
                CheckpointWriter.Encoded c = writer.next(seq);
                applier.apply(seq, c.pageRecords(), c.stream(), c.crc());
                assertEquals(MachineDigest.full(primary), MachineDigest.full(standby), "after checkpoint " + seq);
                if (seq > 1) { // the first dirty round finds pages the cache never saw
                    rawBytes += c.dirtyPages() * (8L + 4096);
                    sentBytes += c.stream().length;
                }
            }
            long deltas = writer.codecStats().get("xbzrle").get("pages");
            assertTrue(deltas > 100, deltas + " pages went as XBZRLE deltas");
            assertTrue(sentBytes * 4 < rawBytes, "checkpoints 2..40 took " + sentBytes + " bytes, raw pages alone "
                    + rawBytes);
        }
    }

    /**
     * A delta that does not decode (its frame and stream CRCs intact: the primary's encoder wrote
     * it so) is found in the check pass, before any page is written: the standby keeps the previous
     * checkpoint exactly, although valid deltas came before the broken one.
     */
    @Test
    @Timeout(120)
    void aCorruptedDeltaIsRefusedAndTheStandbyKeepsThePreviousCheckpoint() throws Exception {
        var installed = new CodecPlugins(RunMachines.plugins());
        var corrupting = new CorruptingEncoder(installed.encoder("xbzrle", 4 << 20).encoder());
        try (Machine primary = RunMachines.create(args()); Machine standby = RunMachines.create(args());
             CheckpointWriter writer = new CheckpointWriter(primary,
                     PageCodecs.of(List.of(new PageCodecs.Codec("xbzrle", true, corrupting))));
             CheckpointApplier applier = new CheckpointApplier(standby, installed::decoder)) {
            var at = primary.pauseAt(1_000_000);
            primary.start();
            at.get();
            CheckpointWriter.Encoded full = writer.full();
            applier.apply(0, full.pageRecords(), full.stream(), full.crc());
            for (int seq = 1; seq <= 2; seq++) { // the cache learns the pages, then deltas flow
                var next = primary.pauseAt(1_000_000 + seq * 20_000L);
                primary.resume();
                next.get();
                CheckpointWriter.Encoded c = writer.next(seq);
                applier.apply(seq, c.pageRecords(), c.stream(), c.crc());
            }
            String atTwo = MachineDigest.full(standby);
            assertEquals(MachineDigest.full(primary), atTwo);
            corrupting.breakDelta(3); // the third delta of the next checkpoint
            var next = primary.pauseAt(1_060_000);
            primary.resume();
            next.get();
            CheckpointWriter.Encoded bad = writer.next(3);
            assertTrue(corrupting.broken, "checkpoint 3 carried a third delta to break");
            var e = assertThrows(IOException.class, () -> applier.apply(3, bad.pageRecords(), bad.stream(), bad.crc()));
            assertTrue(e.getMessage().startsWith("checkpoint 3: ") && e.getMessage().contains("ram: xbzrle page 0x")
                    && e.getMessage().contains("malformed XBZRLE delta"), e.getMessage());
            assertEquals(atTwo, MachineDigest.full(standby), "a checkpoint with a broken delta changed the standby");
        }
    }

    /** Delegates to a real encoder; the n-th delta after {@link #breakDelta} is replaced by one that cannot decode. */
    private static final class CorruptingEncoder implements PageEncoder {
        private final PageEncoder real;
        private int countdown = -1;
        volatile boolean broken;

        CorruptingEncoder(PageEncoder real) {
            this.real = real;
        }

        void breakDelta(int n) {
            countdown = n;
        }

        @Override
        public int encode(long gpa, MemorySegment page, ByteBuffer out) {
            int start = out.position();
            int n = real.encode(gpa, page, out);
            if (n > 0 && countdown > 0 && --countdown == 0) {
                out.position(start);
                out.put(new byte[] {100, 0}); // 100 unchanged bytes, then a changed run of length 0
                broken = true;
                return 2;
            }
            return n;
        }

        @Override
        public Map<String, Long> stats() {
            return real.stats();
        }

        @Override
        public void close() {
            real.close();
        }
    }

    private static int crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return (int) c.getValue();
    }
}
