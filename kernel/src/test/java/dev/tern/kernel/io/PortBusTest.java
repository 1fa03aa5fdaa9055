package dev.tern.kernel.io;

import dev.tern.spi.Registration;
import dev.tern.spi.io.PortIoHandler;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PortBusTest {

    /** Records accesses; reads return a value derived from port and size. */
    private static final class Recorder implements PortIoHandler {
        final List<String> log = new ArrayList<>();

        @Override
        public int read(int port, int size) {
            log.add(String.format("in %x/%d", port, size));
            return 0xA5A5A500 | port & 0xFF;
        }

        @Override
        public void write(int port, int size, int value) {
            log.add(String.format("out %x/%d=%x", port, size, value));
        }
    }

    @Test
    void claimedPortsDispatchWithSizeAndMaskedValues() {
        PortBus bus = new PortBus();
        Recorder serial = new Recorder();
        bus.register("serial0", 0x3F8, 8, serial);
        assertEquals(0xF9, bus.read(0x3F9, 1));
        assertEquals(0xA5FA, bus.read(0x3FA, 2));
        assertEquals(0xA5A5A5FF, bus.read(0x3FF, 4));
        bus.write(0x3F8, 1, 0x1234);
        bus.write(0x3FC, 2, 0x12345678);
        assertEquals(List.of("in 3f9/1", "in 3fa/2", "in 3ff/4", "out 3f8/1=34", "out 3fc/2=5678"), serial.log);
        assertEquals("serial0", bus.ownerOf(0x3FF));
        assertNull(bus.ownerOf(0x400));
    }

    @Test
    void unclaimedPortsReadAllOnesOfTheSizeAndDropWrites() {
        PortBus bus = new PortBus();
        Recorder dev = new Recorder();
        bus.register("dev", 0x81, 1, dev);
        assertEquals(0xFF, bus.read(0x80, 1));
        assertEquals(0xFFFF, bus.read(0x80, 2), "first port unclaimed: all-ones though 0x81 is claimed");
        assertEquals(-1, bus.read(0xFFFF, 4));
        bus.write(0x80, 2, 0);
        assertTrue(dev.log.isEmpty());
    }

    @Test
    void overlappingClaimsNameBothOwnersAndThePort() {
        PortBus bus = new PortBus();
        bus.register("pic-master", 0x20, 2, new Recorder());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> bus.register("rogue", 0x1E, 4, new Recorder()));
        assertTrue(e.getMessage().contains("rogue") && e.getMessage().contains("pic-master")
                && e.getMessage().contains("0x0020"), e.getMessage());
        assertEquals(0xFF, bus.read(0x1E, 1), "a refused claim leaves nothing behind");
    }

    @Test
    void closingUnregistersAndLetsAnotherClaim() {
        PortBus bus = new PortBus();
        Recorder a = new Recorder();
        Registration reg = bus.register("a", 0xCF8, 8, a);
        reg.close();
        reg.close();
        assertEquals(0xFF, bus.read(0xCF8, 1));
        Recorder b = new Recorder();
        bus.register("b", 0xCFC, 4, b);
        reg.close(); // a stale close must not remove b's claim
        bus.read(0xCFC, 1);
        assertEquals(1, b.log.size());
        assertTrue(a.log.isEmpty());
    }

    @Test
    void describeListsClaimsInPortOrder() {
        PortBus bus = new PortBus();
        bus.register("serial0", 0x3F8, 8, new Recorder());
        bus.register("pit", 0x40, 4, new Recorder());
        bus.register("last", 0xFFFF, 1, new Recorder());
        assertEquals(List.of("0x0040-0x0043 : pit", "0x03f8-0x03ff : serial0", "0xffff-0xffff : last"), bus.describe());
    }

    @Test
    void badRangesAndAccessesAreRefused() {
        PortBus bus = new PortBus();
        Recorder r = new Recorder();
        assertThrows(IllegalArgumentException.class, () -> bus.register("x", -1, 1, r));
        assertThrows(IllegalArgumentException.class, () -> bus.register("x", 0x10000, 1, r));
        assertThrows(IllegalArgumentException.class, () -> bus.register("x", 0xFFFF, 2, r));
        assertThrows(IllegalArgumentException.class, () -> bus.register("x", 0, 0, r));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bus.read(0x60, 3));
        assertTrue(e.getMessage().contains("0x0060"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> bus.write(0x10000, 1, 0));
    }
}
