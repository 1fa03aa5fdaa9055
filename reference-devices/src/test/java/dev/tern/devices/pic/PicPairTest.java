package dev.tern.devices.pic;

import dev.tern.spi.device.DeviceProvider;
import dev.tern.testkit.DeviceContract;
import dev.tern.testkit.DeviceHarness;
import dev.tern.testkit.io.ArrayPortSpace;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PicPairTest extends DeviceContract {

    private DeviceHarness h;
    private ArrayPortSpace io;
    private PicPair pic;

    @Override
    protected DeviceProvider provider() {
        return new PicProvider();
    }

    /** The PIC's "host input" is its wiring: random line levels and acknowledge cycles. */
    @Override
    protected void hostInput(dev.tern.spi.device.Device device, java.util.Random rnd) {
        PicPair p = (PicPair) device;
        if (rnd.nextInt(4) == 0) {
            int vector = p.acknowledge();
            assertTrue(vector >= 0 && vector <= 0xff);
        } else {
            p.setInput(rnd.nextInt(16), rnd.nextBoolean());
        }
    }

    @BeforeEach
    void initLikeLinux() {
        h = harness();
        pic = (PicPair) start(h);
        io = h.ports();
        init(0x11, 0x01);
        io.out(0x21, 0x00);
        io.out(0xa1, 0x00);
    }

    private void init(int icw1, int icw4) {
        io.out(0x20, icw1);
        io.out(0x21, 0x30);
        io.out(0x21, 0x04);
        io.out(0x21, icw4);
        io.out(0xa0, icw1);
        io.out(0xa1, 0x38);
        io.out(0xa1, 0x02);
        io.out(0xa1, icw4);
    }

    private int isr(int base) {
        io.out(base, 0x0b);
        int v = io.in(base);
        io.out(base, 0x0a);
        return v;
    }

    @Test
    void edgeInterruptIsDeliveredAcknowledgedAndEnded() {
        h.interrupts().line(3).pulse();
        assertTrue(h.interrupts().intr());
        assertEquals(0x08, io.in(0x20), "IRR shows the latched edge");
        assertEquals(0x33, h.interrupts().acknowledge());
        assertFalse(h.interrupts().intr());
        assertEquals(0x08, isr(0x20));
        io.out(0x20, 0x20);
        assertEquals(0, isr(0x20));
        assertFalse(h.interrupts().intr(), "an edge request is consumed by its acknowledge");
    }

    @Test
    void higherPriorityNestsAndLowerWaitsForEoi() {
        h.interrupts().line(5).pulse();
        h.interrupts().line(3).pulse();
        assertEquals(0x33, h.interrupts().acknowledge());
        assertFalse(h.interrupts().intr(), "IRQ5 waits while IRQ3 is in service");
        h.interrupts().line(1).pulse();
        assertTrue(h.interrupts().intr(), "IRQ1 preempts IRQ3");
        assertEquals(0x31, h.interrupts().acknowledge());
        io.out(0x20, 0x20);
        assertEquals(0x08, isr(0x20), "non-specific EOI ended the highest (IRQ1)");
        io.out(0x20, 0x20);
        assertTrue(h.interrupts().intr());
        assertEquals(0x35, h.interrupts().acknowledge());
    }

    @Test
    void slaveInterruptCascadesThroughIrq2() {
        h.interrupts().line(10).pulse();
        assertTrue(h.interrupts().intr());
        assertEquals(0x3a, h.interrupts().acknowledge());
        assertEquals(0x04, isr(0x20));
        assertEquals(0x04, isr(0xa0));
        h.interrupts().line(12).pulse();
        assertFalse(h.interrupts().intr(), "IRQ12 is below IRQ10 on the slave");
        io.out(0xa0, 0x20);
        assertFalse(h.interrupts().intr(), "master IRQ2 still in service");
        io.out(0x20, 0x20);
        assertTrue(h.interrupts().intr());
        assertEquals(0x3c, h.interrupts().acknowledge());
    }

    @Test
    void levelTriggeredInputRequestsAgainUntilLowered() {
        io.out(0x4d1, 0x04);
        assertEquals(0x04, io.in(0x4d1));
        h.interrupts().line(10).raise();
        assertEquals(0x3a, h.interrupts().acknowledge());
        io.out(0xa0, 0x20);
        io.out(0x20, 0x20);
        assertTrue(h.interrupts().intr(), "level still high");
        assertEquals(0x3a, h.interrupts().acknowledge());
        h.interrupts().line(10).lower();
        io.out(0xa0, 0x20);
        io.out(0x20, 0x20);
        assertFalse(h.interrupts().intr());
        io.out(0xa0, 0x0a);
        assertEquals(0, io.in(0xa0));
    }

    @Test
    void elcrCannotMakeTimerOrCascadeLevelTriggered() {
        io.out(0x4d0, 0xff);
        io.out(0x4d1, 0xff);
        assertEquals(0xf8, io.in(0x4d0));
        assertEquals(0xde, io.in(0x4d1));
    }

    @Test
    void edgeInputNeedsANewRisingEdge() {
        h.interrupts().line(4).raise();
        assertEquals(0x34, h.interrupts().acknowledge());
        io.out(0x20, 0x20);
        assertFalse(h.interrupts().intr(), "a held edge input does not request again");
        h.interrupts().line(4).lower();
        h.interrupts().line(4).raise();
        assertTrue(h.interrupts().intr());
    }

    @Test
    void maskedRequestIsNotDeliveredAndLateMaskGivesSpuriousIrq7() {
        io.out(0x21, 0x08);
        h.interrupts().line(3).pulse();
        assertFalse(h.interrupts().intr());
        io.out(0x21, 0x00);
        assertTrue(h.interrupts().intr());
        io.out(0x21, 0x08);
        assertFalse(h.interrupts().intr());
        assertEquals(0x37, h.interrupts().acknowledge(), "spurious IRQ7");
        assertEquals(0, isr(0x20), "a spurious interrupt is not put in service");
    }

    @Test
    void spuriousSlaveInterruptIsIrq15AndLeavesCascadeInService() {
        h.interrupts().line(9).pulse();
        assertTrue(h.interrupts().intr());
        // Mask on the slave between the request and the acknowledge: master still saw IRQ2.
        io.out(0xa1, 0x02);
        io.out(0x21, 0x00);
        assertEquals(0x3f, h.interrupts().acknowledge());
        assertEquals(0x04, isr(0x20));
        assertEquals(0x00, isr(0xa0));
    }

    @Test
    void pollModeReadsAndAcknowledgesHighestRequest() {
        io.out(0x21, 0xff);
        h.interrupts().line(6).pulse();
        h.interrupts().line(4).pulse();
        io.out(0x21, 0x00);
        io.out(0x20, 0x0c);
        assertEquals(0x84, io.in(0x20));
        assertEquals(0x10, isr(0x20));
        io.out(0x20, 0x64);
        io.out(0x20, 0x0c);
        assertEquals(0x86, io.in(0x20));
        io.out(0x20, 0x66);
        io.out(0x20, 0x0c);
        assertEquals(0x00, io.in(0x20), "nothing requesting");
    }

    @Test
    void setPriorityRotatesTheOrder() {
        io.out(0x20, 0xc2);
        h.interrupts().line(0).pulse();
        h.interrupts().line(3).pulse();
        assertEquals(0x33, h.interrupts().acknowledge(), "IRQ3 is highest after IRQ2 became lowest");
    }

    @Test
    void rotateOnNonSpecificEoiMakesServicedIrqLowest() {
        h.interrupts().line(1).pulse();
        assertEquals(0x31, h.interrupts().acknowledge());
        io.out(0x20, 0xa0);
        h.interrupts().line(1).pulse();
        h.interrupts().line(5).pulse();
        assertEquals(0x35, h.interrupts().acknowledge(), "IRQ1 rotated to lowest");
    }

    @Test
    void autoEoiLeavesNothingInService() {
        init(0x11, 0x03);
        io.out(0x21, 0x00);
        io.out(0xa1, 0x00);
        h.interrupts().line(3).pulse();
        assertEquals(0x33, h.interrupts().acknowledge());
        assertEquals(0, isr(0x20));
        h.interrupts().line(5).pulse();
        assertTrue(h.interrupts().intr());
    }

    @Test
    void specialMaskModeLetsLowerPriorityThrough() {
        h.interrupts().line(3).pulse();
        assertEquals(0x33, h.interrupts().acknowledge());
        h.interrupts().line(5).pulse();
        assertFalse(h.interrupts().intr());
        io.out(0x20, 0x68);
        io.out(0x21, 0x08);
        assertTrue(h.interrupts().intr());
        assertEquals(0x35, h.interrupts().acknowledge());
    }

    @Test
    void specialMaskModeSkipsARequestThatIsItselfInService() {
        io.out(0x4d0, 0x08);
        h.interrupts().line(3).raise();
        assertEquals(0x33, h.interrupts().acknowledge());
        h.interrupts().line(5).pulse();
        io.out(0x20, 0x68);
        assertTrue(h.interrupts().intr(), "IRQ3 still requests but is in service; IRQ5 may go");
        assertEquals(0x35, h.interrupts().acknowledge());
    }

    @Test
    void icw1ClearsMaskAndInServiceAndRequiresNewEdges() {
        io.out(0x21, 0xff);
        h.interrupts().line(3).raise();
        init(0x11, 0x01);
        assertEquals(0, io.in(0x21));
        assertFalse(h.interrupts().intr(), "a held line needs a new edge after ICW1");
    }

    @Test
    void loadedStateRestoresPendingInterruptInAnotherMachine() {
        h.interrupts().line(7).pulse();
        h.interrupts().line(12).pulse();
        io.out(0x21, 0x80);
        PicState saved = (PicState) pic.sections().getFirst().save();
        DeviceHarness other = harness();
        PicPair copy = (PicPair) start(other);
        @SuppressWarnings("unchecked")
        var section = (dev.tern.spi.state.StateSection<PicState>) copy.sections().getFirst();
        section.load(saved);
        assertTrue(other.interrupts().intr());
        assertEquals(0x3c, other.interrupts().acknowledge());
        other.ports().out(0x21, 0x00);
        other.ports().out(0xa0, 0x20);
        other.ports().out(0x20, 0x20);
        assertEquals(0x37, other.interrupts().acknowledge(), "IRQ7 was pending, not spurious");
        assertEquals(0x80, isrOf(other.ports(), 0x20));
    }

    private static int isrOf(ArrayPortSpace ports, int base) {
        ports.out(base, 0x0b);
        return ports.in(base);
    }
}
