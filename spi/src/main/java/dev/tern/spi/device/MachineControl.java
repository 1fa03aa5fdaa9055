package dev.tern.spi.device;

/**
 * The machine-level effects a device may cause. Host-side input (a key typed, a packet received)
 * must reach device state through {@link #post}: that is the path record/replay intercepts.
 */
public interface MachineControl {

    /** The guest asked to power off; the VMM exits with {@code exitStatus}. */
    void requestPowerOff(int exitStatus);

    /** The guest asked for a system reset. */
    void requestReset();

    /**
     * Drives the A20 gate (keyboard controller output port bit 1, port 0x92 bit 1): when off, CPUs
     * wrap physical address bit 20 to zero as the 8086 did.
     */
    void setA20(boolean enabled);

    /**
     * Runs {@code event} on the machine's event thread at the next instruction boundary. Safe from
     * any thread.
     */
    void post(Runnable event);
}
