package dev.tern.kernel.machine;

import java.util.Map;
import java.util.Objects;

/**
 * One device of a machine.
 *
 * @param provider the device provider's id ({@code "uart16550"})
 * @param instance the instance name, unique in the machine ({@code "serial0"})
 * @param config the provider's configuration, validated against its declared keys
 */
public record DeviceSpec(String provider, String instance, Map<String, String> config) {

    public DeviceSpec {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(instance, "instance");
        config = Map.copyOf(config);
    }
}
