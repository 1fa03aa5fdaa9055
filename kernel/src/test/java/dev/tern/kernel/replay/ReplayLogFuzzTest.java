package dev.tern.kernel.replay;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tern.testkit.fuzz.HostileInput;
import dev.tern.testkit.fuzz.SeedCorpus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replay-log reader under hostile files: each input is read as given and again with every
 * block's CRC32C made valid (so the header and entry decoders see the hostile bytes). Either the
 * log is read, or a {@link ReplayLogException} with the byte offset ({@link ReplayLogException#offset()}
 * inside the file) says what is wrong. Seeds are logs written by {@link ReplayLogWriter}.
 */
class ReplayLogFuzzTest {

    private static final Pattern WHAT = Pattern.compile(".");

    @TempDir
    Path dir;

    @Test
    void seedsAreRealLogs() throws Exception {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        var header = new ReplayLogHeader(ReplayLogCodec.FORMAT_VERSION, "1.3", "00", "ram=16M\n", java.util.List.of("console=ttyS0"),
                1000, 0);
        Path p = dir.resolve("seed.rr");
        try (var w = new ReplayLogWriter(p, header)) {
            for (LogEntry e : ReplayLogReaderTest.ENTRIES) {
                w.append(e);
            }
            w.flush();
            w.append(new LogEntry.End(20, "POWER_OFF: done", ReplayLogReaderTest.STATE));
        }
        seeds.put("every-kind", Files.readAllBytes(p));
        Path idle = dir.resolve("idle.rr");
        try (var w = new ReplayLogWriter(idle, header)) {
            for (LogEntry e : CompactWarpTest.idleTicks(40, 9_000_000_000L)) {
                w.append(e); // compact warps in two blocks
                if (e.instructions() > 100_000 + 1_000_000 && w.blocks() == 1) {
                    w.flush();
                }
            }
        }
        seeds.put("idle-warps", Files.readAllBytes(idle));
        Path busy = dir.resolve("busy.rr");
        try (var w = new ReplayLogWriter(busy, header)) {
            for (LogEntry e : DeltaCheckpointTest.busyCheckpoints(6)) {
                w.append(e); // a full checkpoint, then deltas on it, one block each
                w.flush();
            }
        }
        seeds.put("busy-checkpoints", Files.readAllBytes(busy));
        SeedCorpus.check(ReplayLogFuzzTest.class, "read", seeds);
    }

    @FuzzTest
    void read(byte[] file) {
        parse(file);
        parse(withValidCrcs(file));
    }

    private static void parse(byte[] file) {
        Optional<ReplayLogException> refused = HostileInput.parse(ReplayLogException.class, WHAT, (1 << 20) + 64L * file.length,
                () -> ReplayLogReader.parse(file));
        refused.ifPresent(e -> assertTrue(e.offset() >= 0 && e.offset() <= file.length,
                "offset " + e.offset() + " outside the " + file.length + "-byte file: " + e.getMessage()));
    }

    /** A copy with the CRCs of every complete block recomputed. */
    private static byte[] withValidCrcs(byte[] file) {
        byte[] b = file.clone();
        ReplayLogReaderTest.fixCrcs(b);
        return b;
    }
}
