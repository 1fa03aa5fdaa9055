package dev.tern.devices.pci;

import dev.tern.spi.io.PortIoSpace;

import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;

/**
 * Where a PCI device finds its machine's bus. The SPI's device context offers no lookup of other
 * devices, so the host bridge publishes its bus under the machine's port space: one object per
 * machine, shared by all its devices, identity-compared. Entries are weak and removed at power-off.
 */
public final class PciBusRegistry {

    private static final Map<PortIoSpace, PciBus> BUSES = new WeakHashMap<>();

    private PciBusRegistry() {
    }

    /**
     * Publishes {@code bus} as the bus of the machine owning {@code ports}.
     *
     * @throws IllegalStateException when that machine already has a PCI host
     */
    public static void publish(PortIoSpace ports, PciBus bus) {
        synchronized (BUSES) {
            PciBus old = BUSES.get(ports);
            if (old != null && old != bus) {
                throw new IllegalStateException("this machine already has a PCI host bridge; only one is supported");
            }
            BUSES.put(ports, bus);
        }
    }

    /** Removes {@code bus} if it is still the one published for {@code ports}. */
    public static void withdraw(PortIoSpace ports, PciBus bus) {
        synchronized (BUSES) {
            BUSES.remove(ports, bus);
        }
    }

    /** The bus of the machine owning {@code ports}. */
    public static Optional<PciBus> find(PortIoSpace ports) {
        synchronized (BUSES) {
            return Optional.ofNullable(BUSES.get(ports));
        }
    }

    /**
     * The bus of the machine owning {@code ports}.
     *
     * @throws IllegalStateException naming {@code device} when the machine has no {@code pci-host}
     */
    public static PciBus require(PortIoSpace ports, String device) {
        return find(ports).orElseThrow(() -> new IllegalStateException(device
                + ": the machine has no PCI bus; add a 'pci-host' device"));
    }
}
