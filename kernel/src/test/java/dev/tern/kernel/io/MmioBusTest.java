package dev.tern.kernel.io;

import dev.tern.spi.Registration;
import dev.tern.spi.io.MmioHandler;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MmioBusTest {

    private static final class Recorder implements MmioHandler {
        final List<String> log = new ArrayList<>();
        final long id;

        Recorder(long id) {
            this.id = id;
        }

        @Override
        public long read(long offset, int size) {
            log.add("r" + offset + "/" + size);
            return id << 32 | 0xFFFF_FF00L | offset;
        }

        @Override
        public void write(long offset, int size, long value) {
            log.add("w" + offset + "/" + size + "=" + Long.toHexString(value));
        }
    }

    @Test
    void dispatchesByOffsetAndMasksToSize() {
        MmioBus bus = new MmioBus();
        Recorder hpet = new Recorder(7);
        Recorder lapic = new Recorder(9);
        bus.map("lapic", 0xFEE00000L, 0x1000, lapic);
        bus.map("hpet", 0xFED00000L, 0x400, hpet);
        assertEquals(0x10, bus.read(0xFED00010L, 1));
        assertEquals(0xFF20, bus.read(0xFED00020L, 2));
        assertEquals(0xFFFFFF30L, bus.read(0xFED00030L, 4));
        assertEquals(9L << 32 | 0xFFFFFF00L, bus.read(0xFEE00000L, 8));
        bus.write(0xFEE000F0L, 4, 0x1_0000_01FFL);
        assertEquals(List.of("r16/1", "r32/2", "r48/4"), hpet.log);
        assertEquals(List.of("r0/8", "w240/4=1ff"), lapic.log);
        assertTrue(bus.isMapped(0xFED003FFL));
        assertFalse(bus.isMapped(0xFED00400L));
        assertEquals("hpet", bus.ownerOf(0xFED00000L));
    }

    @Test
    void unmappedReadsAllOnesOfTheSize() {
        MmioBus bus = new MmioBus();
        assertEquals(0xFF, bus.read(0x1000, 1));
        assertEquals(0xFFFF, bus.read(0x1000, 2));
        assertEquals(0xFFFFFFFFL, bus.read(0x1000, 4));
        assertEquals(-1L, bus.read(0x1000, 8));
        bus.write(0x1000, 4, 1);
        assertNull(bus.ownerOf(0x1000));
    }

    @Test
    void overlapsAreRefusedNamingBothOwners() {
        MmioBus bus = new MmioBus();
        bus.map("a", 0x1000, 0x1000, new Recorder(1));
        bus.map("c", 0x4000, 0x1000, new Recorder(3));
        for (long[] r : new long[][] {{0x1800, 0x100}, {0x0800, 0x1000}, {0x3000, 0x2000}, {0x0, 0x10000}}) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> bus.map("b", r[0], r[1], new Recorder(2)));
            assertTrue(e.getMessage().contains("b cannot map") && (e.getMessage().contains("overlaps a")
                    || e.getMessage().contains("overlaps c")), e.getMessage());
        }
        bus.map("b", 0x2000, 0x2000, new Recorder(2)); // exactly between
        assertEquals(List.of(
                "0x0000000000001000-0x0000000000001fff : a",
                "0x0000000000002000-0x0000000000003fff : b",
                "0x0000000000004000-0x0000000000004fff : c"), bus.describe());
    }

    @Test
    void unmapRemovesOnlyThatMappingAndIsIdempotent() {
        MmioBus bus = new MmioBus();
        Registration a = bus.map("a", 0x1000, 0x1000, new Recorder(1));
        bus.map("b", 0x2000, 0x1000, new Recorder(2));
        a.close();
        a.close();
        assertFalse(bus.isMapped(0x1000));
        assertTrue(bus.isMapped(0x2000));
        Recorder h = new Recorder(1);
        Registration first = bus.map("a2", 0x1000, 0x1000, h);
        first.close();
        bus.map("a2", 0x1000, 0x1000, h); // equal to the first mapping in every field
        first.close();
        assertTrue(bus.isMapped(0x1000), "a stale close must not remove an equal later mapping");
        assertEquals(2, bus.describe().size());
    }

    @Test
    void badArgumentsAreRefused() {
        MmioBus bus = new MmioBus();
        assertThrows(IllegalArgumentException.class, () -> bus.map("x", 0, 0, new Recorder(0)));
        assertThrows(IllegalArgumentException.class, () -> bus.map("x", Long.MAX_VALUE, 2, new Recorder(0)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bus.read(0xABC, 3));
        assertTrue(e.getMessage().contains("0xabc"), e.getMessage());
    }

    @Test
    void lookupsStayConsistentWhileMappingsChange() throws Exception {
        MmioBus bus = new MmioBus();
        bus.map("fixed", 0x10_0000, 0x1000, new MmioHandler() {
            @Override
            public long read(long offset, int size) {
                return 0x42;
            }

            @Override
            public void write(long offset, int size, long value) { }
        });
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<String> failure = new AtomicReference<>();
        Thread reader = Thread.ofPlatform().start(() -> {
            started.countDown();
            for (int i = 0; i < 200_000; i++) {
                if (bus.read(0x10_0008, 1) != 0x42) {
                    failure.set("fixed mapping lost at iteration " + i);
                    return;
                }
            }
        });
        started.await();
        for (int i = 0; i < 2_000; i++) {
            bus.map("bar", 0x20_0000 + (i % 4) * 0x1000L, 0x1000, new Recorder(i)).close();
        }
        reader.join();
        assertNull(failure.get());
    }
}
