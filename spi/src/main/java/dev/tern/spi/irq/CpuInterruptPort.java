package dev.tern.spi.irq;

/**
 * The interrupt inputs of one vCPU, as an interrupt controller that delivers to a chosen CPU (a
 * local APIC) drives them. Devices never see this: they raise {@link InterruptLine}s, and only the
 * controllers decide which CPU an interrupt reaches.
 *
 * <p>INTR is a level whose vector the CPU fetches through the {@link InterruptController} installed
 * with the port (for a local APIC: its highest deliverable request, or the 8259's vector for an
 * ExtINT delivery). NMI, INIT and SIPI are events: each call is one delivery. A controller calls
 * these from its own handlers (a vCPU thread, or the event thread for timers); the CPU side must
 * accept them from any thread, like {@link dev.tern.spi.cpu.Vcpu#setInterruptRequest}.
 *
 * <p>Only {@link #setInterruptRequest} is required: a CPU without the other inputs refuses them
 * with {@link UnsupportedOperationException}.
 *
 * @since SPI 1.4
 */
public interface CpuInterruptPort {

    /** Drives the INTR pin: high while the controller has an interrupt the CPU should acknowledge. */
    void setInterruptRequest(boolean asserted);

    /** A non-maskable interrupt (vector 2), taken at the next instruction boundary unless NMIs are blocked. */
    default void nmi() {
        throw new UnsupportedOperationException("this CPU has no NMI input");
    }

    /**
     * INIT: the CPU goes to its INIT state (an application processor then waits for a startup IPI;
     * the bootstrap processor restarts at the reset vector).
     */
    default void init() {
        throw new UnsupportedOperationException("this CPU has no INIT input");
    }

    /**
     * A startup IPI: a CPU waiting for one starts in real mode at {@code vector << 12} (CS =
     * {@code vector << 8}, IP = 0); a CPU not waiting ignores it.
     *
     * @param vector the page number 0..255 of the start-up code
     */
    default void startup(int vector) {
        throw new UnsupportedOperationException("this CPU has no startup-IPI input");
    }
}
