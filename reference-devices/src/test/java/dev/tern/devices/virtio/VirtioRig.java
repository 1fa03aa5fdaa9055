package dev.tern.devices.virtio;

import dev.tern.devices.pci.PciBus;
import dev.tern.devices.pci.PciHostProvider;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.testkit.DeviceHarness;

import java.util.Map;
import java.util.Random;

/** Test machines with a PCI host and virtio devices, and the contract fuzz's PCI side. */
final class VirtioRig {

    static final int[] IRQS = {10, 10, 11, 11};
    static final int IO_BASE = 0xc000;

    private VirtioRig() {
    }

    /** A machine with a started pci-host. */
    static DeviceHarness machine() {
        PciHostProvider host = new PciHostProvider();
        DeviceHarness h = DeviceHarness.of(host, Map.of());
        h.start(host);
        return h;
    }

    /** Starts a device of {@code provider} named {@code name} in {@code h}'s machine. */
    static Device add(DeviceHarness h, String name, DeviceProvider provider, Map<String, String> config) {
        return h.withInstance(name, provider, config).start(provider);
    }

    /** A harness whose machine has a bare PCI bus (no claims, so the contract sees only the device's). */
    static DeviceHarness contractHarness(DeviceProvider provider, Map<String, String> config) {
        DeviceHarness h = DeviceHarness.of(provider, config);
        h.services().publish(PciBus.class, new PciBus(h.interrupts(), IRQS));
        return h;
    }

    static PciBus bus(DeviceHarness h) {
        return h.services().find(PciBus.class).orElseThrow();
    }

    /** Where the fuzz puts memory BAR 4 (modern registers) when the device has one. */
    static final int MEMORY_BASE = 0xfebf_0000;

    /** Enables BAR0 of the device in slot 1 at {@link #IO_BASE}, and BAR4 if implemented. */
    static void enable(DeviceHarness h) {
        bus(h).configWrite(1, 0, 0x10, 4, IO_BASE);
        bus(h).configWrite(1, 0, 0x20, 4, MEMORY_BASE);
        bus(h).configWrite(1, 0, 0x04, 2, 0x7);
    }

    /**
     * A seeded mix of hostile guest actions: random configuration writes, queue set-ups with rings
     * at random places over random RAM contents, notifies and status writes.
     */
    static void hostileActions(DeviceHarness h, Random rnd, int operations) {
        enable(h);
        for (int i = 0; i < operations; i++) {
            switch (rnd.nextInt(6)) {
                case 0 -> bus(h).configWrite(1, 0, rnd.nextInt(256), 1 << rnd.nextInt(3), rnd.nextInt());
                case 1 -> {
                    byte[] junk = new byte[4096];
                    rnd.nextBytes(junk);
                    h.memory().write(rnd.nextLong(h.memory().ramEnd()) & -4096L, junk, 0, junk.length);
                }
                case 2 -> {
                    enable(h);
                    h.ports().write(IO_BASE + 0x0e, 2, rnd.nextInt(3));
                    long pfn = rnd.nextBoolean() ? rnd.nextLong(h.memory().ramEnd() >>> 12) : rnd.nextInt();
                    h.ports().write(IO_BASE + 0x08, 4, (int) pfn);
                }
                case 3 -> {
                    enable(h);
                    h.ports().write(IO_BASE + 0x10, 2, rnd.nextInt(3));
                }
                case 4 -> {
                    enable(h);
                    h.ports().write(IO_BASE + 0x12, 1, rnd.nextInt(8) == 0 ? 0 : 7);
                }
                default -> {
                    enable(h);
                    h.ports().read(IO_BASE + rnd.nextInt(0x20), 1);
                }
            }
        }
        enable(h);
    }
}
