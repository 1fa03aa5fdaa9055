package dev.tern.kernel.machine;

import dev.tern.kernel.replay.EmbeddedSnapshot;
import dev.tern.kernel.state.SavedStateException;
import dev.tern.kernel.state.StateSource;
import dev.tern.kernel.vm.VmState;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * The history of a replay, for going back in it (GDB's reverse-stepi and reverse-continue, the
 * monitor's {@code replay_seek}): in-memory machine snapshots taken every N instructions while the
 * replay runs, and {@link #seek} — load the nearest snapshot at or before the target, rewind the
 * journal there and replay forward to the exact instruction count.
 *
 * <p>Memory is bounded: when the snapshots outgrow their budget, every second one is dropped (the
 * first, at instruction 0, always stays), so the spacing doubles and a seek replays at most that far.
 *
 * <p>The machine's state before it starts — the recording's initial state: the same boot
 * arguments, checked by the configuration hash and the checkpoint at instruction 0 — is kept as the
 * snapshot at instruction 0, also when the replay begins at an embedded snapshot ({@link #beginAt}),
 * so going back before the first embedded snapshot restarts from power-on.
 *
 * <p>A recording's embedded snapshots ({@link #addRecorded}) join the history without costing heap:
 * they are read from the log when a seek loads one, and a seek uses whichever snapshot, in memory or
 * recorded, lies nearest before its target.
 */
public final class ReplayTimeline {

    /** A saved machine: {@code length} bytes of {@code state} (the buffer it was written to, not trimmed). */
    private record Snapshot(long instructions, byte[] state, int length) { }

    /** A byte sink whose buffer is kept as it is: a snapshot is tens of MiB, copying it again costs. */
    private static final class Sink extends ByteArrayOutputStream {
        Sink(int size) {
            super(size);
        }

        byte[] buffer() {
            return buf;
        }
    }

    private final Machine machine;
    private final long budgetBytes;
    /** Ascending by instruction count; guarded by this. */
    private final List<Snapshot> snapshots = new ArrayList<>();
    /** The recording's embedded snapshots, ascending; guarded by this. */
    private final List<EmbeddedSnapshot> recorded = new ArrayList<>();
    private long bytes;
    /** The last snapshot's size: the next one's buffer starts a little larger, so it is not regrown. */
    private int lastLength = 1 << 20;

    private ReplayTimeline(Machine machine, long budgetBytes) {
        this.machine = machine;
        this.budgetBytes = budgetBytes;
    }

    /**
     * Keeps a history of {@code machine}'s replay with a snapshot every {@code every} instructions,
     * within {@code budgetBytes} of heap. Call before the machine starts.
     */
    public static ReplayTimeline install(Machine machine, long every, long budgetBytes) {
        var t = new ReplayTimeline(machine, budgetBytes);
        t.keepInitialState();
        machine.snapshotReplayEvery(every, t::take);
        machine.history = t;
        return t;
    }

    /**
     * Keeps a history of {@code machine}'s replay made of the recording's embedded snapshots only
     * (add them with {@link #addRecorded}); nothing is snapshotted in memory.
     */
    public static ReplayTimeline recordedOnly(Machine machine) {
        var t = new ReplayTimeline(machine, 0);
        t.keepInitialState();
        machine.history = t;
        return t;
    }

    /**
     * Before {@code machine} starts: begins its replay at a recording's embedded snapshot instead of
     * power-on (verified whole before it is applied; a refused one leaves the machine unchanged).
     */
    public static void beginAt(Machine machine, EmbeddedSnapshot snapshot) throws SavedStateException {
        try {
            MachineSnapshot.load(machine, snapshot.state());
        } catch (SavedStateException e) {
            throw new SavedStateException("the recording's " + snapshot.describe() + " cannot be loaded: " + e.getMessage(), -1, e);
        }
        long at = machine.vcpus().getFirst().instructionCount();
        if (at != snapshot.instructions()) {
            throw new SavedStateException("the recording's " + snapshot.describe() + " holds a machine at instruction " + at, -1);
        }
        machine.rewoundTo(snapshot.instructions());
    }

    /** Adds a recording's embedded snapshots to the history. */
    public synchronized void addRecorded(List<EmbeddedSnapshot> embedded) {
        recorded.addAll(embedded);
        recorded.sort(java.util.Comparator.comparingLong(EmbeddedSnapshot::instructions));
    }

    /** Before the machine runs (and before {@link #beginAt}): its state is the replay's instruction 0. */
    private void keepInitialState() {
        if (machine.vcpus().getFirst().instructionCount() != 0) {
            throw new IllegalStateException("a replay's history must be kept from before its machine runs");
        }
        take(0);
    }

    /** On EMT 0 at a snapshot point (or before the machine runs, at 0). */
    private void take(long instructions) {
        synchronized (this) {
            if (indexOf(instructions) >= 0) {
                return; // taken again after going back: the history already has it
            }
        }
        var out = new Sink(lastLength + lastLength / 8);
        try {
            MachineSnapshot.save(machine, out);
        } catch (IOException e) {
            throw new UncheckedIOException("a replay snapshot at instruction " + instructions + " failed", e);
        }
        synchronized (this) {
            int at = indexOf(instructions);
            if (at >= 0) {
                return;
            }
            lastLength = out.size();
            // after going back before where the replay began, points fill in below the later ones
            snapshots.add(-at - 1, new Snapshot(instructions, out.buffer(), out.size()));
            bytes += out.buffer().length;
            while (bytes > budgetBytes && snapshots.size() > 2) {
                thin();
            }
        }
    }

    /** The index of the snapshot at {@code instructions}, or {@code -(insertion point) - 1}; guarded by this. */
    private int indexOf(long instructions) {
        int lo = 0;
        int hi = snapshots.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long at = snapshots.get(mid).instructions();
            if (at < instructions) {
                lo = mid + 1;
            } else if (at > instructions) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -lo - 1;
    }

    private void thin() {
        for (int i = snapshots.size() - 1; i >= 1; i--) {
            if (i % 2 == 1) {
                bytes -= snapshots.remove(i).state().length;
            }
        }
    }

    /** The instruction counts snapshots are held at, in memory or in the recording, ascending. */
    public synchronized long[] points() {
        return java.util.stream.LongStream.concat(snapshots.stream().mapToLong(Snapshot::instructions),
                recorded.stream().mapToLong(EmbeddedSnapshot::instructions)).sorted().distinct().toArray();
    }

    /** How many heap bytes the snapshots take. */
    public synchronized long bytes() {
        return bytes;
    }

    /** The latest snapshot point at or before {@code instructions}, or -1. */
    public synchronized long pointAtOrBefore(long instructions) {
        long best = -1;
        for (long p : points()) {
            if (p <= instructions) {
                best = p;
            }
        }
        return best;
    }

    /**
     * Loads the paused machine from the snapshot at {@code point} (one of {@link #points()}) and
     * rewinds the replay there; the machine stays paused.
     */
    public void restore(long point) throws SavedStateException {
        StateSource source;
        String what;
        synchronized (this) {
            var inMemory = snapshots.stream().filter(x -> x.instructions() == point).findFirst();
            if (inMemory.isPresent()) {
                Snapshot s = inMemory.get();
                source = () -> new java.io.ByteArrayInputStream(s.state(), 0, s.length());
                what = "the replay snapshot at instruction " + point;
            } else {
                EmbeddedSnapshot e = recorded.stream().filter(x -> x.instructions() == point).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("no replay snapshot at instruction " + point));
                source = e.state();
                what = "the recording's " + e.describe();
            }
        }
        machine.lifecycle().transition(VmState.LOADING);
        try {
            MachineSnapshot.load(machine, source);
        } catch (SavedStateException e) {
            throw new SavedStateException(what + " cannot be loaded: " + e.getMessage(), -1, e);
        } finally {
            machine.lifecycle().transition(VmState.PAUSED);
        }
        machine.rewoundTo(point);
    }

    /**
     * Takes the paused machine to exactly {@code instructions}: forward by replaying, backward by
     * loading the nearest earlier snapshot and replaying from there. Returns with the machine paused
     * at that count.
     *
     * @throws IllegalArgumentException when no snapshot lies at or before {@code instructions}
     * @throws IllegalStateException when the run ends before the count is reached
     */
    public void seek(long instructions) throws SavedStateException, InterruptedException {
        long now = machine.vcpus().getFirst().instructionCount();
        if (instructions < now) {
            long point = pointAtOrBefore(instructions);
            if (point < 0) {
                throw new IllegalArgumentException("the replay history starts after instruction " + instructions);
            }
            restore(point);
        }
        runTo(instructions);
    }

    /**
     * Runs the paused machine forward to exactly {@code instructions} and pauses it there. A debugger
     * must have its breakpoints off meanwhile: a stop for it would leave this waiting.
     */
    public void runTo(long instructions) throws InterruptedException {
        var reached = machine.pauseAt(instructions);
        machine.resume();
        try {
            reached.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
    }
}
