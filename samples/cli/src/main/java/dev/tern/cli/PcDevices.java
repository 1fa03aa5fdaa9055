package dev.tern.cli;

import dev.tern.devices.apic.IoApic;
import dev.tern.devices.pci.PciBus;
import dev.tern.devices.pci.PciFunction;
import dev.tern.devices.pci.PciHostBridge;
import dev.tern.kernel.machine.DeviceSpec;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.pc.boot.AcpiTables;
import dev.tern.pc.boot.MpTable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The devices every PC-class machine of the CLI has, and instance naming. */
final class PcDevices {

    private PcDevices() {
    }

    /** Interrupt controllers, timer, RTC, keyboard controller, port 0x92, POST port, COM1 and isa-debug-exit. */
    static List<DeviceSpec> standard(String serial) {
        return standard(serial, 1);
    }

    /**
     * The standard devices of a machine with {@code cpus} vCPUs: with more than one, a local APIC per
     * vCPU and an I/O APIC hearing the ISA IRQs beside the 8259 (docs/smp.md).
     */
    static List<DeviceSpec> standard(String serial, int cpus) {
        var d = new ArrayList<DeviceSpec>();
        d.add(new DeviceSpec("i8259", "pic", Map.of()));
        if (cpus > 1) {
            d.add(new DeviceSpec("lapic", "lapic", Map.of()));
            d.add(new DeviceSpec("ioapic", "ioapic", Map.of("isa", "true")));
        }
        d.add(new DeviceSpec("i8254", "pit", Map.of()));
        d.add(new DeviceSpec("mc146818", "rtc", Map.of()));
        d.add(new DeviceSpec("i8042", "i8042", Map.of()));
        d.add(new DeviceSpec("port92", "port92", Map.of()));
        d.add(new DeviceSpec("pci-host", "pci", Map.of()));
        d.add(new DeviceSpec("port80", "port80", Map.of()));
        serialDevice(serial).ifPresent(d::add);
        d.add(new DeviceSpec("isa-debug-exit", "debug-exit", Map.of()));
        return d;
    }

    /** Where a directly booted SMP kernel finds its MP table: the last KiB of base memory, reserved in e820. */
    static final long MP_TABLE_ADDRESS = 0x9FC00;
    /** The end of that KiB: video memory follows. */
    private static final long EBDA_END = 0xA0000;
    /** The BIOS data area's word holding the EBDA's segment, where ACPI's RSDP search begins. */
    private static final long BDA_EBDA_SEGMENT = 0x40E;
    /**
     * CPUID.1:EDX of the x86 CPU with its local APIC and x87 (FPU VME PSE TSC MSR CX8 APIC SEP PGE
     * CMOV FXSR; the same in every model), as the MP table repeats it with the model's signature.
     */
    private static final int CPU_FEATURES = 0x100AB3B;
    /** The configuration-space byte naming a function's INTx pin (1 = INTA#, 0 = none). */
    private static final int INTERRUPT_PIN = 0x3d;

    /**
     * Writes the firmware tables of a machine with {@code cpus} vCPUs and the standard SMP devices,
     * for a directly booted kernel (no firmware builds them), in the reserved last KiB of base memory:
     * the MP table (for {@code acpi=off}) and after it the ACPI RSDP, RSDT and MADT saying the same
     * (for a kernel with ACPI on, which finds the RSDP in the first KiB of the EBDA the BIOS data
     * area names). Both list the CPUs, the I/O APIC, the ISA IRQ routing and the INTx pin of every
     * PCI function present now (devices are attached when the machine is created, before it runs).
     */
    static void writeSmpTables(Machine machine, int cpus) {
        var ioapic = (IoApic) machine.device("ioapic");
        int signature = dev.tern.x86.X86CpuProvider.signature(machine.spec().cpuConfig());
        var routes = pciRoutes(machine);
        byte[] table = MpTable.pc(cpus, signature, CPU_FEATURES, ioapic.resetId(), 0xFEC0_0000L, routes)
                .encode(MP_TABLE_ADDRESS);
        long acpiAt = MP_TABLE_ADDRESS + ((table.length + 15) & ~15);
        byte[] acpi = AcpiTables.pc(cpus, ioapic.resetId(), 0xFEC0_0000L, routes).encode(acpiAt);
        if (acpiAt + acpi.length > EBDA_END) {
            throw new IllegalArgumentException("the MP and ACPI tables of " + cpus + " CPUs and " + routes.size()
                    + " PCI interrupt routes need " + (acpiAt + acpi.length - MP_TABLE_ADDRESS)
                    + " bytes, more than the KiB reserved at 0x9FC00");
        }
        machine.memory().write(MP_TABLE_ADDRESS, table, 0, table.length);
        machine.memory().write(acpiAt, acpi, 0, acpi.length);
        byte[] ebdaSegment = {(byte) (MP_TABLE_ADDRESS >> 4), (byte) (MP_TABLE_ADDRESS >> 12)};
        machine.memory().write(BDA_EBDA_SEGMENT, ebdaSegment, 0, 2);
    }

    /**
     * Where each PCI function's interrupt pin reaches the I/O APIC: the bus wires the pin to an ISA
     * IRQ (PIRQ routing), and the I/O APIC hears that IRQ on its ISA input.
     */
    static List<MpTable.PciRoute> pciRoutes(Machine machine) {
        boolean hasPci = machine.spec().devices().stream().anyMatch(d -> d.instance().equals("pci"));
        if (!hasPci || !(machine.device("pci") instanceof PciHostBridge host)) {
            return List.of();
        }
        var routes = new ArrayList<MpTable.PciRoute>();
        for (int slot = 0; slot < PciBus.SLOTS; slot++) {
            PciFunction fn = host.bus().function(slot);
            int pin = fn == null ? 0 : fn.read(INTERRUPT_PIN, 1);
            if (pin >= 1 && pin <= 4) {
                routes.add(new MpTable.PciRoute(slot, pin - 1, IoApic.isaPin(host.bus().irqFor(slot, pin))));
            }
        }
        return routes;
    }

    /** COM1 from a {@code --serial} value. */
    static java.util.Optional<DeviceSpec> serialDevice(String serial) {
        if (serial.equals("none")) {
            return java.util.Optional.empty();
        }
        Map<String, String> cfg;
        if (serial.equals("stdio")) {
            cfg = Map.of("backend", "stdio");
        } else if (serial.startsWith("file:")) {
            cfg = Map.of("backend", "file", "path", serial.substring(5));
        } else if (serial.startsWith("tcp:")) {
            String[] hp = serial.substring(4).split(":");
            if (hp.length != 2) {
                throw new IllegalArgumentException("--serial " + serial + ": expected tcp:HOST:PORT");
            }
            cfg = Map.of("backend", "socket", "host", hp[0], "socket-port", hp[1]);
        } else {
            throw new IllegalArgumentException("--serial '" + serial + "': expected stdio, file:PATH, tcp:HOST:PORT or none");
        }
        return java.util.Optional.of(new DeviceSpec("uart16550", "serial0", cfg));
    }

    /** {@code id}, or {@code id1}, {@code id2}... if taken. */
    static String freeName(MachineSpec.Builder b, String id) {
        if (!b.hasDevice(id)) {
            return id;
        }
        for (int i = 1; ; i++) {
            if (!b.hasDevice(id + i)) {
                return id + i;
            }
        }
    }
}
