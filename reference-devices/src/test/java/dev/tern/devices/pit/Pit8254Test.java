package dev.tern.devices.pit;

import dev.tern.devices.time.Timebase;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.testkit.DeviceContract;
import dev.tern.testkit.DeviceHarness;
import dev.tern.testkit.io.ArrayPortSpace;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Pit8254Test extends DeviceContract {

    private DeviceHarness h;
    private ArrayPortSpace io;
    private Pit8254 pit;

    @Override
    protected DeviceProvider provider() {
        return new PitProvider();
    }

    @BeforeEach
    void boot() {
        h = harness();
        pit = (Pit8254) start(h);
        io = h.ports();
    }

    private void toTick(long tick) {
        h.clock().advanceTo(Timebase.PIT.nanosAtTick(tick));
    }

    private int readWord(int port) {
        int lo = io.in(port);
        return lo | io.in(port) << 8;
    }

    @Test
    void timebaseConvertsExactly() {
        assertEquals(1_193_182L, Timebase.PIT.ticksAt(1_000_000_000L));
        assertEquals(0, Timebase.PIT.ticksAt(837));
        assertEquals(1, Timebase.PIT.ticksAt(839));
        for (long t : new long[] {1, 2, 1193, 1_193_181, 1_193_183, 40_000_000_000_000L}) {
            long n = Timebase.PIT.nanosAtTick(t);
            assertEquals(t, Timebase.PIT.ticksAt(n));
            assertEquals(t - 1, Timebase.PIT.ticksAt(n - 1));
        }
    }

    @Test
    void mode0RaisesIrq0AtTerminalCountOnce() {
        io.out(0x43, 0x30);
        io.out(0x40, 100);
        io.out(0x40, 0);
        toTick(99);
        assertFalse(h.interrupts().level(0));
        toTick(100);
        assertTrue(h.interrupts().level(0));
        toTick(100_000);
        assertEquals(1, h.interrupts().risingEdges(0));
        assertEquals(0, h.clock().armedTimers(), "no timer once the one-shot has fired");
    }

    @Test
    void mode2GivesOneRisingEdgePerPeriod() {
        io.out(0x43, 0x34);
        io.out(0x40, 1193 & 0xff);
        io.out(0x40, 1193 >> 8);
        assertEquals(1, h.interrupts().risingEdges(0), "the control word sets a mode 2 OUT high");
        h.clock().advanceTo(10_000_000L);
        assertEquals(11, h.interrupts().risingEdges(0));
        assertTrue(h.interrupts().level(0));
    }

    @Test
    void newMode2CountIsLoadedAtTheEndOfThePeriod() {
        io.out(0x43, 0x34);
        io.out(0x40, 100);
        io.out(0x40, 0);
        toTick(250);
        io.out(0x40, 50);
        io.out(0x40, 0);
        io.out(0x43, 0xe2);
        assertEquals(0x40, io.in(0x40) & 0x40, "NULL COUNT until the reload");
        int edges = h.interrupts().risingEdges(0);
        toTick(300);
        assertEquals(edges + 1, h.interrupts().risingEdges(0), "the old period completes");
        io.out(0x43, 0xe2);
        assertEquals(0, io.in(0x40) & 0x40);
        toTick(450);
        assertEquals(edges + 4, h.interrupts().risingEdges(0), "then rises every 50 ticks: 350, 400, 450");
    }

    @Test
    void mode3SquareWaveOnChannel2IsVisibleInPortB() {
        io.out(0x61, 0x01);
        io.out(0x43, 0xb6);
        io.out(0x42, 4);
        io.out(0x42, 0);
        assertEquals(0x20, io.in(0x61) & 0x20);
        toTick(1);
        assertEquals(0x20, io.in(0x61) & 0x20);
        toTick(2);
        assertEquals(0, io.in(0x61) & 0x20);
        toTick(3);
        assertEquals(0, io.in(0x61) & 0x20);
        toTick(4);
        assertEquals(0x20, io.in(0x61) & 0x20);
        assertEquals(0, h.interrupts().risingEdges(0), "channel 2 does not touch IRQ0");
    }

    @Test
    void calibrationStyleMode0OnChannel2WithGate() {
        io.out(0x61, (io.in(0x61) & ~0x02) | 0x01);
        io.out(0x43, 0xb0);
        io.out(0x42, 0xff);
        io.out(0x42, 0xff);
        toTick(0xfffe);
        assertEquals(0, io.in(0x61) & 0x20);
        toTick(0xffff);
        assertEquals(0x20, io.in(0x61) & 0x20);
    }

    @Test
    void lowGateSuspendsMode0Counting() {
        io.out(0x43, 0xb0);
        io.out(0x42, 100);
        io.out(0x42, 0);
        toTick(500);
        assertEquals(0, io.in(0x61) & 0x20, "gate low: counting never started");
        io.out(0x61, 0x01);
        toTick(599);
        assertEquals(0, io.in(0x61) & 0x20);
        toTick(600);
        assertEquals(0x20, io.in(0x61) & 0x20);
    }

    @Test
    void latchFreezesTheCountUntilRead() {
        io.out(0x43, 0x34);
        io.out(0x40, 1000 & 0xff);
        io.out(0x40, 1000 >> 8);
        toTick(300);
        io.out(0x43, 0x00);
        toTick(450);
        assertEquals(700, readWord(0x40));
        assertEquals(550, readWord(0x40), "after the latch is read, reads follow the live count");
    }

    @Test
    void readBackLatchesStatusThenCount() {
        io.out(0x43, 0x34);
        io.out(0x40, 0x10);
        io.out(0x40, 0x00);
        toTick(4);
        io.out(0x43, 0xc2);
        assertEquals(0x80 | 0x34, io.in(0x40), "status: OUT high, lohi, mode 2, binary");
        assertEquals(12, readWord(0x40));
        io.out(0x43, 0x30);
        io.out(0x43, 0xe2);
        assertEquals(0x40 | 0x30, io.in(0x40), "status after control word: OUT low, null count");
    }

    @Test
    void bcdCountsInDecimal() {
        io.out(0x43, 0x35);
        io.out(0x40, 0x00);
        io.out(0x40, 0x10);
        toTick(1);
        io.out(0x43, 0x00);
        assertEquals(0x0999, readWord(0x40));
    }

    @Test
    void lowAndHighByteOnlyAccess() {
        io.out(0x43, 0x10);
        io.out(0x40, 0x50);
        toTick(0x10);
        assertEquals(0x40, io.in(0x40));
        io.out(0x43, 0x20);
        io.out(0x40, 0x02);
        toTick(0x10 + 0x100);
        assertEquals(0x01, io.in(0x40), "high byte of 0x100 remaining");
    }

    @Test
    void refreshBitTogglesWithVirtualTime() {
        int first = io.in(0x61) & 0x10;
        h.clock().advance(Pit8254.REFRESH_TOGGLE_NANOS);
        assertEquals(first ^ 0x10, io.in(0x61) & 0x10);
    }

    @Test
    void speakerFollowsGateDataAndOut2() {
        assertFalse(pit.speakerHigh());
        io.out(0x43, 0xb6);
        io.out(0x42, 4);
        io.out(0x42, 0);
        io.out(0x61, 0x03);
        assertTrue(pit.speakerHigh());
        assertEquals(0x03, io.in(0x61) & 0x0f);
        io.out(0x61, 0x01);
        assertFalse(pit.speakerHigh(), "speaker data disabled");
    }

    @Test
    void stateLoadResumesThePeriodicInterrupt() {
        io.out(0x43, 0x34);
        io.out(0x40, 100);
        io.out(0x40, 0);
        toTick(250);
        PitState saved = (PitState) pit.sections().getFirst().save();
        DeviceHarness other = harness();
        other.clock().advanceTo(h.clock().nanos());
        Pit8254 copy = (Pit8254) start(other);
        @SuppressWarnings("unchecked")
        var section = (dev.tern.spi.state.StateSection<PitState>) copy.sections().getFirst();
        section.load(saved);
        int before = other.interrupts().risingEdges(0);
        other.clock().advanceTo(Timebase.PIT.nanosAtTick(1000));
        assertEquals(8, other.interrupts().risingEdges(0) - before, "rises at ticks 300..1000");
    }
}
