package dev.tern.spi.cpu;

/** Why {@link Vcpu#run} returned. A closed set: the kernel's run loop handles every case. */
public sealed interface VcpuExit {

    /** The instruction budget is used up. */
    record BudgetExhausted() implements VcpuExit { }

    /** The guest executed HLT (or an equivalent) and waits for an interrupt. */
    record Halted() implements VcpuExit { }

    /** {@link Vcpu#requestExit()} was called. */
    record ExitRequested() implements VcpuExit { }

    /** The CPU cannot continue (e.g. triple fault); the machine resets or stops. */
    record Shutdown(String reason) implements VcpuExit { }

    /**
     * A port access the CPU did not dispatch itself (CPUs that run guest code natively exit for I/O);
     * the kernel dispatches it and, for reads, hands the value back with the next run.
     */
    record PortIo(int port, int size, boolean write, int value) implements VcpuExit { }

    /** A debug event (breakpoint, single step) for an attached debugger. */
    record Debug(long address) implements VcpuExit { }

    /** Shared instances of the stateless exits. */
    VcpuExit BUDGET_EXHAUSTED = new BudgetExhausted();
    /** Shared instance. */
    VcpuExit HALTED = new Halted();
    /** Shared instance. */
    VcpuExit EXIT_REQUESTED = new ExitRequested();
}
