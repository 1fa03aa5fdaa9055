package dev.tern.spi.device;

import dev.tern.spi.state.StateSection;

import java.util.List;
import java.util.Optional;

/**
 * A device instance. Lifecycle: created → {@link #realize()} (claim ports, MMIO, interrupts) →
 * {@link #reset()} → running, with {@link #pause()}/{@link #resume()} around saves and migration →
 * {@link #powerOff()}. All but {@code reset} have empty defaults.
 *
 * <p>Device state changes only through the kernel's paths (I/O handlers on the vCPU thread, timer
 * callbacks and posted events on the event thread) so that runs are deterministic.
 */
public interface Device {

    /** Claims the device's resources. Called once. */
    default void realize() {
    }

    /** Returns to power-on state (guest reset). */
    void reset();

    /** The machine is about to stop running guest code; quiesce host-side activity. */
    default void pause() {
    }

    /** The machine runs guest code again. */
    default void resume() {
    }

    /** The machine is going away: release host resources. */
    default void powerOff() {
    }

    /**
     * Why the device cannot be removed from the running machine now because the guest still uses
     * it (and how the guest lets it go), or empty. Asked with the vCPUs stopped, only of devices
     * whose provider is {@link DeviceProvider#hotPluggable()}. Since SPI 1.7.
     */
    default Optional<String> unplugBlocker() {
        return Optional.empty();
    }

    /**
     * Asks the guest to give the device up through the hot-plug controller of its slot (a press of
     * an SHPC slot's attention button). True when the guest was asked: the device stays until the
     * guest powers its slot off, and then its controller tells the machine
     * ({@link MachineControl#ejectDevice}). False when the device's slot has no controller, or the
     * guest never powered it on: it may be removed at once. Asked with the vCPUs stopped, only of
     * devices whose provider is {@link DeviceProvider#hotPluggable()}. Since SPI 1.9.
     */
    default boolean requestEjection() {
        return false;
    }

    /** The device's saved-state sections. */
    default List<StateSection<?>> sections() {
        return List.of();
    }
}
