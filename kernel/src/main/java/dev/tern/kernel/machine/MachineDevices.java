package dev.tern.kernel.machine;

import dev.tern.spi.device.Device;
import dev.tern.spi.state.StateSection;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The devices of a machine, in the order they were added, and what they ask of the machine as a
 * set: the A20 gate (open when any device that spoke holds it open, as the PC's chipset ORs
 * them) and the ejections the guest made through a hot-plug controller.
 */
final class MachineDevices {

    /** Copied on write: a hot-plug changes it on EMT 0 while the monitor may be listing sections. */
    private final List<MachineDevice> list = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> ejectListeners = new CopyOnWriteArrayList<>();
    private final Map<String, Boolean> a20Requests = new ConcurrentHashMap<>();
    /** Sets every vCPU's A20 gate. */
    private final Consumer<Boolean> a20Gate;

    MachineDevices(Consumer<Boolean> a20Gate) {
        this.a20Gate = a20Gate;
    }

    List<MachineDevice> all() {
        return list;
    }

    void add(MachineDevice d) {
        list.add(d);
    }

    void remove(MachineDevice d) {
        list.remove(d);
    }

    /** The device of that instance name, with its spec, if any. */
    Optional<MachineDevice> find(String instance) {
        return list.stream().filter(d -> d.spec().instance().equals(instance)).findFirst();
    }

    /** The device of that instance name. */
    Device device(String instance) {
        return find(instance).map(MachineDevice::device)
                .orElseThrow(() -> new IllegalArgumentException("no device named '" + instance + "'"));
    }

    /** Every device's saved-state sections, in device order. */
    List<StateSection<?>> sections() {
        var all = new ArrayList<StateSection<?>>();
        list.forEach(d -> all.addAll(d.device().sections()));
        return all;
    }

    /*
     * Loops, not forEach with a lambda: a lambda's call site is linked (a class spun) on its first
     * use, and the first pause of a process is often a migration's switch-over, with the guest
     * stopped (milliseconds of it under load, seen in a flight recording of the pause).
     */
    void pause() {
        for (MachineDevice d : list) {
            d.device().pause();
        }
    }

    void resume() {
        for (MachineDevice d : list) {
            d.device().resume();
        }
    }

    /** Resets every device; the A20 requests of before the reset are forgotten. */
    void reset() {
        a20Requests.clear();
        list.forEach(d -> d.device().reset());
    }

    void updateA20(String source, boolean enabled) {
        a20Requests.put(source, enabled);
        a20Gate.accept(a20Requests.containsValue(Boolean.TRUE));
    }

    /** Device {@code instance} left: its A20 request no longer counts. */
    void forget(String instance) {
        a20Requests.remove(instance);
    }

    void onEjected(Consumer<String> listener) {
        ejectListeners.add(listener);
    }

    void ejected(String instance) {
        ejectListeners.forEach(l -> l.accept(instance));
    }
}
