package dev.tern.kernel.machine;

import dev.tern.kernel.emt.Emt;
import dev.tern.kernel.emt.EmtGroup;

/**
 * Which EMT wakes when work for it arrives: inputs, events and the 8259's INTR wake EMT 0; an
 * interrupt for vCPU n wakes n's EMT (with turns, EMT 0); a timer armed earlier than the running
 * slice's end ends that slice. An EMT never kicks itself out of an idle wait it is not in.
 */
final class EmtWakeups {

    private final EmtGroup emts;
    private final VcpuSet cpus;
    private final SliceLoop loop;
    /** The vCPUs on their own EMTs, or null when they take turns on EMT 0. */
    private final ParallelVcpus parallel;

    EmtWakeups(EmtGroup emts, VcpuSet cpus, SliceLoop loop, ParallelVcpus parallel) {
        this.emts = emts;
        this.cpus = cpus;
        this.loop = loop;
        this.parallel = parallel;
    }

    /**
     * A timer was armed earlier than the running slice's end: end the slice so the timer fires on
     * time. From the vCPU's own I/O handler the exit lands right after the current instruction — a
     * deterministic point; from elsewhere the EMT is woken.
     */
    void deadlineMovedEarlier() {
        if (Emt.current() == emts.emt(0)) {
            if (loop.inSlice()) {
                cpus.requestExit();
            }
        } else {
            emts.emt(0).kick();
        }
    }

    /** The INTR line of vCPU 0 (the 8259's output) changed. */
    void intr(boolean level) {
        cpus.all().getFirst().setInterruptRequest(level);
        if (level) {
            emt0();
        }
    }

    /** vCPU {@code id}'s interrupt inputs changed: its EMT wakes from an idle wait. */
    void vcpu(int id) {
        if (parallel != null) {
            parallel.wake(id);
        } else {
            emt0();
        }
    }

    /** Work for EMT 0 was queued (an input, an event, an interrupt): unless it queued it itself, it wakes. */
    void emt0() {
        if (Emt.current() != emts.emt(0)) {
            emts.emt(0).kick();
        }
    }
}
