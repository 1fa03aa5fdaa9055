package dev.tern.devices.apic;

import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.spi.io.MmioHandler;
import dev.tern.testkit.DeviceContract;
import dev.tern.testkit.DeviceHarness;
import dev.tern.testkit.irq.RecordingCpuPort;
import dev.tern.testkit.irq.RecordingCpuPort.Init;
import dev.tern.testkit.irq.RecordingCpuPort.Nmi;
import dev.tern.testkit.irq.RecordingCpuPort.Startup;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local APIC against the SDM's rules (vol. 3 ch. 11), two APICs on one bus, a test clock. */
class LocalApicTest extends DeviceContract {

    private static final int ID = 0x20, VERSION = 0x30, TPR = 0x80, PPR = 0xa0, EOI = 0xb0, LDR = 0xd0,
            DFR = 0xe0, SVR = 0xf0, ISR = 0x100, TMR = 0x180, IRR = 0x200, ESR = 0x280, ICR_LO = 0x300,
            ICR_HI = 0x310, LVT_TIMER = 0x320, LVT_LINT0 = 0x350, LVT_LINT1 = 0x360, LVT_ERROR = 0x370,
            INITIAL = 0x380, CURRENT = 0x390, DIVIDE = 0x3e0;

    private DeviceHarness h;
    private ApicBus bus;
    private MmioHandler a0;
    private MmioHandler a1;

    @Override
    protected DeviceProvider provider() {
        return new ApicBusProvider();
    }

    @Override
    protected DeviceHarness harness() {
        DeviceHarness harness = DeviceHarness.of(provider(), config());
        harness.interrupts().setCpuCount(2);
        return harness;
    }

    @BeforeEach
    void boot() {
        h = harness();
        bus = (ApicBus) start(h);
        a0 = bus.registers(0);
        a1 = bus.registers(1);
    }

    private static void w(MmioHandler a, int reg, int value) {
        a.write(reg, 4, Integer.toUnsignedLong(value));
    }

    private static int r(MmioHandler a, int reg) {
        return (int) a.read(reg, 4);
    }

    private static void enable(MmioHandler a) {
        w(a, SVR, 0x1ff);
    }

    private RecordingCpuPort cpu(int i) {
        return h.interrupts().cpu(i);
    }

    /** Sends an IPI from {@code a}: ICR high (destination) first, then the low word that sends. */
    private static void ipi(MmioHandler a, int destination, int icrLow) {
        w(a, ICR_HI, destination << 24);
        w(a, ICR_LO, icrLow);
    }

    private static boolean bit(MmioHandler a, int base, int vector) {
        return (r(a, base + (vector >>> 5) * 0x10) & (1 << (vector & 31))) != 0;
    }

    @Test
    void powerOnValuesFollowTheSdm() {
        assertEquals(0, r(a0, ID));
        assertEquals(1 << 24, r(a1, ID), "the APIC ID starts as the vCPU index");
        assertEquals(0x14, r(a0, VERSION) & 0xff);
        assertEquals(5, r(a0, VERSION) >>> 16 & 0xff, "max LVT entry: timer, thermal, perf, LINT0, LINT1, error");
        assertEquals(0xffff_ffff, r(a0, DFR));
        assertEquals(0xff, r(a0, SVR));
        for (int lvt = LVT_TIMER; lvt <= LVT_ERROR; lvt += 0x10) {
            assertEquals(0x10000, r(a0, lvt), "LVT 0x" + Integer.toHexString(lvt) + " masked");
        }
    }

    @Test
    void priorityClassAboveTheProcessorPriorityIsDeliveredAndEoiClearsTheHighestInService() {
        enable(a0);
        enable(a1);
        w(a1, TPR, 0x40);
        ipi(a0, 1, 0x41);
        assertTrue(bit(a1, IRR, 0x41));
        assertFalse(cpu(1).intr(), "class 4 does not beat a task priority of class 4");
        assertEquals(0x40, r(a1, PPR));
        w(a1, TPR, 0x3f);
        assertTrue(cpu(1).intr(), "class 4 beats class 3");
        assertEquals(0x41, cpu(1).acknowledge());
        assertTrue(bit(a1, ISR, 0x41));
        assertFalse(bit(a1, IRR, 0x41));
        assertFalse(cpu(1).intr());
        assertEquals(0x40, r(a1, PPR), "PPR takes the in-service class when it is higher than TPR");

        ipi(a0, 1, 0x45);
        assertFalse(cpu(1).intr(), "same class as the one in service waits");
        ipi(a0, 1, 0x52);
        assertTrue(cpu(1).intr());
        assertEquals(0x52, cpu(1).acknowledge());
        assertEquals(0x50, r(a1, PPR));

        w(a1, EOI, 0);
        assertFalse(bit(a1, ISR, 0x52), "EOI clears the highest in-service vector");
        assertTrue(bit(a1, ISR, 0x41), "and only that one");
        assertFalse(cpu(1).intr(), "0x45 is still blocked by 0x41 in service");
        w(a1, EOI, 0);
        assertTrue(cpu(1).intr());
        assertEquals(0x45, cpu(1).acknowledge());
        w(a1, EOI, 0);
        assertEquals(0x3f, r(a1, PPR));
        assertEquals(0, cpu(0).intrRisingEdges(), "nothing reached the sender");
    }

    @Test
    void aRequestWithdrawnBeforeTheAcknowledgeGivesTheSpuriousVector() {
        w(a0, SVR, 0x1ef);
        ipi(a0, 0, 0x61);
        assertTrue(cpu(0).intr());
        w(a0, TPR, 0x60);
        assertFalse(cpu(0).intr());
        assertEquals(0xef, cpu(0).acknowledge());
        assertFalse(bit(a0, ISR, 0xef), "a spurious vector is not put in service");
        assertTrue(bit(a0, IRR, 0x61));
    }

    @Test
    void illegalVectorsAndRegistersAreErrorsLatchedByAnEsrWrite() {
        enable(a0);
        w(a0, LVT_ERROR, 0xfe);
        ipi(a0, 1, 0x05);
        assertEquals(0, r(a0, ESR), "errors show once the ESR is written");
        w(a0, ESR, 0);
        assertEquals(LocalApic.ERROR_SEND_ILLEGAL_VECTOR, r(a0, ESR));
        assertFalse(bit(a1, IRR, 0x05));
        assertEquals(0xfe, cpu(0).acknowledge(), "the LVT error entry delivers its vector");
        a0.read(0x040, 4);
        w(a0, ESR, 0);
        assertEquals(LocalApic.ERROR_ILLEGAL_REGISTER, r(a0, ESR));
        w(a0, ESR, 0);
        assertEquals(0, r(a0, ESR));
    }

    @Test
    void physicalAndLogicalDestinations() {
        enable(a0);
        enable(a1);
        w(a0, ID, 0x07 << 24);
        ipi(a1, 7, 0x70);
        assertTrue(bit(a0, IRR, 0x70), "physical: the ID as written");
        ipi(a1, 0, 0x71);
        assertFalse(bit(a0, IRR, 0x71));

        w(a0, LDR, 0x01 << 24);
        w(a1, LDR, 0x02 << 24);
        ipi(a0, 0x02, 0x800 | 0x80);
        assertTrue(bit(a1, IRR, 0x80));
        assertFalse(bit(a0, IRR, 0x80), "flat: bit 1 is APIC 1 only");
        ipi(a0, 0x03, 0x800 | 0x81);
        assertTrue(bit(a0, IRR, 0x81));
        assertTrue(bit(a1, IRR, 0x81));

        w(a0, DFR, 0x0fff_ffff);
        w(a1, DFR, 0x0fff_ffff);
        w(a0, LDR, 0x11 << 24);
        w(a1, LDR, 0x21 << 24);
        ipi(a0, 0x21, 0x800 | 0x90);
        assertTrue(bit(a1, IRR, 0x90));
        assertFalse(bit(a0, IRR, 0x90), "cluster: cluster 2 member 1");
        ipi(a1, 0x13, 0x800 | 0x91);
        assertTrue(bit(a0, IRR, 0x91));
        assertFalse(bit(a1, IRR, 0x91), "cluster 1, members 0 and 1: only APIC 0 is in cluster 1");
        ipi(a1, 0xff, 0x800 | 0x92);
        assertTrue(bit(a0, IRR, 0x92) && bit(a1, IRR, 0x92), "0xff is a broadcast");
    }

    @Test
    void shorthandsSelfAllAndAllButSelf() {
        enable(a0);
        enable(a1);
        ipi(a0, 1, 0x4_0000 | 0xa0);
        assertTrue(bit(a0, IRR, 0xa0));
        assertFalse(bit(a1, IRR, 0xa0), "self ignores the destination");
        ipi(a0, 0, 0x8_0000 | 0xa1);
        assertTrue(bit(a0, IRR, 0xa1) && bit(a1, IRR, 0xa1));
        ipi(a0, 0, 0xc_0000 | 0xa2);
        assertFalse(bit(a0, IRR, 0xa2));
        assertTrue(bit(a1, IRR, 0xa2));
    }

    @Test
    void lowestPriorityGoesToTheLowestProcessorPriority() {
        enable(a0);
        enable(a1);
        w(a0, TPR, 0x50);
        w(a1, TPR, 0x20);
        ipi(a0, 0, 0x8_0000 | 0x100 | 0xb0);
        assertFalse(bit(a0, IRR, 0xb0));
        assertTrue(bit(a1, IRR, 0xb0));
        w(a1, TPR, 0x50);
        ipi(a1, 0, 0x8_0000 | 0x100 | 0xb1);
        assertTrue(bit(a0, IRR, 0xb1), "a tie goes to the lowest APIC");
        assertFalse(bit(a1, IRR, 0xb1));
    }

    @Test
    void nmiInitAndStartupReachTheTargetPort() {
        enable(a0);
        enable(a1);
        w(a1, TPR, 0x30);
        w(a1, ID, 0x05 << 24);
        ipi(a0, 5, 0x400);
        ipi(a0, 5, 0x4500);
        ipi(a0, 0, 0xc_0000 | 0x8000 | 0x500);
        assertEquals(List.of(new Nmi(), new Init()), cpu(1).signals(), "INIT level de-assert does nothing");
        assertEquals(0, r(a1, TPR), "INIT resets the APIC");
        assertEquals(0xff, r(a1, SVR));
        assertEquals(0x05 << 24, r(a1, ID), "but keeps its ID");
        ipi(a0, 5, 0x4600 | 0x9a);
        assertEquals(List.of(new Nmi(), new Init(), new Startup(0x9a)), cpu(1).signals());
        assertTrue(cpu(0).signals().isEmpty());
    }

    @Test
    void theInitSipiSipiSequenceStartsAnApplicationProcessor() {
        enable(a0);
        // As an OS starts an AP: INIT level assert, INIT level de-assert, then two startup IPIs.
        ipi(a0, 1, 0xc500);
        ipi(a0, 1, 0x8500);
        ipi(a0, 1, 0x0600 | 0x9f);
        ipi(a0, 1, 0x0600 | 0x9f);
        assertEquals(List.of(new Init(), new Startup(0x9f), new Startup(0x9f)), cpu(1).signals(),
                "the CPU, not its APIC, ignores a second SIPI once running");
        assertEquals(0, r(a0, ICR_LO) & 0x1000, "delivery status: idle once sent");
    }

    @Test
    void aLocalSourceWithAVectorBelow16IsAReceiveError() {
        enable(a0);
        w(a0, DIVIDE, 0xb);
        w(a0, LVT_TIMER, 0x05);
        w(a0, INITIAL, 10);
        h.clock().advance(10);
        assertFalse(bit(a0, IRR, 0x05));
        w(a0, ESR, 0);
        assertEquals(LocalApic.ERROR_RECEIVE_ILLEGAL_VECTOR, r(a0, ESR));
    }

    @Test
    void oneShotTimerCountsTheVirtualClockThroughTheDivider() {
        enable(a0);
        w(a0, DIVIDE, 0x3);
        w(a0, LVT_TIMER, 0xd0);
        h.clock().advance(1_000);
        w(a0, INITIAL, 1000);
        assertEquals(1000, r(a0, CURRENT));
        h.clock().advance(160);
        assertEquals(990, r(a0, CURRENT), "divide by 16: one tick per 16 ns");
        h.clock().advanceTo(1_000 + 16_000 - 1);
        assertFalse(cpu(0).intr());
        assertEquals(1, r(a0, CURRENT));
        h.clock().advanceTo(1_000 + 16_000);
        assertTrue(cpu(0).intr());
        assertEquals(0, r(a0, CURRENT));
        assertEquals(0xd0, cpu(0).acknowledge());
        w(a0, EOI, 0);
        h.clock().advance(1_000_000);
        assertEquals(1, cpu(0).intrRisingEdges(), "one-shot: once");
        assertEquals(0, h.clock().armedTimers());
    }

    @Test
    void periodicTimerReloadsEveryPeriod() {
        enable(a0);
        w(a0, DIVIDE, 0xb);
        w(a0, LVT_TIMER, 0x2_0000 | 0xd1);
        w(a0, INITIAL, 100);
        h.clock().advance(250);
        assertEquals(50, r(a0, CURRENT), "divide by 1, 2.5 periods in");
        int taken = 0;
        for (int i = 0; i < 10; i++) {
            if (cpu(0).intr()) {
                assertEquals(0xd1, cpu(0).acknowledge());
                w(a0, EOI, 0);
                taken++;
            }
            h.clock().advance(100);
        }
        assertEquals(10, taken, "expiries at 100 and 200 ns share one IRR bit; then one per period up to 1100 ns");
        assertEquals(50, r(a0, CURRENT), "at 1250 ns");
        w(a0, INITIAL, 0);
        assertEquals(0, r(a0, CURRENT));
        assertEquals(0, h.clock().armedTimers(), "a zero initial count stops the timer");
    }

    @Test
    void aPeriodicCountTurnedOneShotFinishesItsPeriodAndStops() {
        enable(a0);
        w(a0, DIVIDE, 0xb);
        w(a0, LVT_TIMER, 0x2_0000 | 0xd6);
        w(a0, INITIAL, 100);
        h.clock().advance(250);
        assertEquals(0xd6, cpu(0).acknowledge());
        w(a0, EOI, 0);
        w(a0, LVT_TIMER, 0xd6);
        assertEquals(50, r(a0, CURRENT), "the count carries on");
        h.clock().advance(49);
        assertFalse(cpu(0).intr());
        h.clock().advance(1);
        assertTrue(cpu(0).intr(), "the period in progress ends at 300 ns");
        assertEquals(0xd6, cpu(0).acknowledge());
        w(a0, EOI, 0);
        h.clock().advance(1_000);
        assertFalse(cpu(0).intr(), "and nothing follows");
        assertEquals(0, r(a0, CURRENT));
    }

    @Test
    void aMaskedTimerCountsWithoutInterrupting() {
        enable(a0);
        w(a0, DIVIDE, 0xb);
        w(a0, LVT_TIMER, 0x1_0000 | 0xd2);
        w(a0, INITIAL, 10);
        h.clock().advance(100);
        assertFalse(cpu(0).intr());
        assertEquals(0, r(a0, CURRENT));
    }

    @Test
    void changingTheDividerKeepsTheCurrentCount() {
        enable(a0);
        w(a0, DIVIDE, 0xb);
        w(a0, LVT_TIMER, 0xd3);
        w(a0, INITIAL, 1000);
        h.clock().advance(400);
        w(a0, DIVIDE, 0x0);
        assertEquals(600, r(a0, CURRENT));
        h.clock().advance(2 * 600 - 1);
        assertFalse(cpu(0).intr());
        h.clock().advance(1);
        assertTrue(cpu(0).intr(), "the remaining 600 ticks at 2 ns each");
    }

    @Test
    void lint0ExtIntPassesThe8259sVectorAndLint1DeliversNmi() {
        enable(a0);
        bus.connectExtInt(() -> 0x0b);
        w(a0, LVT_LINT0, 0x700);
        w(a0, LVT_LINT1, 0x400);
        bus.lint(0, 0).raise();
        assertTrue(cpu(0).intr());
        w(a0, TPR, 0xff);
        assertTrue(cpu(0).intr(), "ExtINT bypasses the task priority");
        assertEquals(0x0b, cpu(0).acknowledge());
        bus.lint(0, 0).lower();
        assertFalse(cpu(0).intr());
        bus.lint(0, 1).raise();
        bus.lint(0, 1).lower();
        assertEquals(List.of(new Nmi()), cpu(0).signals());
        assertThrows(IllegalArgumentException.class, () -> bus.lint(0, 2));
        assertThrows(IllegalArgumentException.class, () -> bus.registers(2));
    }

    @Test
    void levelTriggeredLint0WaitsForTheEoiAndSetsTmr() {
        enable(a0);
        w(a0, LVT_LINT0, 0x8000 | 0x33);
        bus.lint(0, 0).raise();
        assertTrue(bit(a0, TMR, 0x33));
        assertEquals(0x4000, r(a0, LVT_LINT0) & 0x4000, "remote IRR");
        assertEquals(0x33, cpu(0).acknowledge());
        assertFalse(bit(a0, IRR, 0x33));
        w(a0, EOI, 0);
        assertTrue(bit(a0, IRR, 0x33), "still asserted: delivered again after the EOI");
        assertEquals(0x4000, r(a0, LVT_LINT0) & 0x4000);
        bus.lint(0, 0).lower();
        assertEquals(0x33, cpu(0).acknowledge());
        w(a0, EOI, 0);
        assertEquals(0, r(a0, LVT_LINT0) & 0x4000, "the EOI of a deasserted line clears remote IRR for good");
        assertFalse(bit(a0, IRR, 0x33));
    }

    @Test
    void aSoftwareDisabledApicKeepsItsLvtMaskedAndTakesNoFixedInterrupts() {
        w(a0, LVT_TIMER, 0xd4);
        assertEquals(0x10000, r(a0, LVT_TIMER) & 0x10000);
        ipi(a1, 0, 0xe0);
        assertFalse(bit(a0, IRR, 0xe0));
        ipi(a1, 0, 0x400);
        assertEquals(List.of(new Nmi()), cpu(0).signals(), "NMI is taken while disabled");
    }

    @Test
    void timerStateSurvivesALoadIntoAFreshMachineAtTheSameTime() {
        enable(a0);
        w(a0, LVT_TIMER, 0x2_0000 | 0xd5);
        w(a0, INITIAL, 1000);
        h.clock().advance(2_500);
        var saved = bus.sections().get(0).save();
        DeviceHarness h2 = harness();
        h2.clock().advanceTo(h.clock().nanos());
        ApicBus fresh = (ApicBus) start(h2);
        load(fresh, saved);
        assertEquals(r(a0, CURRENT), r(fresh.registers(0), CURRENT));
        h2.clock().advance(500);
        assertTrue(h2.interrupts().cpu(0).intr(), "the period ends at 3000 ns on the new machine too");
    }

    @SuppressWarnings("unchecked")
    private static void load(Device d, Record state) {
        ((dev.tern.spi.state.StateSection<LocalApicState>) d.sections().get(0)).load((LocalApicState) state);
    }

    @Override
    protected void exercise(DeviceHarness harness, Device device, Random rnd, int operations) {
        ApicBus b = (ApicBus) device;
        b.connectExtInt(() -> 0x20);
        for (int i = 0; i < operations; i++) {
            MmioHandler a = b.registers(rnd.nextInt(b.cpuCount()));
            int choice = rnd.nextInt(100);
            int reg = rnd.nextInt(0x400) & ~3;
            if (choice < 2) {
                harness.clock().advance(rnd.nextLong(100_000L));
            } else if (choice < 4) {
                b.lint(rnd.nextInt(b.cpuCount()), rnd.nextInt(2)).set(rnd.nextBoolean());
            } else if (choice < 6) {
                harness.interrupts().cpu(rnd.nextInt(b.cpuCount())).acknowledge();
            } else if (choice < 60) {
                a.write(reg, rnd.nextInt(8) == 0 ? 1 << rnd.nextInt(4) : 4, rnd.nextLong());
            } else {
                a.read(rnd.nextLong(0x1000), 1 << rnd.nextInt(4));
            }
        }
    }
}
