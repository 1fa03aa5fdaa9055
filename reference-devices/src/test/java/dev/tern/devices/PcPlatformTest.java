package dev.tern.devices;

import dev.tern.devices.i8042.KeyboardController;
import dev.tern.devices.uart.Uart16550;
import dev.tern.devices.chardev.MemoryBackend;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.testkit.DeviceHarness;
import dev.tern.testkit.io.ArrayPortSpace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reference devices together, found by ServiceLoader and wired through one harness. */
class PcPlatformTest {

    private final Map<String, DeviceProvider> providers = new TreeMap<>();
    private final List<Device> devices = new ArrayList<>();
    private DeviceHarness h;
    private ArrayPortSpace io;
    private Uart16550 uart;
    private KeyboardController kbc;

    @BeforeEach
    void buildPc() {
        for (DeviceProvider p : ServiceLoader.load(DeviceProvider.class)) {
            providers.put(p.id(), p);
        }
        h = DeviceHarness.of(providers.get("i8259"), Map.of(), 64L << 20);
        devices.add(h.start(providers.get("i8259")));
        devices.add(h.withInstance("pit", providers.get("i8254"), Map.of()).start(providers.get("i8254")));
        devices.add(h.withInstance("rtc", providers.get("mc146818"), Map.of()).start(providers.get("mc146818")));
        uart = (Uart16550) h.withInstance("serial0", providers.get("uart16550"), Map.of("backend", "memory"))
                .start(providers.get("uart16550"));
        devices.add(uart);
        kbc = (KeyboardController) h.withInstance("kbc", providers.get("i8042"), Map.of()).start(providers.get("i8042"));
        devices.add(kbc);
        devices.add(h.withInstance("post", providers.get("port80"), Map.of()).start(providers.get("port80")));
        devices.add(h.withInstance("a20", providers.get("port92"), Map.of()).start(providers.get("port92")));
        devices.add(h.withInstance("exit", providers.get("isa-debug-exit"), Map.of()).start(providers.get("isa-debug-exit")));
        io = h.ports();
        io.out(0x20, 0x11);
        io.out(0x21, 0x30);
        io.out(0x21, 0x04);
        io.out(0x21, 0x01);
        io.out(0xa0, 0x11);
        io.out(0xa1, 0x38);
        io.out(0xa1, 0x02);
        io.out(0xa1, 0x01);
        io.out(0x21, 0x00);
        io.out(0xa1, 0x00);
    }

    @AfterEach
    void powerOff() {
        devices.forEach(Device::powerOff);
    }

    private void eoi(int vector) {
        if (vector >= 0x38) {
            io.out(0xa0, 0x20);
        }
        io.out(0x20, 0x20);
    }

    @Test
    void everyReferenceDeviceIsAServiceWithAUniqueId() {
        assertEquals(Set.of("i8259", "i8254", "uart16550", "mc146818", "i8042", "port80", "port92", "debugcon",
                "isa-debug-exit", "pci-host", "pci-bridge", "virtio-blk", "virtio-net", "lapic", "ioapic"), providers.keySet());
    }

    @Test
    void timerTickReachesTheCpuThroughThePic() {
        io.out(0x43, 0x34);
        io.out(0x40, 0xa9);
        io.out(0x40, 0x04);
        assertTrue(h.interrupts().intr(), "the control word raised OUT0: an edge on IRQ0");
        assertEquals(0x30, h.interrupts().acknowledge());
        eoi(0x30);
        h.clock().advance(1_000_000);
        assertTrue(h.interrupts().intr());
        assertEquals(0x30, h.interrupts().acknowledge());
    }

    @Test
    void devicesInterruptInPriorityOrder() {
        io.out(0x70, 0x0b);
        io.out(0x71, 0x42);
        io.out(0x3f8 + 4, 0x08);
        io.out(0x3f8 + 1, 0x02);
        io.out(0x60, 0xf4);
        h.clock().advance(1_000_000);
        List<Integer> vectors = new ArrayList<>();
        while (h.interrupts().intr()) {
            int v = h.interrupts().acknowledge();
            vectors.add(v);
            switch (v) {
                case 0x31 -> io.in(0x60);
                case 0x34 -> io.in(0x3f8 + 2);
                case 0x38 -> {
                    io.out(0x70, 0x0c);
                    io.in(0x71);
                }
                default -> { }
            }
            eoi(v);
        }
        assertEquals(List.of(0x31, 0x38, 0x34), vectors, "IRQ1, then the slave's IRQ8 (via IRQ2), then IRQ4");
    }

    @Test
    void serialOutputAndExitStatus() {
        for (char c : "ok\n".toCharArray()) {
            io.out(0x3f8, c);
        }
        assertEquals("ok\n", ((MemoryBackend) uart.backend()).outputText());
        io.out(0xf4, 0x10);
        assertEquals(List.of(0x21), h.machine().powerOffs());
        assertFalse(h.ports().claimedPorts().isEmpty());
    }
}
