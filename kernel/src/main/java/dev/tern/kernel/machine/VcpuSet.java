package dev.tern.kernel.machine;

import dev.tern.spi.cpu.Vcpu;
import dev.tern.spi.cpu.VcpuExit;
import dev.tern.spi.state.StateSection;

import java.util.List;
import java.util.Optional;

/**
 * The machine's vCPUs as one instruction stream: they take turns on the machine's single EMT, each
 * retiring at most {@link #QUANTUM} instructions per turn (round-robin in vCPU order); a vCPU that
 * halts (or waits for a startup IPI) ends its turn early. A turn is cut only by the quantum or the
 * guest, never by where a slice ends, so the interleaving is a function of the guest's own
 * execution — record/replay and fault tolerance need nothing more than the machine's instruction
 * count to reproduce it. See docs/smp.md.
 *
 * <p>{@link #instructions()}, the sum of every vCPU's retired instructions, is the machine's
 * instruction count: the virtual clock and the replay journal count it. With one vCPU it is that
 * vCPU's count and {@link #run} is that vCPU's run, unchanged.
 *
 * <p>With {@link VcpuScheduling#PARALLEL} there are no turns: {@link #run} runs vCPU 0 only, the
 * others run on EMTs of their own ({@link ParallelVcpus}), and {@link #instructions()} reads their
 * counts while they run.
 */
final class VcpuSet {

    /** Instructions a vCPU retires per turn when the machine has several. */
    static final long QUANTUM = 10_000;

    private final List<Vcpu> cpus;
    /** The vCPU whose turn it is (EMT only). */
    private int current;
    /** What is left of its turn (EMT only). */
    private long quantumLeft = QUANTUM;
    /** The vCPU in (or about to enter) {@link Vcpu#run}: the one an exit request must reach. */
    private volatile Vcpu running;
    private final boolean parallel;
    /**
     * The largest count {@link #instructions()} returned (parallel only): the others' counts are
     * read while their threads write them, and time must never go back.
     */
    private final java.util.concurrent.atomic.AtomicLong highest = new java.util.concurrent.atomic.AtomicLong();

    VcpuSet(List<Vcpu> cpus) {
        this(cpus, VcpuScheduling.TURNS);
    }

    VcpuSet(List<Vcpu> cpus, VcpuScheduling scheduling) {
        if (cpus.isEmpty()) {
            throw new IllegalArgumentException("a machine needs at least one vCPU");
        }
        this.cpus = List.copyOf(cpus);
        this.running = cpus.getFirst();
        this.parallel = scheduling == VcpuScheduling.PARALLEL && cpus.size() > 1;
    }

    /** Whether each vCPU runs on its own thread. */
    boolean parallel() {
        return parallel;
    }

    List<Vcpu> all() {
        return cpus;
    }

    int size() {
        return cpus.size();
    }

    /** Instructions the machine retired: the sum over its vCPUs. */
    long instructions() {
        if (cpus.size() == 1) {
            return cpus.getFirst().instructionCount();
        }
        long sum = 0;
        for (Vcpu v : cpus) {
            sum += v.instructionCount();
        }
        if (!parallel) {
            return sum;
        }
        long high = highest.get();
        if (sum <= high) {
            return high;
        }
        highest.compareAndSet(high, sum); // a lost race leaves a larger value there: fine
        return sum;
    }

    /**
     * Runs the vCPUs in turn until {@code budget} instructions were retired in all, or until a vCPU
     * exits for another reason. Returns {@link VcpuExit.Halted} only when every vCPU halted without
     * retiring anything since the last one that did (the machine is idle).
     */
    VcpuExit run(long budget) {
        if (cpus.size() == 1 || parallel) {
            return cpus.getFirst().run(budget);
        }
        long done = 0;
        int idleTurns = 0;
        while (true) {
            Vcpu cpu = cpus.get(current);
            running = cpu;
            long before = cpu.instructionCount();
            VcpuExit e = cpu.run(Math.min(budget - done, quantumLeft));
            long retired = cpu.instructionCount() - before;
            done += retired;
            quantumLeft -= retired;
            if (retired > 0) {
                idleTurns = 0;
            }
            switch (e) {
                case VcpuExit.Halted h -> {
                    idleTurns = retired == 0 ? idleTurns + 1 : 0;
                    nextTurn();
                    if (idleTurns >= cpus.size()) {
                        return h;
                    }
                    if (done >= budget) {
                        return VcpuExit.BUDGET_EXHAUSTED;
                    }
                }
                case VcpuExit.BudgetExhausted b -> {
                    if (quantumLeft <= 0) {
                        nextTurn();
                    }
                    if (done >= budget) {
                        return b;
                    }
                }
                default -> {
                    return e;
                }
            }
        }
    }

    private void nextTurn() {
        current = (current + 1) % cpus.size();
        quantumLeft = QUANTUM;
    }

    /** Ends the running vCPU's run at its next instruction boundary. */
    void requestExit() {
        running.requestExit();
    }

    /** Whether no vCPU can ever run again without a reset. */
    boolean haltedForever() {
        for (Vcpu v : cpus) {
            if (!v.haltedForever()) {
                return false;
            }
        }
        return true;
    }

    void reset() {
        cpus.forEach(Vcpu::reset);
        highest.set(0);
        current = 0;
        quantumLeft = QUANTUM;
        running = cpus.getFirst();
    }

    /**
     * The turn in progress, saved with an SMP machine so a restored one interleaves its vCPUs as
     * the original would have (none for one vCPU: nothing to restore).
     */
    Optional<StateSection<?>> scheduleSection() {
        if (cpus.size() == 1) {
            return Optional.empty();
        }
        return Optional.of(new StateSection<Turn>() {
            @Override
            public String name() {
                return "vcpu-turn";
            }

            @Override
            public Class<Turn> stateType() {
                return Turn.class;
            }

            @Override
            public Turn save() {
                return new Turn(current, quantumLeft);
            }

            @Override
            public Optional<String> validate(Turn t) {
                if (t.vcpu() < 0 || t.vcpu() >= cpus.size()) {
                    return Optional.of("vcpu-turn: vCPU " + t.vcpu() + " does not exist (0.." + (cpus.size() - 1) + ")");
                }
                // 0 is a turn that ended exactly as its vCPU exited for another reason (a stop for a
                // checkpoint, an I/O exit): the next run switches vCPUs before retiring anything
                if (t.left() < 0 || t.left() > QUANTUM) {
                    return Optional.of("vcpu-turn: " + t.left() + " instructions left of a turn, expected 0.." + QUANTUM);
                }
                return Optional.empty();
            }

            @Override
            public void load(Turn t) {
                current = t.vcpu();
                quantumLeft = t.left();
                running = parallel ? cpus.getFirst() : cpus.get(current);
                highest.set(0); // the loaded counts are the time now, earlier or not
            }
        });
    }

    /**
     * Saved state of the interleaving.
     *
     * @param vcpu whose turn it is
     * @param left instructions left of that turn
     */
    public record Turn(int vcpu, long left) {
    }
}
