package dev.tern.kernel.stats;

import org.junit.jupiter.api.Test;

import javax.management.AttributeNotFoundException;
import javax.management.MBeanServer;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatsRegistryTest {

    @Test
    void countersAddFromManyThreads() throws Exception {
        StatsRegistry reg = new StatsRegistry();
        Counter c = reg.counter("/Test/Counter/Adds", "ops", "adds");
        int threads = 4;
        CyclicBarrier start = new CyclicBarrier(threads);
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            ts[t] = Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < 10_000; i++) {
                    c.increment();
                }
                c.add(5);
            });
        }
        for (Thread t : ts) {
            t.join();
        }
        assertEquals(threads * 10_005L, c.get());
    }

    @Test
    void profilesTrackCountTotalMinMax() {
        Profile p = new StatsRegistry().profile("/Test/Profile/Exit", "exit handling");
        assertEquals(new StatSample.Timing(0, 0, 0, 0), p.sample());
        p.record(30);
        p.record(10);
        p.record(20);
        assertEquals(new StatSample.Timing(3, 60, 10, 30), p.sample());
        assertEquals(20, p.sample().averageNanos());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.record(-1));
        assertTrue(e.getMessage().contains("/Test/Profile/Exit"));
    }

    @Test
    void samePathSameKindIsSharedOtherKindIsRefused() {
        StatsRegistry reg = new StatsRegistry();
        Counter a = reg.counter("/Net/Rx/Bytes", "bytes", "received");
        assertSame(a, reg.counter("/Net/Rx/Bytes", "bytes", "received"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> reg.profile("/Net/Rx/Bytes", "x"));
        assertTrue(e.getMessage().contains("/Net/Rx/Bytes") && e.getMessage().contains("counter"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> reg.gauge("/Net/Rx/Bytes", "b", "x", () -> 0));
    }

    @Test
    void pathsAreValidated() {
        StatsRegistry reg = new StatsRegistry();
        for (String bad : List.of("", "/", "Net/Rx", "/Net//Rx", "/Net/Rx/", "/Net Rx", "/Net/Rx.Bytes", "/Net/\"x\"")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> reg.counter(bad, "b", "d"), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
        reg.counter("/A-b_9/C", "b", "d");
    }

    @Test
    void snapshotAndRenderAreSortedByPath() {
        StatsRegistry reg = new StatsRegistry();
        AtomicLong depth = new AtomicLong(7);
        reg.gauge("/Queue/Depth", "entries", "queue depth", depth::get);
        reg.counter("/Migration/Sent/Bytes", "bytes", "bytes sent").add(4096);
        reg.profile("/Migration/Round", "one round").record(1000);
        SortedMap<String, StatSample> snap = reg.snapshot();
        assertEquals(List.of("/Migration/Round", "/Migration/Sent/Bytes", "/Queue/Depth"), List.copyOf(snap.keySet()));
        assertEquals(new StatSample.Value(4096, "bytes"), snap.get("/Migration/Sent/Bytes"));
        assertEquals(new StatSample.Value(7, "entries"), snap.get("/Queue/Depth"));
        depth.set(9);
        assertEquals(new StatSample.Value(9, "entries"), reg.snapshot().get("/Queue/Depth"));
        String[] lines = reg.render().split("\\R");
        assertEquals(3, lines.length);
        assertTrue(lines[0].startsWith("/Migration/Round ") && lines[0].contains("1 calls"), lines[0]);
        assertTrue(lines[1].startsWith("/Migration/Sent/Bytes  4,096 bytes  bytes sent"), lines[1]);
        assertTrue(lines[2].contains("9 entries  queue depth"), lines[2]);
    }

    @Test
    void jmxExportExposesValuesAndCloseUnregisters() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        StatsRegistry reg = new StatsRegistry();
        Counter c = reg.counter("/JmxTest/Exits", "exits", "vm exits");
        reg.exportJmx(server);
        Profile p = reg.profile("/JmxTest/Slice", "instruction slice"); // registered after export
        c.add(42);
        p.record(100);
        p.record(300);
        var cName = StatsRegistry.objectName("/JmxTest/Exits");
        assertEquals("dev.tern:type=Stats,name=\"/JmxTest/Exits\"", cName.toString());
        assertEquals(42L, server.getAttribute(cName, "Value"));
        assertEquals("exits", server.getAttribute(cName, "Unit"));
        var pName = StatsRegistry.objectName("/JmxTest/Slice");
        assertEquals(2L, server.getAttribute(pName, "Count"));
        assertEquals(400L, server.getAttribute(pName, "TotalNanos"));
        assertEquals(100L, server.getAttribute(pName, "MinNanos"));
        assertEquals(300L, server.getAttribute(pName, "MaxNanos"));
        assertEquals(200L, server.getAttribute(pName, "Value"));
        assertThrows(AttributeNotFoundException.class, () -> server.getAttribute(cName, "Count"));

        StatsRegistry other = new StatsRegistry();
        other.counter("/JmxTest/Exits", "exits", "clash");
        IllegalStateException clash = assertThrows(IllegalStateException.class, () -> other.exportJmx(server));
        assertTrue(clash.getMessage().contains("/JmxTest/Exits"), clash.getMessage());

        reg.close();
        assertFalse(server.isRegistered(cName));
        assertFalse(server.isRegistered(pName));
        assertEquals(43, c.get() + 1, "stats keep working after close");
    }
}
