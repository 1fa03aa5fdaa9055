package dev.tern.kernel.replay;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A replay log read and verified in full.
 *
 * @param header what it was recorded on
 * @param entries every entry of every whole block, in file order
 * @param snapshots the embedded snapshots, ascending by instruction count (none before format version 2)
 * @param end the end marker, or empty for a recording that did not finish (killed)
 * @param truncation why reading stopped before an end marker (an incomplete last block), or empty
 * @param bytes the file's size
 * @param blocks whole blocks read, the header included
 */
public record ReplayLog(ReplayLogHeader header, List<LogEntry> entries, List<EmbeddedSnapshot> snapshots,
                        Optional<LogEntry.End> end, Optional<String> truncation, long bytes, int blocks) {

    public ReplayLog {
        Objects.requireNonNull(header, "header");
        entries = List.copyOf(entries);
        snapshots = List.copyOf(snapshots);
        Objects.requireNonNull(end, "end");
        Objects.requireNonNull(truncation, "truncation");
    }

    /** The latest embedded snapshot at or before {@code instructions}, if any. */
    public Optional<EmbeddedSnapshot> snapshotAtOrBefore(long instructions) {
        EmbeddedSnapshot best = null;
        for (EmbeddedSnapshot s : snapshots) {
            if (s.instructions() <= instructions) {
                best = s;
            }
        }
        return Optional.ofNullable(best);
    }
}
