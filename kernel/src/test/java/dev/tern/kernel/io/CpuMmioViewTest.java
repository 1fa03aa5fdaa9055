package dev.tern.kernel.io;

import dev.tern.spi.Registration;
import dev.tern.spi.io.MmioHandler;
import dev.tern.spi.io.MmioSpace;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-vCPU MMIO mappings: each vCPU sees its own page in front of the shared space. */
class CpuMmioViewTest {

    /** Reads return its id; writes store into it. */
    private static final class Page implements MmioHandler {
        final long id;
        long written = -1;

        Page(long id) {
            this.id = id;
        }

        @Override
        public long read(long offset, int size) {
            return id;
        }

        @Override
        public void write(long offset, int size, long value) {
            written = value;
        }
    }

    @Test
    void eachVcpuReachesItsOwnMappingAndTheSharedOnesBehindIt() {
        MmioBus bus = new MmioBus();
        MmioSpace cpu0 = bus.cpuView(0);
        MmioSpace cpu1 = bus.cpuView(1);
        Page shared = new Page(7);
        Page apic0 = new Page(0x10);
        Page apic1 = new Page(0x11);
        bus.map("hpet", 0xFED00000L, 0x1000, shared);
        bus.mapForCpu(0, "lapic cpu0", 0xFEE00000L, 0x1000, apic0);
        Registration r1 = bus.mapForCpu(1, "lapic cpu1", 0xFEE00000L, 0x1000, apic1);

        assertEquals(0x10, cpu0.read(0xFEE00020L, 4));
        assertEquals(0x11, cpu1.read(0xFEE00020L, 4));
        assertEquals(7, cpu1.read(0xFED00000L, 4), "shared mappings stay visible");
        cpu1.write(0xFEE000F0L, 4, 0x1FF);
        assertEquals(0x1FF, apic1.written);
        assertEquals(-1, apic0.written);
        assertFalse(bus.isMapped(0xFEE00000L), "devices (the shared space) do not see a vCPU's own page");
        assertEquals(0xFFFFFFFFL, bus.read(0xFEE00020L, 4));

        r1.close();
        assertFalse(cpu1.isMapped(0xFEE00000L));
        assertTrue(cpu0.isMapped(0xFEE00000L));
    }

    @Test
    void viewsAreMadeInOrderAndMappingsNeedAnExistingVcpu() {
        MmioBus bus = new MmioBus();
        assertThrows(IllegalStateException.class, () -> bus.cpuView(1));
        bus.cpuView(0);
        var e = assertThrows(IllegalArgumentException.class,
                () -> bus.mapForCpu(1, "lapic cpu1", 0xFEE00000L, 0x1000, new Page(1)));
        assertTrue(e.getMessage().contains("vCPU 1"), e.getMessage());
    }
}
