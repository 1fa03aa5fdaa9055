package dev.tern.samples.microvmm;

import dev.tern.cli.cdi.PluginId;
import dev.tern.cli.cdi.TernContainer;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.plugin.PluginInfo;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.plugin.ProviderKind;
import dev.tern.pc.boot.BootImage;
import dev.tern.pc.boot.LinuxBoot;
import dev.tern.spi.Provider;
import dev.tern.spi.cpu.CpuProvider;
import dev.tern.spi.device.DeviceProvider;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Linux microVM in one file: one x86 vCPU, PIC, PIT, COM1 on this process's stdin/stdout, a PCI
 * host bridge with one virtio-blk disk, and the kernel booted directly (no BIOS). The parts are
 * chosen by injection: each field of {@link Parts} names a provider by id, and the machine is built
 * from a registry holding those providers and nothing else.
 *
 * <p>{@code MicroVmm KERNEL INITRD [DISK]} (without DISK, an empty 1 MiB scratch disk). The VMM exits
 * with the guest's status when the guest powers off or resets.
 */
public final class MicroVmm {

    static final String APPEND = "console=ttyS0 nolapic noapic acpi=off cryptomgr.notests noisapnp pnpbios=off";
    static final long RAM = 128L << 20;

    private MicroVmm() {
    }

    /** What this VMM is made of: change an id here (or add a field) to change the machine. */
    @Singleton
    public static class Parts {
        @Inject @PluginId("x86") CpuProvider cpu;
        @Inject @PluginId("i8259") DeviceProvider pic;
        @Inject @PluginId("i8254") DeviceProvider pit;
        @Inject @PluginId("uart16550") DeviceProvider serial;
        @Inject @PluginId("pci-host") DeviceProvider pci;
        @Inject @PluginId("virtio-blk") DeviceProvider disk;
        @Inject PluginRegistry installed;

        /** The installed providers narrowed to the injected ones: a spec naming anything else is refused. */
        PluginRegistry registry() {
            List<PluginInfo> chosen = Stream.<Provider>of(cpu, pic, pit, serial, pci, disk)
                    .map(p -> installed.find(kindOf(p), p.id()).orElseThrow())
                    .toList();
            return PluginRegistry.of(chosen);
        }

        MachineSpec spec(byte[] firmware, Path diskImage) {
            return MachineSpec.builder().ramSize(RAM).firmware(firmware).pacing(Pacing.WARP)
                    .cpu(cpu.id(), Map.of())
                    .device(pic.id(), "pic", Map.of())
                    .device(pit.id(), "pit", Map.of())
                    .device(serial.id(), "serial0", Map.of("backend", "stdio"))
                    .device(pci.id(), "pci", Map.of())
                    .device(disk.id(), "disk0", Map.of("path", diskImage.toString()))
                    .build();
        }

        private static ProviderKind kindOf(Provider p) {
            return Stream.of(ProviderKind.values()).filter(k -> k.providerType().isInstance(p)).findFirst().orElseThrow();
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: MicroVmm KERNEL INITRD [DISK]");
            System.exit(2);
        }
        try {
            System.exit(run(Path.of(args[0]), Path.of(args[1]), args.length == 3 ? Path.of(args[2]) : scratchDisk()));
        } catch (IOException | RuntimeException e) {
            System.err.println("micro-vmm: " + e.getMessage()); // bad images, unknown parts: named in the message
            System.exit(2);
        }
    }

    /** Boots the kernel and runs until the guest powers off or resets; returns the guest's exit status. */
    static int run(Path kernel, Path initrd, Path disk) throws IOException, InterruptedException {
        BootImage image = LinuxBoot.prepare(kernel, initrd, APPEND, RAM);
        PluginRegistry installed = PluginRegistry.discover(MicroVmm.class.getClassLoader(), List.of());
        try (TernContainer container = TernContainer.start(installed, Parts.class)) {
            Parts parts = container.select(Parts.class);
            try (Machine machine = Machine.create(parts.registry(), parts.spec(image.firmware(), disk))) {
                image.load(machine.memory());
                machine.start();
                MachineExit exit = machine.awaitExit();
                System.err.println("micro-vmm: " + exit.reason() + " " + exit.detail());
                return exit.status();
            }
        }
    }

    private static Path scratchDisk() throws IOException {
        Path file = Files.createTempFile("micro-vmm-disk", ".img");
        file.toFile().deleteOnExit();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(1 << 20);
        }
        return file;
    }
}
