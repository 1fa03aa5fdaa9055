package dev.tern.spi.device;

import dev.tern.spi.Provider;

/** Supplies a device model (e.g. {@code "uart16550"}). */
public interface DeviceProvider extends Provider {

    /** Creates one instance, wired through {@code context}. Registration of I/O happens in {@link Device#realize()}. */
    Device create(DeviceContext context);

    /**
     * Whether a device of this kind may be added to and removed from a running machine (the
     * monitor's {@code device_add}/{@code device_del}); such a device must tolerate being created,
     * realized and reset while the machine runs, and {@link Device#powerOff()} alone while it runs.
     * Since SPI 1.7.
     */
    default boolean hotPluggable() {
        return false;
    }
}
