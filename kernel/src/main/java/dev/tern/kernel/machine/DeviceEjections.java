package dev.tern.kernel.machine;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Devices whose slot the guest powered off, waiting to be taken out of the machine. A vCPU asks in
 * the middle of a guest access (the hot-plug controller's register write), where nothing may be
 * removed; the vCPU then stops at the next instruction boundary and EMT 0 takes the device out
 * between slices, as it carries out a guest's reset ({@link MachineResets}). That point follows from
 * the instruction stream alone, so a recording and its replay remove the device at the same
 * instruction count.
 */
final class DeviceEjections {

    private final Machine m;
    private final Set<String> pending = new LinkedHashSet<>();
    /** Whether {@link #pending} may hold a request: read at every slice boundary without the lock. */
    private volatile boolean requested;

    DeviceEjections(Machine machine) {
        this.m = machine;
    }

    /** Asks EMT 0 to take device {@code instance} out at its next slice boundary (any thread). */
    synchronized void request(String instance) {
        pending.add(instance);
        requested = true;
    }

    private synchronized List<String> take() {
        requested = false;
        if (pending.isEmpty()) {
            return List.of();
        }
        List<String> taken = List.copyOf(pending);
        pending.clear();
        return taken;
    }

    /**
     * Takes out every requested device the machine still has, with every vCPU stopped (EMT 0,
     * between slices), then tells the listeners ({@link Machine#onDeviceEjected}).
     */
    void carryOut() {
        if (!requested) {
            return;
        }
        for (String instance : take()) {
            if (remove(instance)) {
                m.devices.ejected(instance);
            }
        }
    }

    private boolean remove(String instance) {
        java.util.function.Supplier<Boolean> removal = () -> {
            Optional<MachineDevice> d = m.devices.find(instance);
            d.ifPresent(x -> {
                m.removeDevice(x);
                x.device().powerOff();
            });
            return d.isPresent();
        };
        // with parallel vCPUs the others run on their own threads: stop them for the removal
        return m.parallel != null ? m.withVcpusStopped(removal) : removal.get();
    }
}
