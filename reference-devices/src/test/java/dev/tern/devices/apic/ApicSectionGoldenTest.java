package dev.tern.devices.apic;

import dev.tern.kernel.state.SectionFrame;
import dev.tern.spi.device.Device;
import dev.tern.spi.state.StateSection;
import dev.tern.testkit.DeviceHarness;
import dev.tern.testkit.state.GoldenEncoding;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Golden encodings of the APIC sections, each state written out field by field (as in the other
 * devices' golden test) so only a change of what is saved can move a golden.
 */
class ApicSectionGoldenTest {

    private static final GoldenEncoding GOLDEN = GoldenEncoding.inModule(SectionFrame::encode, SectionFrame::load);

    /** One vCPU's APIC bus with an I/O APIC: index 0 is the bus, 1 the I/O APIC. */
    private static Device[] machine() {
        DeviceHarness h = DeviceHarness.of(new ApicBusProvider(), Map.of());
        Device bus = h.start(new ApicBusProvider());
        Device io = h.withInstance("ioapic0", new IoApicProvider(), Map.of()).start(new IoApicProvider());
        return new Device[] {bus, io};
    }

    @SuppressWarnings("unchecked")
    private static <S extends Record> void check(Supplier<StateSection<?>> fresh, Record state) {
        StateSection<S> s = (StateSection<S>) fresh.get();
        S typed = s.stateType().cast(state);
        assertEquals(Optional.empty(), s.validate(typed), s.name() + ": the chosen golden state is refused");
        s.load(typed);
        GOLDEN.check(s, () -> (StateSection<S>) fresh.get());
    }

    @Test
    void lapicWithVectorsInServiceAPeriodicTimerAndLint0ExtInt() {
        int[] isr = {0, 0, 0x0000_0002, 0, 0, 0, 0, 0};
        int[] tmr = {0, 0, 0, 0, 0, 0, 0, 0x8000_0000};
        int[] irr = {0, 0, 0x0000_0010, 0, 0, 0, 0, 0x8000_0000};
        int[] lvt = {0x2_00ef, 0x1_0000, 0x1_0000, 0x0700, 0x0400, 0x1_00fe};
        LocalApicState s = new LocalApicState(0, 0x20, 0x0100_0000, 0xffff_ffff, 0x1ff, isr, tmr, irr, 0x20, 0x80,
                0x000c_4030, 0x0100_0000, lvt, 125_000, 0xb, 40_000, true, 0x1, false);
        check(() -> machine()[0].sections().getFirst(), s);
    }

    @Test
    void ioapicWithALevelEntryAwaitingItsEoi() {
        long[] entries = new long[IoApic.PINS];
        java.util.Arrays.fill(entries, 0x1_0000L);
        entries[2] = 0x30;
        entries[9] = 0x0100_0000_0000_0000L | 0xc000 | 0x39;
        check(() -> machine()[1].sections().getFirst(), new IoApicState(2, 0x12, entries, 1 << 9));
    }
}
