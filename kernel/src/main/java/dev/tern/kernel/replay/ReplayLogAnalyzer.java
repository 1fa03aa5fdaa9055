package dev.tern.kernel.replay;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/** {@code tern analyze} for replay logs: the header, inputs by kind and target, checkpoints, the end. */
public final class ReplayLogAnalyzer {

    private ReplayLogAnalyzer() {
    }

    /** Whether {@code file} starts like a replay log. */
    public static boolean isReplayLog(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(ReplayLogCodec.MAGIC.length);
            return Arrays.equals(head, ReplayLogCodec.MAGIC);
        }
    }

    /** A report of {@code file}; a malformed log fails with a {@link ReplayLogException}. */
    public static String analyze(Path file) throws IOException {
        return describe(ReplayLogReader.read(file));
    }

    /** A report of a log already read. */
    public static String describe(ReplayLog log) {
        var h = log.header();
        var sb = new StringBuilder();
        sb.append("Tern replay log, format version ").append(h.formatVersion()).append(", SPI ").append(h.spiVersion()).append('\n');
        sb.append("  file: ").append(log.bytes()).append(" bytes in ").append(log.blocks()).append(" blocks\n");
        sb.append("  machine configuration sha256: ").append(h.configHash()).append('\n');
        h.configText().lines().forEach(l -> sb.append("    ").append(l).append('\n'));
        sb.append("  boot arguments: ").append(h.bootArguments().isEmpty() ? "(none)" : String.join(" ", h.bootArguments())).append('\n');
        sb.append("  checkpoint interval: ").append(h.checkpointInterval() == 0 ? "none" : h.checkpointInterval() + " instructions")
                .append('\n');
        sb.append("  snapshot interval: ").append(h.snapshotInterval() == 0 ? "none" : h.snapshotInterval() + " instructions")
                .append('\n');
        Map<String, long[]> byKind = new TreeMap<>();
        Map<String, Long> byTarget = new TreeMap<>();
        long checkpoints = 0;
        long firstCheckpoint = -1;
        long lastCheckpoint = -1;
        long lastInput = -1;
        for (LogEntry e : log.entries()) {
            switch (e) {
                case LogEntry.Input i -> {
                    long[] k = byKind.computeIfAbsent(ReplayLogCodec.kindName(i.delivery().event()), x -> new long[2]);
                    k[0]++;
                    k[1] += payloadBytes(i);
                    byTarget.merge(i.delivery().target(), 1L, Long::sum);
                    lastInput = i.instructions();
                }
                case LogEntry.Checkpoint c -> {
                    checkpoints++;
                    if (firstCheckpoint < 0) {
                        firstCheckpoint = c.instructions();
                    }
                    lastCheckpoint = c.instructions();
                }
                case LogEntry.End end -> { }
            }
        }
        sb.append("  inputs by kind:\n");
        if (byKind.isEmpty()) {
            sb.append("    (none)\n");
        }
        byKind.forEach((k, v) -> sb.append(String.format("    %-18s %8d events %10d payload bytes%n", k, v[0], v[1])));
        sb.append("  inputs by target:\n");
        byTarget.forEach((t, n) -> sb.append(String.format("    %-18s %8d events%n", t, n)));
        if (lastInput >= 0) {
            sb.append("  last input at instruction ").append(lastInput).append('\n');
        }
        sb.append("  checkpoints: ").append(checkpoints);
        if (checkpoints > 0) {
            sb.append(" (instructions ").append(firstCheckpoint).append(" .. ").append(lastCheckpoint).append(')');
        }
        sb.append('\n');
        sb.append("  snapshots: ").append(log.snapshots().size()).append('\n');
        for (EmbeddedSnapshot s : log.snapshots()) {
            sb.append(String.format("    instruction %-14d %12d bytes  block %d at offset %d%n", s.instructions(), s.stateBytes(),
                    s.block(), s.offset()));
        }
        log.end().ifPresentOrElse(
                end -> sb.append("  end: instruction ").append(end.instructions()).append(", state ").append(end.state().summary())
                        .append(", ").append(end.reason()).append('\n'),
                () -> sb.append("  end: none — the recording did not finish").append(log.truncation().map(t -> "; " + t).orElse(""))
                        .append('\n'));
        return sb.toString();
    }

    private static long payloadBytes(LogEntry.Input i) {
        return switch (i.delivery().event()) {
            case dev.tern.spi.replay.ReplayEvent.CharInput c -> c.data().length;
            case dev.tern.spi.replay.ReplayEvent.NetFrame f -> f.frame().length;
            default -> 0;
        };
    }
}
