package dev.tern.spi.irq;

import dev.tern.spi.Registration;

/**
 * The machine's interrupt wiring: devices ask for the line of a global interrupt number; a
 * controller device claims the inputs it implements and connects itself to the CPUs.
 */
public interface InterruptRouting {

    /**
     * The line feeding global interrupt {@code gsi}. Valid before the controller connects; levels set
     * before then are delivered when it does.
     */
    InterruptLine line(int gsi);

    /**
     * Connects a controller's inputs {@code [firstGsi, firstGsi+count)} to {@code sink}, which is
     * called with (input index, level) on every level change.
     */
    Registration claim(String owner, int firstGsi, int count, InterruptSink sink);

    /**
     * Installs the controller CPUs acknowledge interrupts through, and returns the line that drives
     * the CPUs' INTR pin.
     */
    InterruptLine connectCpu(InterruptController controller);

    /** A controller input's receiver. */
    @FunctionalInterface
    interface InterruptSink {
        /** Input {@code index} (relative to the claimed range) changed to {@code level}. */
        void set(int index, boolean level);
    }
}
