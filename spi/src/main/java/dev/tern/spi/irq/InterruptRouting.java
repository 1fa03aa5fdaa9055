package dev.tern.spi.irq;

import dev.tern.spi.Registration;

/**
 * The machine's interrupt wiring: devices ask for the line of a global interrupt number; a
 * controller device claims the inputs it implements and connects itself to the CPUs.
 *
 * <p>Two ways to reach CPUs: a controller that drives one INTR for the machine (the 8259 of a
 * single-CPU PC) uses {@link #connectCpu(InterruptController)}; controllers that deliver to a chosen
 * vCPU (local APICs) take each vCPU's {@link CpuInterruptPort} with {@link #connectCpu(int,
 * InterruptController)}. Devices use neither: they only raise lines.
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

    /**
     * How many vCPUs the machine has; a controller that delivers per vCPU sizes itself with it.
     *
     * @since SPI 1.4
     */
    default int cpuCount() {
        return 1;
    }

    /**
     * Installs the controller vCPU {@code vcpuId} acknowledges INTR through and returns that vCPU's
     * interrupt inputs. For controllers that route interrupts to a chosen CPU (one local APIC per
     * vCPU); a machine wires a vCPU either this way or through {@link #connectCpu(InterruptController)}.
     *
     * @throws IllegalArgumentException when {@code vcpuId} is not {@code 0..cpuCount()-1}
     * @throws IllegalStateException when that vCPU already has a controller
     * @throws UnsupportedOperationException when this wiring has no per-vCPU inputs (the default)
     * @since SPI 1.4
     */
    default CpuInterruptPort connectCpu(int vcpuId, InterruptController controller) {
        throw new UnsupportedOperationException("this machine's interrupt wiring has no per-vCPU interrupt inputs");
    }

    /**
     * Virtual-wire mode: the INTR that the single-INTR controller ({@link
     * #connectCpu(InterruptController)}, the PC's 8259) drives goes to {@code wire} (the local APICs'
     * LINT0) instead of straight to the CPUs. Returns the controller an ExtINT delivery acknowledges:
     * that same 8259, whenever it connects.
     *
     * @throws IllegalStateException when the wire is already redirected
     * @throws UnsupportedOperationException when this wiring cannot redirect INTR (the default)
     * @since SPI 1.6
     */
    default InterruptController connectVirtualWire(InterruptLine wire) {
        throw new UnsupportedOperationException("this machine's interrupt wiring cannot redirect INTR");
    }

    /**
     * Lets {@code sink} hear lines {@code [firstGsi, firstGsi+count)} besides the controller that
     * claims them: on a PC the ISA interrupts reach both the 8259 and the I/O APIC. A tap sees the
     * current levels at once and every change after; it never conflicts with a claim or another tap.
     *
     * @throws UnsupportedOperationException when this wiring has no taps (the default)
     * @since SPI 1.6
     */
    default Registration tap(String owner, int firstGsi, int count, InterruptSink sink) {
        throw new UnsupportedOperationException("this machine's interrupt wiring cannot share lines");
    }

    /** A controller input's receiver. */
    @FunctionalInterface
    interface InterruptSink {
        /** Input {@code index} (relative to the claimed range) changed to {@code level}. */
        void set(int index, boolean level);
    }
}
