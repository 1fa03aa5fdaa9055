package dev.tern.cli;

import dev.tern.devices.pci.PciBus;
import dev.tern.devices.pci.PciFunction;
import dev.tern.devices.pci.PciHostBridge;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.MonitorCommand;
import dev.tern.kernel.monitor.QmpCommand;
import dev.tern.kernel.monitor.Reply;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The PCI buses as the monitors show them: HMP {@code info pci} and QMP {@code query-pci}, shaped as
 * QEMU's {@code PciInfo} (bus 0, its functions with their ids, class, interrupt pin and line, and
 * BARs, and behind each pci-bridge its bus numbers, windows and functions), read with the vCPUs stopped. Which slot a hot-plugged device took is what a migration
 * destination or a restored machine must repeat ({@code --device ...,addr=}).
 */
record PciInfo(List<Function> functions) implements Reply {

    /** One function, as its configuration space and BARs say now; {@code bridge} is null but for a pci-bridge. */
    record Function(int bus, int slot, String device, int vendorId, int deviceId, int subsystemVendorId,
            int subsystemId, int classCode, int interruptPin, int interruptLine, List<Bar> bars, Bridge bridge) {
    }

    /** What a bridge forwards: its bus numbers, its I/O and memory windows, and the functions behind it. */
    record Bridge(int secondary, int subordinate, long ioBase, long ioLimit, long memoryBase, long memoryLimit,
            List<Function> functions) {
    }

    /** A BAR: its number, space, programmed base (0 until the guest places it) and size. */
    record Bar(int index, boolean io, long address, int size) {
    }

    static void registerOn(Monitor monitor, Machine machine) {
        monitor.register(MonitorCommand.of("info pci", "the PCI functions: slot, ids, class, IRQ, BARs",
                () -> of(machine)));
        monitor.registerQmp(QmpCommand.of("query-pci", () -> of(machine)));
    }

    /** The functions of the machine's PCI bus now; none when it has no PCI host bridge. */
    static PciInfo of(Machine machine) {
        return machine.withVcpusStopped(() -> {
            PciBus bus = bus(machine);
            return new PciInfo(bus == null ? List.of() : functions(bus));
        });
    }

    private static List<Function> functions(PciBus bus) {
        var functions = new ArrayList<Function>();
        for (int slot = 0; slot < PciBus.SLOTS; slot++) {
            PciFunction fn = bus.function(slot);
            if (fn != null) {
                functions.add(function(bus.number(), slot, fn, bridge(bus, fn)));
            }
        }
        return List.copyOf(functions);
    }

    private static Bridge bridge(PciBus bus, PciFunction fn) {
        PciBus behind = bus.secondaries().stream().filter(b -> b.name().equals(fn.owner())).findFirst().orElse(null);
        if (behind == null) {
            return null;
        }
        long io = fn.read(0x1c, 2);
        long mem = fn.read(0x20, 4) & 0xffff_ffffL;
        return new Bridge(fn.read(0x19, 1), fn.read(0x1a, 1), (io & 0xf0) << 8, (io & 0xf000) | 0xfff,
                (mem & 0xfff0) << 16, ((mem >>> 16) & 0xfff0) << 16 | 0xf_ffff, functions(behind));
    }

    private static PciBus bus(Machine machine) {
        for (var d : machine.spec().devices()) {
            if (machine.device(d.instance()) instanceof PciHostBridge host) {
                return host.bus();
            }
        }
        return null;
    }

    private static Function function(int bus, int slot, PciFunction fn, Bridge bridge) {
        var bars = new ArrayList<Bar>();
        for (int i = 0; i < 6; i++) {
            if (fn.barSize(i) > 0) {
                bars.add(new Bar(i, fn.barIsIo(i), fn.barBase(i), fn.barSize(i)));
            }
        }
        boolean type0 = bridge == null;
        return new Function(bus, slot, fn.owner(), fn.read(0x00, 2), fn.read(0x02, 2), type0 ? fn.read(0x2c, 2) : 0,
                type0 ? fn.read(0x2e, 2) : 0, fn.read(0x08, 4) >>> 8, fn.read(0x3d, 1), fn.read(0x3c, 1),
                List.copyOf(bars), bridge);
    }

    @Override
    public String human() {
        var sb = new StringBuilder();
        human(functions, sb);
        return sb.toString();
    }

    private static void human(List<Function> functions, StringBuilder sb) {
        for (Function f : functions) {
            sb.append(String.format(Locale.ROOT, "  Bus %2d, device %3d, function 0:%n", f.bus(), f.slot()));
            sb.append(String.format(Locale.ROOT, "    Class %04x: PCI device %04x:%04x%n", f.classCode() >>> 8,
                    f.vendorId(), f.deviceId()));
            sb.append(String.format(Locale.ROOT, "      PCI subsystem %04x:%04x%n", f.subsystemVendorId(),
                    f.subsystemId()));
            if (f.interruptPin() != 0) {
                sb.append(String.format(Locale.ROOT, "      IRQ %d, pin %c%n", f.interruptLine(),
                        (char) ('A' + f.interruptPin() - 1)));
            }
            for (Bar b : f.bars()) {
                sb.append(String.format(Locale.ROOT, "      BAR%d: %s at 0x%x [0x%x].%n", b.index(),
                        b.io() ? "I/O" : "32 bit memory", b.address(), b.address() + b.size() - 1));
            }
            if (f.bridge() != null) {
                Bridge b = f.bridge();
                sb.append(String.format(Locale.ROOT, "      BUS %d.%n      secondary bus %d.%n      subordinate bus %d.%n"
                        + "      IO range [0x%04x, 0x%04x]%n      memory range [0x%08x, 0x%08x]%n", f.bus(),
                        b.secondary(), b.subordinate(), b.ioBase(), b.ioLimit(), b.memoryBase(), b.memoryLimit()));
            }
            sb.append("      id \"").append(f.device()).append("\"\n");
            if (f.bridge() != null) {
                human(f.bridge().functions(), sb);
            }
        }
    }

    /** QEMU's {@code [PciInfo]}: bus 0 with its {@code PciDeviceInfo}s, a bridge's bus in its {@code pci_bridge}. */
    @Override
    public Object qmp() {
        var bus = new LinkedHashMap<String, Object>();
        bus.put("bus", 0);
        bus.put("devices", devices(functions));
        return List.of(bus);
    }

    private static List<Map<String, Object>> devices(List<Function> functions) {
        var devices = new ArrayList<Map<String, Object>>();
        for (Function f : functions) {
            var d = new LinkedHashMap<String, Object>();
            d.put("bus", f.bus());
            d.put("slot", f.slot());
            d.put("function", 0);
            d.put("class_info", Map.of("class", f.classCode() >>> 8));
            var id = new LinkedHashMap<String, Object>();
            id.put("device", f.deviceId());
            id.put("vendor", f.vendorId());
            id.put("subsystem", f.subsystemId());
            id.put("subsystem-vendor", f.subsystemVendorId());
            d.put("id", id);
            if (f.interruptPin() != 0) {
                d.put("irq", f.interruptLine());
            }
            d.put("irq_pin", f.interruptPin());
            d.put("qdev_id", f.device());
            var regions = new ArrayList<Map<String, Object>>();
            for (Bar b : f.bars()) {
                var r = new LinkedHashMap<String, Object>();
                r.put("bar", b.index());
                r.put("type", b.io() ? "io" : "memory");
                r.put("address", b.address());
                r.put("size", (long) b.size());
                if (!b.io()) {
                    r.put("prefetch", false);
                    r.put("mem_type_64", false);
                }
                regions.add(r);
            }
            d.put("regions", regions);
            if (f.bridge() != null) {
                d.put("pci_bridge", bridgeInfo(f));
            }
            devices.add(d);
        }
        return devices;
    }

    private static Map<String, Object> bridgeInfo(Function f) {
        Bridge b = f.bridge();
        var bus = new LinkedHashMap<String, Object>();
        bus.put("number", f.bus());
        bus.put("secondary", b.secondary());
        bus.put("subordinate", b.subordinate());
        bus.put("io_range", range(b.ioBase(), b.ioLimit()));
        bus.put("memory_range", range(b.memoryBase(), b.memoryLimit()));
        bus.put("prefetchable_range", range(0, 0));
        var out = new LinkedHashMap<String, Object>();
        out.put("bus", bus);
        out.put("devices", devices(b.functions()));
        return out;
    }

    private static Map<String, Object> range(long base, long limit) {
        var r = new LinkedHashMap<String, Object>();
        r.put("base", base);
        r.put("limit", limit);
        return r;
    }
}
