package dev.tern.testkit;

import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.Registration;
import dev.tern.spi.clock.Timer;
import dev.tern.spi.io.PortIoHandler;
import dev.tern.testkit.clock.ManualClock;
import dev.tern.testkit.config.DeclaredConfig;
import dev.tern.testkit.io.ArrayPortSpace;
import dev.tern.testkit.io.RangeMmioSpace;
import dev.tern.testkit.irq.RecordingInterruptRouting;
import dev.tern.testkit.machine.RecordingMachineControl;
import dev.tern.testkit.state.DeepEquality;
import dev.tern.testkit.state.StateRecordCodec;
import dev.tern.spi.io.MmioHandler;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HarnessPartsTest {

    @Test
    void clockFiresTimersInDeadlineThenArmingOrder() {
        ManualClock clock = new ManualClock();
        List<String> fired = new ArrayList<>();
        Timer a = clock.newTimer("a", () -> fired.add("a@" + clock.nanos()));
        Timer b = clock.newTimer("b", () -> fired.add("b@" + clock.nanos()));
        Timer c = clock.newTimer("c", () -> fired.add("c@" + clock.nanos()));
        c.armAt(50);
        b.armAt(20);
        a.armAt(20);
        clock.advanceTo(40);
        assertEquals(List.of("b@20", "a@20"), fired);
        assertEquals(40, clock.nanos());
        assertTrue(c.armed());
        c.cancel();
        clock.advance(100);
        assertEquals(2, fired.size());
        assertEquals(-1, c.deadline());
    }

    @Test
    void periodicTimerRearmsFromItsCallbackAndStormsAreCaught() {
        ManualClock clock = new ManualClock();
        int[] count = {0};
        Timer[] t = new Timer[1];
        t[0] = clock.newTimer("tick", () -> {
            count[0]++;
            t[0].armAt(clock.nanos() + 10);
        });
        t[0].armAt(10);
        clock.advanceTo(100);
        assertEquals(10, count[0]);
        Timer[] storm = new Timer[1];
        storm[0] = clock.newTimer("storm", () -> storm[0].armAt(clock.nanos()));
        storm[0].armAt(clock.nanos());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> clock.advance(1));
        assertTrue(e.getMessage().contains("storm"));
        assertThrows(IllegalArgumentException.class, () -> clock.advance(-1));
    }

    @Test
    void declaredConfigValidatesLikeTheKernel() {
        List<ConfigKey> keys = List.of(ConfigKey.of("port", ConfigType.INTEGER, "0x3f8", "port"),
                ConfigKey.required("path", ConfigType.PATH, "file"));
        DeclaredConfig c = new DeclaredConfig("dev", keys, Map.of("path", "/tmp/x"));
        assertEquals(0x3f8L, c.integer("port"));
        assertEquals(java.nio.file.Path.of("/tmp/x"), c.path("path"));
        assertEquals(java.util.Set.of("path"), c.explicitKeys());
        assertTrue(assertThrows(ConfigException.class, () -> new DeclaredConfig("dev", keys, Map.of()))
                .getMessage().contains("path"));
        assertTrue(assertThrows(ConfigException.class,
                () -> new DeclaredConfig("dev", keys, Map.of("path", "p", "bogus", "1"))).getMessage().contains("bogus"));
        assertTrue(assertThrows(ConfigException.class,
                () -> new DeclaredConfig("dev", keys, Map.of("path", "p", "port", "x1"))).getMessage().contains("port"));
    }

    enum Colour { RED, GREEN }

    record Inner(int[] values, Colour colour) { }

    record Outer(long a, String s, byte[] bytes, List<Inner> inners, Inner single, boolean flag) { }

    record Bad(Object anything) { }

    @Test
    void recordCodecRoundTripsEveryPermittedShape() {
        Outer o = new Outer(-5, "ü", new byte[] {1, 2, 3}, List.of(new Inner(new int[] {7}, Colour.GREEN)),
                new Inner(new int[0], Colour.RED), true);
        Outer back = StateRecordCodec.decode(Outer.class, StateRecordCodec.encode(o));
        assertNull(DeepEquality.firstDifference(o, back));
        Outer changed = new Outer(-5, "ü", new byte[] {1, 2, 4}, o.inners(), o.single(), true);
        assertNotNull(DeepEquality.firstDifference(o, changed));
        assertTrue(DeepEquality.firstDifference(o, changed).contains("bytes[2]"));
        assertThrows(IllegalArgumentException.class, () -> StateRecordCodec.encode(new Bad(1)));
    }

    @Test
    void portSpaceRefusesOverlapsAndReadsUnclaimedAsOnes() {
        ArrayPortSpace ports = new ArrayPortSpace();
        PortIoHandler h = new PortIoHandler() {
            @Override
            public int read(int port, int size) {
                return 0x12345678;
            }

            @Override
            public void write(int port, int size, int value) {
            }
        };
        Registration r = ports.register("a", 0x10, 4, h);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ports.register("b", 0x13, 2, h));
        assertTrue(e.getMessage().contains("a") && e.getMessage().contains("b"));
        assertEquals(0x78, ports.read(0x10, 1));
        assertEquals(0xffff, ports.read(0x20, 2));
        assertEquals(List.of(0x10, 0x11, 0x12, 0x13), ports.claimedPorts());
        r.close();
        assertEquals(0xff, ports.in(0x10));
        assertThrows(IllegalArgumentException.class, () -> ports.read(0x10, 3));
    }

    @Test
    void mmioSpaceMapsRangesAndRefusesOverlaps() {
        RangeMmioSpace mmio = new RangeMmioSpace();
        MmioHandler h = new MmioHandler() {
            @Override
            public long read(long offset, int size) {
                return offset;
            }

            @Override
            public void write(long offset, int size, long value) {
            }
        };
        mmio.map("x", 0x1000, 0x100, h);
        assertEquals(0x10, mmio.read(0x1010, 4));
        assertEquals(0xffL, mmio.read(0x2000, 1));
        assertFalse(mmio.isMapped(0x1100));
        assertThrows(IllegalStateException.class, () -> mmio.map("y", 0x10ff, 1, h));
    }

    @Test
    void routingDeliversEarlyLevelsAndRecordsEdges() {
        RecordingInterruptRouting irq = new RecordingInterruptRouting();
        irq.line(5).raise();
        boolean[] seen = new boolean[16];
        irq.claim("pic", 0, 16, (i, level) -> seen[i] = level);
        assertTrue(seen[5], "level set before the claim is delivered");
        irq.line(5).pulse();
        assertEquals(1, irq.risingEdges(5), "a pulse on a high line is no new rising edge");
        irq.line(5).pulse();
        assertEquals(2, irq.risingEdges(5));
        assertThrows(IllegalStateException.class, irq::acknowledge);
        var intr = irq.connectCpu(() -> 0x20);
        intr.raise();
        assertTrue(irq.intr());
        assertEquals(0x20, irq.acknowledge());
    }

    @Test
    void machineControlQueuesPostedEventsUntilRun() throws Exception {
        RecordingMachineControl m = new RecordingMachineControl();
        List<Integer> ran = new ArrayList<>();
        m.post(() -> ran.add(1));
        m.post(() -> m.post(() -> ran.add(3)));
        assertEquals(List.of(), ran);
        assertEquals(3, m.runPosted());
        assertEquals(List.of(1, 3), ran);
        Thread t = Thread.ofPlatform().start(() -> m.post(() -> ran.add(4)));
        assertTrue(m.runNextPosted(10_000));
        t.join();
        assertEquals(List.of(1, 3, 4), ran);
        m.requestPowerOff(3);
        m.setA20(false);
        m.requestReset();
        assertEquals(List.of(3), m.powerOffs());
        assertEquals(List.of(false), m.a20Changes());
        assertEquals(1, m.resets());
    }

    @Test
    void perVcpuPortsRecordSignalsAndAcknowledgeThroughTheirController() {
        RecordingInterruptRouting r = new RecordingInterruptRouting();
        assertEquals(1, r.cpuCount());
        r.setCpuCount(2);
        var p0 = r.connectCpu(0, () -> 0x30);
        var p1 = r.connectCpu(1, () -> 0x41);
        assertThrows(IllegalStateException.class, () -> r.connectCpu(1, () -> 0), "one controller per vCPU");
        assertThrows(IllegalArgumentException.class, () -> r.connectCpu(2, () -> 0));
        assertThrows(IllegalStateException.class, () -> r.setCpuCount(4), "the count is fixed once ports exist");
        p1.setInterruptRequest(true);
        p1.nmi();
        p1.init();
        p1.startup(0x9a);
        assertFalse(r.cpu(0).intr());
        assertTrue(r.cpu(1).intr());
        assertEquals(List.of(new dev.tern.testkit.irq.RecordingCpuPort.Nmi(), new dev.tern.testkit.irq.RecordingCpuPort.Init(),
                new dev.tern.testkit.irq.RecordingCpuPort.Startup(0x9a)), r.cpu(1).signals());
        assertTrue(r.cpu(0).signals().isEmpty());
        assertEquals(0x41, r.cpu(1).acknowledge());
        assertEquals(0x30, r.cpu(0).acknowledge());
        assertThrows(IllegalArgumentException.class, () -> p0.startup(256));
    }
}
