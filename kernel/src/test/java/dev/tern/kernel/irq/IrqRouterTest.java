package dev.tern.kernel.irq;

import dev.tern.spi.Registration;
import dev.tern.spi.irq.InterruptLine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IrqRouterTest {

    @Test
    void levelsSetBeforeClaimAreDeliveredAtClaimTime() {
        IrqRouter router = new IrqRouter();
        router.line(4).raise();
        router.line(9).raise();
        router.line(9).lower();
        List<String> seen = new ArrayList<>();
        router.claim("i8259", 0, 16, (i, level) -> seen.add(i + "=" + level));
        assertEquals(List.of("4=true"), seen);
        router.line(4).lower();
        router.line(12).pulse();
        assertEquals(List.of("4=true", "4=false", "12=true", "12=false"), seen);
    }

    @Test
    void indicesAreRelativeToTheClaimAndRepeatsAreNotRedelivered() {
        IrqRouter router = new IrqRouter();
        List<String> seen = new ArrayList<>();
        router.claim("ioapic", 16, 8, (i, level) -> seen.add(i + "=" + level));
        router.line(18).raise();
        router.line(18).raise();
        assertEquals(List.of("2=true"), seen);
        assertTrue(router.level(18));
        assertFalse(router.level(17));
        assertSame(router.line(18), router.line(18));
    }

    @Test
    void overlappingClaimsNameBothOwners() {
        IrqRouter router = new IrqRouter();
        router.claim("i8259", 0, 16, (i, l) -> { });
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> router.claim("ioapic", 8, 24, (i, l) -> { }));
        assertTrue(e.getMessage().contains("ioapic") && e.getMessage().contains("i8259"), e.getMessage());
        router.claim("ioapic", 16, 24, (i, l) -> { });
        assertEquals(List.of("GSI 0-15 : i8259", "GSI 16-39 : ioapic"), router.describe());
    }

    @Test
    void releasedClaimStopsDeliveryAndFreesTheRange() {
        IrqRouter router = new IrqRouter();
        List<String> seen = new ArrayList<>();
        Registration reg = router.claim("a", 0, 4, (i, l) -> seen.add("a" + i));
        reg.close();
        reg.close();
        router.line(1).raise();
        assertTrue(seen.isEmpty());
        IrqRouter.InterruptSink sinkB = (i, l) -> seen.add("b" + i + l);
        Registration b1 = router.claim("b", 0, 4, sinkB);
        assertEquals(List.of("b1true"), seen);
        b1.close();
        router.claim("b", 0, 4, sinkB); // equal to the first claim in every field
        b1.close();
        router.line(2).raise();
        assertEquals(List.of("b1true", "b1true", "b2true"), seen, "a stale close must not release a later claim");
    }

    @Test
    void cpuPinRemembersLevelUntilAttached() {
        IrqRouter router = new IrqRouter();
        InterruptLine intr = router.connectCpu(() -> 0x20);
        intr.raise();
        assertTrue(router.cpuPinLevel());
        List<Boolean> pin = new ArrayList<>();
        router.setCpuPin(pin::add);
        assertEquals(List.of(true), pin);
        intr.lower();
        assertEquals(List.of(true, false), pin);
        assertEquals(0x20, router.controller().acknowledge());
    }

    @Test
    void controllerBeforeConnectThrowsAndOnlyOneMayConnect() {
        IrqRouter router = new IrqRouter();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> router.controller().acknowledge());
        assertEquals("no interrupt controller connected", e.getMessage());
        var view = router.controller();
        router.connectCpu(() -> 7);
        assertEquals(7, view.acknowledge(), "the view handed out earlier follows the connection");
        assertThrows(IllegalStateException.class, () -> router.connectCpu(() -> 8));
    }

    @Test
    void badRangesAreRefused() {
        IrqRouter router = new IrqRouter();
        assertThrows(IllegalArgumentException.class, () -> router.line(256));
        assertThrows(IllegalArgumentException.class, () -> router.line(-1));
        assertThrows(IllegalArgumentException.class, () -> router.claim("x", 250, 10, (i, l) -> { }));
        assertThrows(IllegalArgumentException.class, () -> router.claim("x", 0, 0, (i, l) -> { }));
    }

    @Test
    void concurrentSettersLeaveSinkAgreeingWithFinalLevels() throws Exception {
        IrqRouter router = new IrqRouter();
        boolean[] sinkView = new boolean[8];
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        router.claim("ctl", 0, 8, (i, level) -> {
            synchronized (sinkView) {
                if (sinkView[i] == level) {
                    errors.add("GSI " + i + " delivered the same level twice");
                }
                sinkView[i] = level;
            }
        });
        int threads = 4;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            ts.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int n = 0; n < 20_000; n++) {
                    router.line((n + seed) & 7).set(((n * 31 + seed) & 2) != 0);
                }
            }));
        }
        for (Thread t : ts) {
            t.join();
        }
        assertEquals(List.of(), errors);
        for (int i = 0; i < 8; i++) {
            assertEquals(router.level(i), sinkView[i], "GSI " + i);
        }
    }
}
