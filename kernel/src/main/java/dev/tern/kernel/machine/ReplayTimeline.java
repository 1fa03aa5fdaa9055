package dev.tern.kernel.machine;

import dev.tern.kernel.state.SavedStateException;
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
        machine.snapshotReplayEvery(every, t::take);
        machine.history = t;
        return t;
    }

    /** On EMT 0 at a snapshot point. */
    private void take(long instructions) {
        var out = new Sink(lastLength + lastLength / 8);
        try {
            MachineSnapshot.save(machine, out);
        } catch (IOException e) {
            throw new UncheckedIOException("a replay snapshot at instruction " + instructions + " failed", e);
        }
        synchronized (this) {
            if (!snapshots.isEmpty() && snapshots.getLast().instructions() >= instructions) {
                return; // taken again after going back: the history already has it
            }
            lastLength = out.size();
            snapshots.add(new Snapshot(instructions, out.buffer(), out.size()));
            bytes += out.buffer().length;
            while (bytes > budgetBytes && snapshots.size() > 2) {
                thin();
            }
        }
    }

    private void thin() {
        for (int i = snapshots.size() - 1; i >= 1; i--) {
            if (i % 2 == 1) {
                bytes -= snapshots.remove(i).state().length;
            }
        }
    }

    /** The instruction counts snapshots are held at, ascending. */
    public synchronized long[] points() {
        return snapshots.stream().mapToLong(Snapshot::instructions).toArray();
    }

    /** How many heap bytes the snapshots take. */
    public synchronized long bytes() {
        return bytes;
    }

    /** The latest snapshot point at or before {@code instructions}, or -1. */
    public synchronized long pointAtOrBefore(long instructions) {
        long best = -1;
        for (Snapshot s : snapshots) {
            if (s.instructions() <= instructions) {
                best = s.instructions();
            }
        }
        return best;
    }

    /**
     * Loads the paused machine from the snapshot at {@code point} (one of {@link #points()}) and
     * rewinds the replay there; the machine stays paused.
     */
    public void restore(long point) throws SavedStateException {
        Snapshot s;
        synchronized (this) {
            s = snapshots.stream().filter(x -> x.instructions() == point).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no replay snapshot at instruction " + point));
        }
        machine.lifecycle().transition(VmState.LOADING);
        try {
            MachineSnapshot.load(machine, () -> new java.io.ByteArrayInputStream(s.state(), 0, s.length()));
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
