package dev.tern.spi.device;

import dev.tern.spi.Provider;

/** Supplies a device model (e.g. {@code "uart16550"}). */
public interface DeviceProvider extends Provider {

    /** Creates one instance, wired through {@code context}. Registration of I/O happens in {@link Device#realize()}. */
    Device create(DeviceContext context);
}
