package dev.tern.kernel.monitor;

import dev.tern.kernel.config.ConfigText;
import dev.tern.kernel.machine.DeviceHotPlug;
import dev.tern.kernel.machine.DeviceSpec;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.PciAddressOption;
import dev.tern.kernel.plugin.PluginException;
import dev.tern.spi.ConfigException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import static dev.tern.kernel.monitor.QmpParam.Type.STRING;

/**
 * {@code device_add} and {@code device_del} in both monitors, with QEMU's argument shapes: a driver
 * (QEMU's {@code virtio-net-pci} or Tern's {@code virtio-net}), an {@code id}, QEMU's {@code bus}
 * and {@code addr}, and the device's own configuration keys, which are checked as {@code --device}
 * checks them. The machine does the change with its vCPUs stopped ({@link DeviceHotPlug}); a
 * removal is announced with QEMU's {@code DEVICE_DELETED}.
 */
final class HotPlugCommands {

    /** QEMU's driver names for the devices Tern can hot-plug, by Tern's provider id. */
    private static final Map<String, String> QEMU_DRIVERS = Map.of(
            "virtio-net-pci", "virtio-net", "virtio-blk-pci", "virtio-blk");
    /** The drivers device_add offers (the human monitor's completion). */
    static final List<String> DRIVERS = List.of("virtio-blk-pci", "virtio-net-pci");
    /** QEMU's rule for a device id: a letter, then letters, digits, '-', '.' and '_'. */
    private static final Pattern ID = Pattern.compile("[A-Za-z][A-Za-z0-9._-]{0,127}");

    private final Monitor monitor;
    private final Machine machine;
    /** Why the run refuses hot-plug outright (fault tolerance, a running migration), checked each time. */
    private volatile Supplier<Optional<String>> refusal = Optional::empty;

    HotPlugCommands(Monitor monitor, Machine machine) {
        this.monitor = monitor;
        this.machine = machine;
    }

    /** Refuses every later device_add and device_del while {@code why} says why. */
    void refuseWhen(Supplier<Optional<String>> why) {
        refusal = why;
    }

    void register() {
        machine.onDeviceEjected(this::deleted);
        monitor.register(new MonitorCommand("device_add", "DRIVER[,id=ID][,KEY=VALUE...]",
                "hot-plug a device (virtio-net-pci, virtio-blk-pci) into a free PCI slot", 1, 1,
                args -> add(fromText(args.getFirst()))));
        monitor.register(new MonitorCommand("device_del", "ID",
                "remove a hot-pluggable device once the guest released it", 1, 1, args -> delete(args.getFirst())));
        monitor.registerQmp(new QmpCommand("device_add",
                List.of(QmpParam.required("driver", STRING), QmpParam.optional("id", STRING)), args -> {
                    try {
                        return add(fromQmp(args.all()));
                    } catch (ConfigException | PluginException e) {
                        throw QmpError.generic(e.getMessage());
                    }
                }, true));
        monitor.registerQmp(new QmpCommand("device_del", List.of(QmpParam.required("id", STRING)), args -> {
            try {
                return delete(args.string("id"));
            } catch (NoSuchElementException e) {
                throw new QmpError(QmpError.ErrorClass.DeviceNotFound, e.getMessage());
            }
        }));
    }

    private Reply add(DeviceSpec d) {
        refuseIfRefused("device_add");
        DeviceHotPlug.plug(machine, d);
        return Reply.NONE;
    }

    private Reply delete(String id) {
        if (machine.spec().devices().stream().noneMatch(d -> d.instance().equals(id))) {
            throw new NoSuchElementException("Device '" + id + "' not found");
        }
        refuseIfRefused("device_del");
        if (DeviceHotPlug.unplug(machine, id)) {
            deleted(id);
        }
        return Reply.NONE;
    }

    /** QEMU's event for a device that is out of the machine (at once, or when the guest powered its slot off). */
    private void deleted(String id) {
        monitor.events().emit("DEVICE_DELETED", MachineQmpCommands.ordered("device", id,
                "path", "/machine/peripheral/" + id));
    }

    private void refuseIfRefused(String command) {
        Optional<String> why = refusal.get();
        if (why.isPresent()) {
            throw new IllegalStateException(command + " is not available: " + why.get());
        }
    }

    /** The human monitor's form, parsed as {@code --device} is (with QEMU's {@code id=} for its name). */
    private DeviceSpec fromText(String text) {
        ConfigText parsed = ConfigText.parse(text);
        var options = new LinkedHashMap<>(parsed.options());
        String name = options.remove("name");
        String id = options.remove("id");
        if (name != null && id != null) {
            throw new IllegalArgumentException("device_add: give the device's name once, as id= (QEMU) or name= (--device)");
        }
        return spec(parsed.id(), id != null ? id : name, options);
    }

    /** QMP's form: scalar properties beside driver and id, as QEMU's device_add takes them. */
    private DeviceSpec fromQmp(Map<String, Object> arguments) {
        var options = new LinkedHashMap<String, String>();
        arguments.forEach((key, value) -> {
            if (key.equals("driver") || key.equals("id")) {
                return;
            }
            if (!(value instanceof String || value instanceof Long || value instanceof Boolean)) {
                throw QmpError.generic("Parameter '" + key + "' expects a string, integer or boolean");
            }
            options.put(key, value.toString());
        });
        return spec((String) arguments.get("driver"), (String) arguments.get("id"), options);
    }

    private DeviceSpec spec(String driver, String id, Map<String, String> options) {
        String provider = QEMU_DRIVERS.getOrDefault(driver, driver);
        PciAddressOption.foldInto(options, "device_add");
        if (id != null && !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("Parameter 'id' expects an identifier (a letter, then letters, digits,"
                    + " '-', '.' or '_'), got '" + id + "'");
        }
        return new DeviceSpec(provider, id != null ? id : freeName(provider), options);
    }

    private String freeName(String provider) {
        var taken = new java.util.HashSet<String>();
        machine.spec().devices().forEach(d -> taken.add(d.instance()));
        if (!taken.contains(provider)) {
            return provider;
        }
        for (int i = 1; ; i++) {
            if (!taken.contains(provider + i)) {
                return provider + i;
            }
        }
    }
}
