package dev.tern.kernel.machine;

import dev.tern.kernel.vm.VmState;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.spi.replay.ReplayFilter;

import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;

/**
 * Adds a device to a machine after it was assembled, and takes one out again, for devices whose
 * provider is {@link DeviceProvider#hotPluggable()}. Both happen at a safe point: in a rendezvous
 * with every vCPU stopped between instructions, so no guest access sees a half-added device. From
 * then on the device is part of the machine's spec and saved state, as if it had been given when
 * the machine was made: a snapshot holds it and loads only into a machine with the same devices.
 */
public final class DeviceHotPlug {

    /** States in which nothing can be plugged: the guest is gone, or its state is in transit. */
    private static final Set<VmState> REFUSED = Set.of(VmState.SHUTDOWN, VmState.FAILED, VmState.INMIGRATE,
            VmState.LOADING, VmState.SAVING, VmState.MIGRATING, VmState.POSTMIGRATE);

    private DeviceHotPlug() {
    }

    /**
     * Creates, realizes and resets device {@code d} in the running (or paused) {@code machine}.
     *
     * @throws IllegalArgumentException when the provider is unknown, not hot-pluggable, the name is
     *         taken or the configuration is wrong (nothing changed)
     * @throws IllegalStateException when the machine cannot take a device now (nothing changed)
     */
    public static void plug(Machine machine, DeviceSpec d) {
        refuseIfNotComposable(machine, "device_add");
        DeviceProvider provider = machine.plugins().require(DeviceProvider.class, d.provider());
        if (!provider.hotPluggable()) {
            throw new IllegalArgumentException("device '" + d.provider() + "' cannot be hot-plugged; add it with --device"
                    + " when the machine starts");
        }
        machine.withVcpusStopped(() -> {
            if (machine.devices.find(d.instance()).isPresent()) {
                throw new IllegalArgumentException("Duplicate device ID '" + d.instance() + "'");
            }
            Device device = machine.createDevice(provider, d);
            try {
                device.realize();
                device.reset();
            } catch (RuntimeException e) {
                device.powerOff(); // gives back whatever it claimed before failing
                machine.forgetPaths(d.instance());
                throw new IllegalArgumentException("device '" + d.instance() + "' (" + d.provider()
                        + ") failed to realize: " + e.getMessage(), e);
            }
            if (machine.lifecycle().state() == VmState.PAUSED) {
                device.pause(); // as every other device of a paused machine is; resume() wakes all
            }
            machine.addDevice(new MachineDevice(d, device));
            return null;
        });
    }

    /**
     * Removes device {@code instance} from {@code machine} and powers it off, or, when its slot has a
     * hot-plug controller the guest drives, asks the guest to give it up: then it is removed once the
     * guest powered the slot off ({@link DeviceEjections}) and {@link Machine#onDeviceEjected} hears it.
     *
     * @return true when the device is out now; false when the guest was asked to let it go
     * @throws NoSuchElementException when the machine has no such device
     * @throws IllegalArgumentException when its kind cannot be hot-unplugged
     * @throws IllegalStateException when the guest still uses it ({@link Device#unplugBlocker()}) or
     *         the machine cannot change now; nothing changed
     */
    public static boolean unplug(Machine machine, String instance) {
        if (machine.devices.find(instance).isEmpty()) {
            throw new NoSuchElementException("Device '" + instance + "' not found");
        }
        refuseIfNotComposable(machine, "device_del");
        return machine.withVcpusStopped(() -> {
            MachineDevice d = machine.devices.find(instance)
                    .orElseThrow(() -> new NoSuchElementException("Device '" + instance + "' not found"));
            if (!machine.plugins().require(DeviceProvider.class, d.spec().provider()).hotPluggable()) {
                throw new IllegalArgumentException("Device '" + instance + "' (" + d.spec().provider()
                        + ") cannot be hot-unplugged");
            }
            Optional<String> blocker = d.device().unplugBlocker();
            if (blocker.isPresent()) {
                throw new IllegalStateException("Device '" + instance + "' is in use: " + blocker.get());
            }
            if (d.device().requestEjection()) {
                return false;
            }
            machine.removeDevice(d);
            d.device().powerOff();
            return true;
        });
    }

    /** The devices of {@code machine} whose kind can be hot-unplugged, by instance name. */
    public static java.util.List<String> removable(Machine machine) {
        return machine.spec().devices().stream()
                .filter(d -> machine.plugins().require(DeviceProvider.class, d.provider()).hotPluggable())
                .map(DeviceSpec::instance).toList();
    }

    private static void refuseIfNotComposable(Machine machine, String command) {
        if (machine.replayMode() != ReplayFilter.Mode.OFF) {
            throw new IllegalStateException(command + " is not available while the run is recorded or replayed: a"
                    + " device added or removed mid-run is not an input the replay log can hold");
        }
        VmState state = machine.lifecycle().state();
        if (REFUSED.contains(state)) {
            throw new IllegalStateException(command + " is not available while the machine is "
                    + state.name().toLowerCase(java.util.Locale.ROOT));
        }
    }
}
