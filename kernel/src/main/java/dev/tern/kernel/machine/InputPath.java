package dev.tern.kernel.machine;

import dev.tern.kernel.replay.ReplayDivergence;
import dev.tern.kernel.replay.ReplayJournal;
import dev.tern.spi.replay.ReplayEvent;
import dev.tern.spi.replay.ReplayFilter.Delivery;
import dev.tern.spi.replay.ReplayFilter.Mode;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * The machine's one input path. Host input of every kind — device backends' bytes and frames,
 * clock warps of an idle guest, host reset and power requests — arrives here as a typed
 * {@link ReplayEvent}, passes the {@link ReplayJournal} (a {@code ReplayFilter}), waits in a queue,
 * and is applied by vCPU 0's thread between slices at a point it reports to the journal. In a
 * replay the queue stays empty and the journal's logged deliveries are applied at their points.
 *
 * <p>A delivery point is (instruction count, halt round): a guest idling in HLT takes inputs
 * without retiring instructions, and a slice that ends halted in between may fire timers, so the
 * number of halted slices at the same count is part of the point.
 */
final class InputPath {

    /** The target name of inputs the kernel itself receives (clock warps, host requests). */
    static final String MACHINE = "machine";

    private record Pending(String target, ReplayEvent event, Consumer<ReplayEvent> receiver) { }

    private final ReplayJournal journal;
    private final Runnable wake;
    private final Map<String, Map<Class<? extends ReplayEvent>, Consumer<ReplayEvent>>> receivers = new HashMap<>();
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();

    /**
     * @param journal the filter every input passes and every delivery is reported to
     * @param wake makes vCPU 0 end its slice and look at the queue (called from foreign threads)
     */
    InputPath(ReplayJournal journal, Runnable wake) {
        this.journal = journal;
        this.wake = wake;
    }

    ReplayJournal journal() {
        return journal;
    }

    boolean replaying() {
        return journal.mode() == Mode.REPLAY;
    }

    /**
     * Registers {@code receiver} for {@code target}'s inputs of {@code kind} and returns the sink
     * host code submits them to.
     */
    synchronized <E extends ReplayEvent> Consumer<E> register(String target, Class<E> kind, Consumer<? super E> receiver) {
        if (kind == ReplayEvent.HostClock.class) {
            throw new IllegalArgumentException("host time is read with hostClockNanos(), not received as an input");
        }
        var byKind = receivers.computeIfAbsent(target, t -> new HashMap<>());
        if (byKind.containsKey(kind)) {
            throw new IllegalStateException("'" + target + "' already receives " + kind.getSimpleName() + " inputs");
        }
        Consumer<ReplayEvent> typed = e -> receiver.accept(kind.cast(e));
        byKind.put(kind, typed);
        return event -> submit(target, kind.cast(event), typed);
    }

    /**
     * Forgets {@code target} (a device taken out of the machine): its receivers, and its inputs not
     * applied yet, which no longer have a device to reach; the name may be registered again.
     */
    synchronized void forget(String target) {
        receivers.remove(target);
        queue.removeIf(p -> p.target().equals(target));
    }

    /** Hands a host input to the journal, which queues it (or, replaying, drops it). Any thread. */
    private void submit(String target, ReplayEvent event, Consumer<ReplayEvent> receiver) {
        journal.input(event, e -> {
            queue.add(new Pending(target, e, receiver));
            wake.run();
        });
    }

    /** Whether live inputs wait to be applied. */
    boolean hasPending() {
        return !queue.isEmpty();
    }

    /** On vCPU 0 between slices: applies the queued live inputs at {@code instructions}/{@code haltRound}. */
    void applyLive(long instructions, int haltRound) {
        Pending p;
        while ((p = queue.poll()) != null) {
            p.receiver().accept(p.event());
            journal.delivered(new Delivery(instructions, haltRound, p.target(), p.event()));
        }
    }

    /**
     * On vCPU 0 between slices of a replay: applies the logged inputs due at {@code
     * instructions}/{@code haltRound}.
     *
     * @throws ReplayDivergence when a logged input's point has been passed
     */
    void applyRecorded(long instructions, int haltRound) {
        Optional<Delivery> next;
        while ((next = journal.nextRecorded()).isPresent()) {
            Delivery d = next.get();
            boolean passed = d.instructions() < instructions
                    || (d.instructions() == instructions && d.haltRound() < haltRound);
            if (passed) {
                throw new ReplayDivergence(instructions, "the logged input for '" + d.target() + "' ("
                        + d.event().getClass().getSimpleName() + ") was due at instruction " + d.instructions() + " halt round "
                        + d.haltRound() + ", but vCPU 0 is at halt round " + haltRound + " of instruction " + instructions);
            }
            if (d.instructions() != instructions || d.haltRound() != haltRound) {
                return;
            }
            receiverOf(d, instructions).accept(d.event());
            journal.consumeRecorded();
        }
    }

    /** The instruction count of the next logged input of a replay, or {@link Long#MAX_VALUE}. */
    long nextRecordedInstructions() {
        return journal.nextRecorded().map(Delivery::instructions).orElse(Long.MAX_VALUE);
    }

    private synchronized Consumer<ReplayEvent> receiverOf(Delivery d, long instructions) {
        var byKind = receivers.get(d.target());
        Consumer<ReplayEvent> r = byKind == null ? null : byKind.get(d.event().getClass());
        if (r == null) {
            throw new ReplayDivergence(instructions, "the log has a " + d.event().getClass().getSimpleName() + " input for '"
                    + d.target() + "', which this machine has no receiver for");
        }
        return r;
    }
}
