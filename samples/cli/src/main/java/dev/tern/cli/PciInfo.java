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
 * The PCI bus as the monitors show it: HMP {@code info pci} and QMP {@code query-pci}, shaped as
 * QEMU's {@code PciInfo} (one bus, its functions with their ids, class, interrupt pin and line, and
 * BARs), read with the vCPUs stopped. Which slot a hot-plugged device took is what a migration
 * destination or a restored machine must repeat ({@code --device ...,addr=}).
 */
record PciInfo(List<Function> functions) implements Reply {

    /** One function on bus 0, as its configuration space and BARs say now. */
    record Function(int slot, String device, int vendorId, int deviceId, int subsystemVendorId, int subsystemId,
            int classCode, int interruptPin, int interruptLine, List<Bar> bars) {
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
            var functions = new ArrayList<Function>();
            PciBus bus = bus(machine);
            for (int slot = 0; bus != null && slot < PciBus.SLOTS; slot++) {
                PciFunction fn = bus.function(slot);
                if (fn != null) {
                    functions.add(function(slot, fn));
                }
            }
            return new PciInfo(List.copyOf(functions));
        });
    }

    private static PciBus bus(Machine machine) {
        for (var d : machine.spec().devices()) {
            if (machine.device(d.instance()) instanceof PciHostBridge host) {
                return host.bus();
            }
        }
        return null;
    }

    private static Function function(int slot, PciFunction fn) {
        var bars = new ArrayList<Bar>();
        for (int i = 0; i < 6; i++) {
            if (fn.barSize(i) > 0) {
                bars.add(new Bar(i, fn.barIsIo(i), fn.barBase(i), fn.barSize(i)));
            }
        }
        return new Function(slot, fn.owner(), fn.read(0x00, 2), fn.read(0x02, 2), fn.read(0x2c, 2), fn.read(0x2e, 2),
                fn.read(0x08, 4) >>> 8, fn.read(0x3d, 1), fn.read(0x3c, 1), List.copyOf(bars));
    }

    @Override
    public String human() {
        var sb = new StringBuilder();
        for (Function f : functions) {
            sb.append(String.format(Locale.ROOT, "  Bus  0, device %3d, function 0:%n", f.slot()));
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
            sb.append("      id \"").append(f.device()).append("\"\n");
        }
        return sb.toString();
    }

    /** QEMU's {@code [PciInfo]}: one bus 0 with its {@code PciDeviceInfo}s. */
    @Override
    public Object qmp() {
        var devices = new ArrayList<Map<String, Object>>();
        for (Function f : functions) {
            var d = new LinkedHashMap<String, Object>();
            d.put("bus", 0);
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
            devices.add(d);
        }
        var bus = new LinkedHashMap<String, Object>();
        bus.put("bus", 0);
        bus.put("devices", devices);
        return List.of(bus);
    }
}
