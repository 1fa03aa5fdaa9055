package dev.tern.kernel.machine;

import dev.tern.kernel.clock.MachineClock;
import dev.tern.kernel.emt.Emt;
import dev.tern.kernel.emt.EmtGroup;
import dev.tern.spi.cpu.Vcpu;
import dev.tern.spi.cpu.VcpuExit;

import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The vCPUs of a {@link VcpuScheduling#PARALLEL} machine, each on its own EMT. vCPU 0 stays in
 * EMT 0's {@link SliceLoop}, which also runs inputs, timers and requests; every other vCPU runs
 * here in slices on its own EMT and only tells EMT 0 what it needs to know: that a timer fell due
 * (virtual time is the sum of all vCPUs' instructions, so any vCPU can make it pass) and that it
 * halted (the machine idles, and the clock may warp, only when every vCPU halted). See docs/smp.md.
 *
 * <p>Halting without lost wake-ups: each vCPU has a wake count, raised by every interrupt input
 * delivered to it from another thread before its EMT is kicked. A vCPU counts as halted only if
 * it halted with the wake count it read before its slice began; a wake in between makes it run
 * again (the kick is pending, so its {@link Emt#awaitWork} returns at once).
 */
final class ParallelVcpus {

    /** The shortest slice: keeps the per-slice overhead small when timers are close together. */
    static final long MIN_SLICE = 1_000;

    private final List<Vcpu> cpus;
    private final MachineClock clock;
    private final EmtGroup emts;
    /** Interrupt inputs delivered to each vCPU from other threads. */
    private final AtomicLongArray wakes;
    /** The wake count each vCPU halted with, or -1 while it runs. */
    private final AtomicLongArray haltedAt;

    ParallelVcpus(List<Vcpu> cpus, MachineClock clock, EmtGroup emts) {
        this.cpus = cpus;
        this.clock = clock;
        this.emts = emts;
        this.wakes = new AtomicLongArray(cpus.size());
        this.haltedAt = new AtomicLongArray(cpus.size());
        for (int i = 0; i < cpus.size(); i++) {
            haltedAt.set(i, -1);
        }
    }

    /** vCPU {@code id} got an interrupt input from another thread: its EMT must look. */
    void wake(int id) {
        wakes.incrementAndGet(id);
        Emt target = emts.emt(id);
        if (Emt.current() != target) {
            target.kick();
        }
    }

    /** One slice of vCPU {@code emt.id()} (not 0) on its own EMT, and what its end means for {@code m}. */
    void runSlice(Emt emt, Machine m) throws InterruptedException {
        switch (step(emt)) {
            case VcpuExit.Shutdown s -> {
                if (m.spec().onReset() == ResetPolicy.RESET) {
                    m.requestGuestReset(); // EMT 0 resets every vCPU
                } else {
                    m.finish(new MachineExit(MachineExit.Reason.CPU_SHUTDOWN, 2, "CPU shutdown on vCPU " + emt.id() + ": " + s.reason()));
                }
            }
            case VcpuExit.Debug d -> m.finish(new MachineExit(MachineExit.Reason.ERROR, 3,
                    "vCPU " + emt.id() + " stopped for a debugger, which parallel vCPUs do not support"));
            case VcpuExit.PortIo io -> m.finish(new MachineExit(MachineExit.Reason.ERROR, 3,
                    "vCPU " + emt.id() + " exited for port I/O at 0x" + Integer.toHexString(io.port())
                            + ", but this machine expects CPUs to dispatch port I/O themselves"));
            default -> { }
        }
    }

    /** One slice of vCPU {@code emt.id()} (not 0) on its own EMT; returns what ended it. */
    private VcpuExit step(Emt emt) throws InterruptedException {
        int id = emt.id();
        Vcpu cpu = cpus.get(id);
        long seen = wakes.get(id);
        haltedAt.set(id, -1);
        long before = cpu.instructionCount();
        VcpuExit e = cpu.run(budget());
        long retired = cpu.instructionCount() - before;
        if (clock.nextDeadline() <= clock.nanos()) {
            emts.emt(0).kick(); // EMT 0 fires the timers
        }
        if (e instanceof VcpuExit.Halted && retired == 0) {
            haltedAt.set(id, seen);
            emts.emt(0).kick(); // the machine may be idle now
            emt.awaitWork(Long.MAX_VALUE);
        }
        return e;
    }

    /** The slice of a vCPU: about its share of the instructions left until the next timer. */
    long budget() {
        long budget = SliceLoop.SLICE;
        long next = clock.nextDeadline();
        if (next != Long.MAX_VALUE) {
            budget = Math.min(budget, Math.max(MIN_SLICE, clock.instructionsUntil(next) / running()));
        }
        return budget;
    }

    /** How many vCPUs retire instructions now (vCPU 0 counted as running): they share the clock's advance. */
    int running() {
        int n = 1;
        for (int i = 1; i < cpus.size(); i++) {
            if (!halted(i)) {
                n++;
            }
        }
        return n;
    }

    /** Whether every vCPU but vCPU 0 is halted with no wake-up since. */
    boolean othersHalted() {
        for (int i = 1; i < cpus.size(); i++) {
            if (!halted(i)) {
                return false;
            }
        }
        return true;
    }

    private boolean halted(int id) {
        long at = haltedAt.get(id);
        return at >= 0 && at == wakes.get(id);
    }

    /** After a reset or a state load: every vCPU may run. */
    void forgetHalts() {
        for (int i = 0; i < cpus.size(); i++) {
            haltedAt.set(i, -1);
        }
    }
}
