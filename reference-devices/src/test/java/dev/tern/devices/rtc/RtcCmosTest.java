package dev.tern.devices.rtc;

import dev.tern.spi.ConfigException;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.testkit.DeviceContract;
import dev.tern.testkit.DeviceHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RtcCmosTest extends DeviceContract {

    private static final long MS = 1_000_000L;
    private DeviceHarness h;
    private RtcCmos rtc;

    @Override
    protected DeviceProvider provider() {
        return new RtcProvider();
    }

    @BeforeEach
    void boot() {
        h = DeviceHarness.of(provider(), Map.of(), 32L << 20);
        rtc = (RtcCmos) start(h);
    }

    private int cmos(int i) {
        h.ports().out(0x70, i);
        return h.ports().in(0x71);
    }

    private void cmos(int i, int v) {
        h.ports().out(0x70, i);
        h.ports().out(0x71, v);
    }

    @Test
    void defaultDateIsFixedAndBcd() {
        assertEquals(0x00, cmos(0x00));
        assertEquals(0x00, cmos(0x02));
        assertEquals(0x00, cmos(0x04));
        assertEquals(0x05, cmos(0x06), "2026-01-01 is a Thursday");
        assertEquals(0x01, cmos(0x07));
        assertEquals(0x01, cmos(0x08));
        assertEquals(0x26, cmos(0x09));
        assertEquals(0x20, cmos(0x32));
        assertEquals(0x26, cmos(0x0a));
        assertEquals(0x02, cmos(0x0b));
        assertEquals(0x80, cmos(0x0d), "valid RAM and time");
    }

    @Test
    void timeAdvancesWithTheVirtualClock() {
        h.clock().advance(61_500 * MS);
        assertEquals(0x01, cmos(0x00));
        assertEquals(0x01, cmos(0x02));
        h.clock().advance(3600L * 1000 * MS * 36);
        assertEquals(0x12, cmos(0x04));
        assertEquals(0x02, cmos(0x07));
    }

    @Test
    void binaryAndTwelveHourFormats() {
        cmos(0x0b, 0x04);
        h.clock().advance(13L * 3600 * 1000 * MS + 5 * 1000 * MS);
        assertEquals(0x81, cmos(0x04), "1 PM");
        assertEquals(5, cmos(0x00));
        assertEquals(26, cmos(0x09));
        cmos(0x0b, 0x06);
        assertEquals(13, cmos(0x04));
    }

    @Test
    void updateInProgressIsSetJustBeforeEachUpdate() {
        h.clock().advanceTo(1000 * MS - RtcCmos.UIP_NANOS - 1);
        assertEquals(0, cmos(0x0a) & 0x80);
        h.clock().advance(1);
        assertEquals(0x80, cmos(0x0a) & 0x80);
        h.clock().advanceTo(1000 * MS);
        assertEquals(0, cmos(0x0a) & 0x80);
        assertEquals(0x01, cmos(0x00));
    }

    @Test
    void periodicInterruptAt1024Hz() {
        cmos(0x0b, 0x42);
        int interrupts = 0;
        while (h.clock().nanos() < 1000 * MS) {
            h.clock().advanceTo(Math.min(h.clock().nextDeadline(), 1000 * MS));
            if (h.interrupts().level(8)) {
                interrupts++;
                assertEquals(0xc0, cmos(0x0c) & 0xf0 & ~0x10, "IRQF and PF");
                assertFalse(h.interrupts().level(8), "reading C lowers IRQ8");
            }
        }
        assertEquals(1024, interrupts);
    }

    @Test
    void updateEndedInterruptOncePerSecond() {
        cmos(0x0b, 0x12);
        h.clock().advanceTo(999 * MS);
        assertFalse(h.interrupts().level(8));
        h.clock().advanceTo(1000 * MS);
        assertTrue(h.interrupts().level(8));
        assertEquals(0xd0, cmos(0x0c), "IRQF, UF and (not enabled) PF");
        assertEquals(0x00, cmos(0x0c), "register C read clears");
    }

    @Test
    void alarmInterruptMatchesWithDontCareFields() {
        cmos(0x01, 0x05);
        cmos(0x03, 0xc0);
        cmos(0x05, 0xff);
        cmos(0x0b, 0x22);
        h.clock().advanceTo(4999 * MS);
        assertFalse(h.interrupts().level(8));
        h.clock().advanceTo(5000 * MS);
        assertTrue(h.interrupts().level(8));
        assertEquals(0xa0, cmos(0x0c) & 0xa0);
    }

    @Test
    void flagsAreSetWithoutInterruptsEnabled() {
        h.clock().advance(1500 * MS);
        assertEquals(0, h.clock().armedTimers(), "no timer without an enabled interrupt");
        assertEquals(0x50, cmos(0x0c), "PF and UF, no IRQF");
        assertFalse(h.interrupts().level(8));
    }

    @Test
    void setBitFreezesAndLoadsTheTime() {
        cmos(0x0b, 0x82);
        cmos(0x00, 0x56);
        cmos(0x02, 0x34);
        cmos(0x04, 0x12);
        cmos(0x07, 0x15);
        cmos(0x08, 0x06);
        cmos(0x09, 0x30);
        h.clock().advance(5000 * MS);
        assertEquals(0x56, cmos(0x00), "frozen while SET");
        cmos(0x0b, 0x02);
        h.clock().advance(999 * MS);
        assertEquals(0x56, cmos(0x00));
        h.clock().advance(1 * MS);
        assertEquals(0x57, cmos(0x00));
        assertEquals(0x12, cmos(0x04));
        assertEquals(0x15, cmos(0x07));
        assertEquals(0x06, cmos(0x08));
        assertEquals(0x30, cmos(0x09));
    }

    @Test
    void writingARunningTimeRegisterKeepsTheSecondPhase() {
        h.clock().advance(2500 * MS);
        cmos(0x02, 0x30);
        assertEquals(0x30, cmos(0x02));
        assertEquals(0x02, cmos(0x00));
        h.clock().advance(500 * MS);
        assertEquals(0x03, cmos(0x00));
    }

    @Test
    void dividerResetStopsTimeAndRestartsHalfASecondLater() {
        h.clock().advance(3200 * MS);
        cmos(0x0a, 0x76);
        h.clock().advance(10_000 * MS);
        assertEquals(0x03, cmos(0x00));
        cmos(0x0a, 0x26);
        h.clock().advance(499 * MS);
        assertEquals(0x03, cmos(0x00));
        h.clock().advance(1 * MS);
        assertEquals(0x04, cmos(0x00));
    }

    @Test
    void nmiMaskIsBit7OfTheIndexPort() {
        h.ports().out(0x70, 0x8f);
        assertTrue(rtc.nmiMasked());
        h.ports().out(0x70, 0x0f);
        assertFalse(rtc.nmiMasked());
    }

    @Test
    void memorySizeFieldsDescribeGuestRam() {
        assertEquals(0x80, cmos(0x15));
        assertEquals(0x02, cmos(0x16));
        assertEquals(31 * 1024, cmos(0x17) | cmos(0x18) << 8);
        assertEquals(31 * 1024, cmos(0x30) | cmos(0x31) << 8);
        assertEquals(256, cmos(0x34) | cmos(0x35) << 8);
        int sum = 0;
        for (int i = 0x10; i <= 0x2d; i++) {
            sum += cmos(i);
        }
        assertEquals(sum, cmos(0x2e) << 8 | cmos(0x2f));
    }

    @Test
    void cmosRamSurvivesResetButEnablesDoNot() {
        cmos(0x40, 0x5a);
        cmos(0x0b, 0x72);
        rtc.reset();
        assertEquals(0x5a, cmos(0x40));
        assertEquals(0x02, cmos(0x0b));
    }

    @Test
    void baseDateIsConfigurable() {
        DeviceHarness other = DeviceHarness.of(provider(), Map.of("base", "1999-12-31T23:59:59Z"));
        start(other);
        other.clock().advance(1000 * MS);
        other.ports().out(0x70, 0x09);
        assertEquals(0x00, other.ports().in(0x71));
        other.ports().out(0x70, 0x32);
        assertEquals(0x20, other.ports().in(0x71));
        start(DeviceHarness.of(provider(), Map.of("base", "utc")));
        ConfigException e = assertThrows(ConfigException.class,
                () -> provider().create(DeviceHarness.of(provider(), Map.of("base", "yesterday"))));
        assertTrue(e.getMessage().contains("base"));
    }
}
