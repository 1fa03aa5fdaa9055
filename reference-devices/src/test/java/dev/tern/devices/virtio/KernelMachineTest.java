package dev.tern.devices.virtio;

import dev.tern.devices.pci.PciHostProvider;
import dev.tern.devices.virtio.LegacyVirtioDriver.Buffer;
import dev.tern.devices.virtio.blk.VirtioBlkProvider;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.plugin.PluginInfo;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.plugin.ProviderKind;
import dev.tern.spi.Availability;
import dev.tern.spi.Provider;
import dev.tern.spi.cpu.CpuContext;
import dev.tern.spi.cpu.CpuProvider;
import dev.tern.spi.cpu.Vcpu;
import dev.tern.spi.cpu.VcpuExit;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pci-host and virtio-blk assembled by the kernel's {@link Machine} (real port bus, MMIO bus, guest
 * RAM with dirty log and config validation), with the virtio device listed before the host: the
 * bus is found because every device is created before any is realized.
 */
class KernelMachineTest {

    /** A CPU that is never started: the test plays the guest through the machine's buses. */
    static final class IdleCpuProvider implements CpuProvider {
        @Override
        public String id() {
            return "idle-cpu";
        }

        @Override
        public Vcpu create(CpuContext context) {
            return new Vcpu() {
                @Override
                public VcpuExit run(long maxInstructions) {
                    throw new UnsupportedOperationException("idle-cpu runs no guest code");
                }

                @Override
                public long instructionCount() {
                    return 0;
                }

                @Override
                public void reset() {
                }

                @Override
                public void requestExit() {
                }

                @Override
                public void setInterruptRequest(boolean asserted) {
                }
            };
        }
    }

    private static PluginInfo info(ProviderKind kind, Provider p) {
        return new PluginInfo(kind, p.id(), p.description(), "test", "test", Optional.empty(), p.configKeys(),
                Availability.AVAILABLE, p);
    }

    @Test
    void blockWriteAndReadThroughTheKernelBusesMarkDmaPagesDirty() throws IOException {
        Path file = Files.createTempFile("tern-kernel-blk", ".img");
        file.toFile().deleteOnExit();
        Files.write(file, new byte[16 * 512]);
        PluginRegistry plugins = PluginRegistry.of(List.of(info(ProviderKind.CPU, new IdleCpuProvider()),
                info(ProviderKind.DEVICE, new VirtioBlkProvider()), info(ProviderKind.DEVICE, new PciHostProvider())));
        MachineSpec spec = MachineSpec.builder().ramSize(16L << 20).cpu("idle-cpu", Map.of())
                .device("virtio-blk", "vblk0", Map.of("path", file.toString(), "serial", "K1"))
                .device("pci-host", "pci0", Map.of())
                .build();
        try (Machine m = Machine.create(plugins, spec)) {
            var cfg = LegacyVirtioDriver.ConfigAccess.mechanism1(m.ports());
            assertEquals(0x1237_8086, cfg.read(0, 0, 4));
            var driver = new LegacyVirtioDriver(cfg, 1, m.ports(), m.memory(), 0xc000);
            driver.initialize(-1L, 0x300000, 1);

            byte[] data = new byte[512];
            Arrays.fill(data, (byte) 0xa5);
            m.memory().write(0x210000, data, 0, 512);
            m.memory().write(0x200000, new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}, 0, 16);
            driver.submit(0, List.of(new Buffer(0x200000, 16, false), new Buffer(0x210000, 512, false),
                    new Buffer(0x220000, 1, true)));
            driver.notify(0);
            assertEquals(0, m.memory().readU8(0x220000));
            assertArrayEquals(data, Arrays.copyOfRange(Files.readAllBytes(file), 1024, 1536));

            m.memory().dirtyLog().enable(); // as migration and checkpoints do
            m.memory().write(0x200000, new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}, 0, 16);
            m.syncDirtyLog();
            driver.submit(0, List.of(new Buffer(0x200000, 16, false), new Buffer(0x240000, 512, true),
                    new Buffer(0x220000, 1, true)));
            driver.notify(0);
            var dirty = m.syncDirtyLog();
            assertTrue(dirty.isDirty(0x240000 >>> 12), "DMA into the data buffer is in the dirty log");
            assertTrue(dirty.isDirty(0x220000 >>> 12), "the status byte too");
            byte[] back = new byte[512];
            m.memory().read(0x240000, back, 0, 512);
            assertArrayEquals(data, back);
        }
    }
}
