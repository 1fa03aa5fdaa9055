package dev.tern.kernel.machine;

import dev.tern.kernel.emt.Emt;
import dev.tern.kernel.replay.ReplayDivergence;
import dev.tern.kernel.replay.ReplayJournal;
import dev.tern.kernel.stats.Counter;
import dev.tern.spi.cpu.VcpuExit;
import dev.tern.spi.replay.ReplayEvent;

import java.io.IOException;
import java.util.function.LongConsumer;

/**
 * EMT 0's work between and in instruction slices: at each slice boundary the journal's
 * checkpoints and snapshots, the inputs due at this point, timers and machine requests; then a
 * slice of the {@link VcpuSet} whose length ends exactly at the next such point; when the machine
 * idles, the clock warp. Every point is the machine's instruction count plus, at one count, the
 * number of slices that ended halted there (the halt round) — see docs/architecture.md, "Inputs,
 * record and replay". Runs on EMT 0 only.
 */
final class SliceLoop {

    /** Longest instruction slice between event checks: bounds input latency to ~1 ms at 100 MIPS. */
    static final long SLICE = 100_000;

    private final Machine m;
    private final VcpuSet cpus;
    private final Counter slices;
    private final Counter halts;
    /** The instruction count {@link #haltRound} counts halted slices at. */
    private long roundAt = -1;
    private int haltRound;
    /**
     * A slice at {@link #roundAt} ended without retiring anything and not halted: it may have entered
     * an interrupt handler, so live input waits for the next instruction.
     */
    private boolean holdLiveInput;
    private long lastCheckpoint = -1;
    /** Replay history: a snapshot is handed to {@link #snapshotter} at every multiple of this count (0: none). */
    private long snapshotEvery;
    private LongConsumer snapshotter;
    private long lastSnapshot = -1;
    /** Where the recording last embedded a snapshot. */
    private long lastEmbedded = -1;
    /** True while the vCPUs execute a slice whose length was computed from the old deadline. */
    private volatile boolean inSlice;

    SliceLoop(Machine machine, VcpuSet cpus) {
        this.m = machine;
        this.cpus = cpus;
        this.slices = machine.stats().counter("/Machine/Slices", "slices", "instruction slices run");
        this.halts = machine.stats().counter("/Machine/Halts", "halts", "times the machine went idle in HLT");
    }

    /** Hands a snapshot to {@code atCount} at every multiple of {@code every} instructions (a replay's history). */
    void snapshotEvery(long every, LongConsumer atCount) {
        snapshotEvery = every;
        snapshotter = atCount;
    }

    /** A snapshot taken at {@code instructions} was loaded: the bookkeeping starts over there. */
    void rewoundTo(long instructions) {
        roundAt = -1;
        haltRound = 0;
        holdLiveInput = false;
        lastCheckpoint = -1;
        lastSnapshot = instructions;
    }

    /** The halt round of the point at {@code count} (0 unless slices ended halted at that count). */
    int haltRoundAt(long count) {
        return count == roundAt ? haltRound : 0;
    }

    /** Whether the vCPUs are inside a slice (an earlier timer deadline must end it). */
    boolean inSlice() {
        return inSlice;
    }

    void runSlice(Emt emt) throws InterruptedException, IOException {
        long count = cpus.instructions();
        if (count != roundAt) {
            roundAt = count;
            haltRound = 0;
            holdLiveInput = false;
        }
        ReplayJournal journal = m.inputs.journal();
        long interval = journal.checkpointInterval();
        if (interval > 0 && count % interval == 0 && count != lastCheckpoint) {
            lastCheckpoint = count;
            journal.checkpoint(count, m::fingerprint);
        }
        long embedEvery = journal.snapshotInterval();
        if (embedEvery > 0 && count > 0 && count % embedEvery == 0 && count != lastEmbedded) {
            lastEmbedded = count;
            journal.snapshot(count, out -> MachineSnapshot.save(m, out));
        }
        if (snapshotEvery > 0 && count % snapshotEvery == 0 && count != lastSnapshot) {
            lastSnapshot = count;
            snapshotter.accept(count);
        }
        boolean replaying = m.inputs.replaying();
        DeviceLock devices = m.deviceLock;
        devices.lock(); // uncontended unless vCPUs run in parallel: then they may be in a device
        try {
            if (replaying) {
                m.inputs.applyRecorded(count, haltRound);
            } else if (!holdLiveInput) {
                m.inputs.applyLive(count, haltRound);
            }
            m.runEvents();
            m.clock().fireExpired();
        } finally {
            devices.unlock();
        }
        if (m.takeResetRequest()) {
            m.guestReset("guest requested a reset");
            return;
        }
        if (m.exited()) {
            return;
        }
        m.ejections.carryOut();
        if (replaying && replayEnded(count, journal)) {
            return;
        }
        if (m.stops.holdIfReached(count)) {
            return;
        }
        if (m.stops.breakRequested()) {
            m.stops.stopForDebugger(count, new DebugStop.Interrupted());
            return;
        }
        long budget = budget(count, journal, replaying);
        if (budget < 0) {
            m.finish(new MachineExit(MachineExit.Reason.INSTRUCTION_LIMIT, 0, "stopped after " + count + " instructions"));
            return;
        }
        slices.increment();
        inSlice = true;
        VcpuExit e;
        try {
            e = cpus.run(budget);
        } finally {
            inSlice = false;
        }
        if (cpus.instructions() == count) {
            // A halted slice that retired nothing changed nothing; any other such slice may have
            // entered an interrupt handler, and an input applied after it at the same count would
            // replay before it.
            if (e instanceof VcpuExit.Halted) {
                haltRound++;
                holdLiveInput = false;
            } else {
                holdLiveInput = true;
            }
        }
        switch (e) {
            case VcpuExit.BudgetExhausted b -> { }
            case VcpuExit.ExitRequested r -> { }
            case VcpuExit.Debug d -> m.stops.stopForDebugger(cpus.instructions(), new DebugStop.CpuEvent(d.address()));
            case VcpuExit.Halted h -> idle(emt);
            case VcpuExit.Shutdown s -> m.cpuShutdown(s.reason());
            case VcpuExit.PortIo io -> m.finish(new MachineExit(MachineExit.Reason.ERROR, 3,
                    "the CPU exited for port I/O at 0x" + Integer.toHexString(io.port())
                            + ", but this machine expects CPUs to dispatch port I/O themselves"));
        }
    }

    /**
     * After the inputs, timers and requests of this point, as the recording had them: whether the
     * replay reached the recording's end here (inputs logged at this count for a later halt round
     * come first: the guest halts to take them).
     */
    private boolean replayEnded(long count, ReplayJournal journal) {
        var end = journal.recordedEnd();
        if (end.isEmpty() || count < end.getAsLong() || m.inputs.nextRecordedInstructions() <= count) {
            return false;
        }
        if (m.stops.hasDebugger()) {
            // a debugger may still go back: the end of the recording is a stop, not the end of the run
            m.stops.stopForDebugger(count, new DebugStop.ReplayEnd());
            return true;
        }
        m.finish(new MachineExit(MachineExit.Reason.REPLAY_END, 0, "replayed to the end of the recording at instruction " + count
                + journal.truncation().map(t -> " (" + t + ")").orElse("")));
        return true;
    }

    /** The slice's length: up to the next timer, stop point, checkpoint, snapshot, logged input or limit (-1: the instruction limit is reached). */
    private long budget(long count, ReplayJournal journal, boolean replaying) {
        long budget = SLICE;
        long next = m.clock().nextDeadline();
        if (next != Long.MAX_VALUE) {
            long until = m.clock().instructionsUntil(next);
            ParallelVcpus others = m.parallel;
            // running vCPUs share the clock's advance: vCPU 0 takes its part of the way to the timer
            budget = Math.min(budget, others == null ? until : Math.max(1, until / others.running()));
        }
        long hold = m.stops.holdPointInstructions();
        if (hold >= 0) {
            budget = Math.min(budget, hold - count);
        }
        budget = untilMultiple(budget, count, journal.checkpointInterval());
        budget = untilMultiple(budget, count, snapshotEvery);
        budget = untilMultiple(budget, count, journal.snapshotInterval());
        if (replaying) {
            // end the slice exactly where the next logged input (or the recording) stops
            long input = m.inputs.nextRecordedInstructions();
            if (input > count) {
                budget = Math.min(budget, input - count);
            }
            var end = journal.recordedEnd();
            if (end.isPresent() && end.getAsLong() > count) {
                budget = Math.min(budget, end.getAsLong() - count);
            }
        }
        long max = m.spec().maxInstructions();
        if (max > 0) {
            long left = max - count;
            if (left <= 0) {
                return -1;
            }
            budget = Math.min(budget, left);
        }
        return budget;
    }

    private static long untilMultiple(long budget, long count, long every) {
        return every > 0 ? Math.min(budget, every - count % every) : budget;
    }

    /**
     * The machine is idle in HLT: let virtual time reach the next timer (or wait for input). The warp
     * is an input like any other — under realtime pacing its size depends on how long the host waited.
     */
    private void idle(Emt emt) throws InterruptedException, IOException {
        if (m.inputs.hasPending() || m.hasEvents() || m.exited()) {
            return;
        }
        ParallelVcpus others = m.parallel;
        if (others != null && !others.othersHalted()) {
            // the others move the clock on: one that makes a timer due, or halts, kicks this EMT
            emt.awaitWork(Long.MAX_VALUE);
            return;
        }
        halts.increment();
        if (cpus.haltedForever()) {
            m.finish(new MachineExit(MachineExit.Reason.HALTED, 0,
                    "the guest halted with interrupts disabled (a power-off without a power-off device)"));
            return;
        }
        m.inputs.journal().idle();
        if (m.inputs.replaying()) {
            replayIdle();
            return;
        }
        var clock = m.clock();
        long next = clock.nextDeadline();
        long now = clock.nanos();
        if (next == Long.MAX_VALUE) {
            emt.awaitWork(Long.MAX_VALUE);
        } else if (m.spec().pacing() == Pacing.WARP) {
            m.warp(new ReplayEvent.ClockWarp(next));
        } else {
            long t0 = System.nanoTime();
            emt.awaitWork(Math.max(0, next - now));
            long slept = System.nanoTime() - t0;
            long target = Math.min(next, now + slept);
            if (target > now) {
                m.warp(new ReplayEvent.ClockWarp(target));
            }
        }
    }

    /** A replayed guest idles: the log's next input must be due here, or the recording ended here. */
    private void replayIdle() {
        long count = cpus.instructions();
        var journal = m.inputs.journal();
        var next = journal.nextRecorded();
        var end = journal.recordedEnd();
        if (next.isPresent() && next.get().instructions() == count || end.isPresent() && end.getAsLong() == count) {
            return;
        }
        if (next.isPresent()) {
            throw new ReplayDivergence(count, "the machine halted waiting for input, but the log's next input (for '"
                    + next.get().target() + "') is at instruction " + next.get().instructions());
        }
        throw new ReplayDivergence(count, "the machine halted waiting for input the log does not have (the recording ended at instruction "
                + (end.isPresent() ? end.getAsLong() : "?") + ")");
    }
}
