package dev.tern.devices;

import dev.tern.devices.i8042.I8042Provider;
import dev.tern.devices.i8042.I8042State;
import dev.tern.devices.pci.PciBridgeProvider;
import dev.tern.devices.pci.PciHostProvider;
import dev.tern.devices.pci.ShpcState;
import dev.tern.devices.pci.PciHostState;
import dev.tern.devices.pic.ChipState;
import dev.tern.devices.pic.PicProvider;
import dev.tern.devices.pic.PicState;
import dev.tern.devices.pit.ChannelState;
import dev.tern.devices.pit.PitProvider;
import dev.tern.devices.pit.PitState;
import dev.tern.devices.port80.PostCodePort;
import dev.tern.devices.port80.PostCodePortProvider;
import dev.tern.devices.port92.SystemControlPortA;
import dev.tern.devices.port92.SystemControlPortAProvider;
import dev.tern.devices.rtc.RtcProvider;
import dev.tern.devices.rtc.RtcState;
import dev.tern.devices.uart.UartProvider;
import dev.tern.devices.uart.UartState;
import dev.tern.kernel.state.SectionFrame;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.spi.state.StateSection;
import dev.tern.testkit.DeviceHarness;
import dev.tern.testkit.state.GoldenEncoding;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Golden encodings of the ISA and PCI-host reference devices' sections. Each state is written out
 * here field by field rather than reached by driving the device, so a behaviour change of a device
 * cannot move its golden: only a change of what is saved, or of how, can.
 */
class SectionGoldenTest {

    static final GoldenEncoding GOLDEN = GoldenEncoding.inModule(SectionFrame::encode, SectionFrame::load);

    /** Finds section {@code name} among the sections of a freshly started device. */
    static StateSection<?> section(Device d, String name) {
        return d.sections().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("device has no section '" + name + "'"));
    }

    /** Puts {@code state} into the section of a new device, then checks it against its golden. */
    static void check(Supplier<Device> device, String name, Record state) {
        Supplier<StateSection<?>> fresh = () -> section(device.get(), name);
        checkTyped(fresh.get(), state, fresh);
    }

    @SuppressWarnings("unchecked")
    private static <S extends Record> void checkTyped(StateSection<S> s, Record state,
            Supplier<StateSection<?>> fresh) {
        S typed = s.stateType().cast(state);
        assertEquals(Optional.empty(), s.validate(typed), s.name() + ": the chosen golden state is refused");
        s.load(typed);
        GOLDEN.check(s, () -> (StateSection<S>) fresh.get());
    }

    private static Supplier<Device> started(DeviceProvider p, Map<String, String> config, long ram) {
        return () -> DeviceHarness.of(p, config, ram).start(p);
    }

    private static Supplier<Device> started(DeviceProvider p, Map<String, String> config) {
        return started(p, config, DeviceHarness.DEFAULT_RAM);
    }

    @Test
    void i8259WithRequestsInServiceAndAMaskedSlave() {
        // master: IRQ0 in service, IRQ1 and the cascade requested; slave: IRQ 12 requested, 14 level-triggered
        ChipState master = new ChipState(0x06, 0xb8, 0x01, 0x06, 0x02, 0x00, 7, 0x08, 0, true, false, false,
                false, false, false, false, false, true, 0x04, true);
        ChipState slave = new ChipState(0x10, 0xef, 0x00, 0x50, 0x10, 0x40, 3, 0x70, 0, true, false, true,
                false, false, true, false, false, false, 0x02, true);
        check(started(new PicProvider(), Map.of()), "i8259", new PicState(master, slave));
    }

    @Test
    void i8254WithChannel0MidCountAndAHalfWrittenReload() {
        ChannelState c0 = new ChannelState(2, 3, false, 11932, 1_000_000L, true, true, -1, false, 0, true, true,
                0x1a2b, false, false, 0, false, 0x2e9c, 1_011_932L);
        ChannelState c1 = new ChannelState(3, 1, true, 18, 0, true, false, -1, false, 0, false, false, 0, false,
                true, 0x57, true, -1, 0);
        ChannelState c2 = new ChannelState(0, 3, false, 0x0533, 900_000L, false, true, 950_000L, true, 0x33, false,
                false, 0, false, false, 0, false, -1, 0);
        check(started(new PitProvider(), Map.of()), "i8254", new PitState(List.of(c0, c1, c2), 0x03));
    }

    @Test
    void mc146818WithCalendarAlarmAndAPendingUpdate() {
        byte[] cmos = new byte[128];
        for (int i = 0; i < cmos.length; i++) {
            cmos[i] = (byte) (i * 37 + 5);
        }
        cmos[0x0a] = 0x26;
        cmos[0x0b] = 0x02;
        cmos[0x0c] = 0x00;
        cmos[0x0d] = (byte) 0x80;
        check(started(new RtcProvider(), Map.of(), 32L << 20), "mc146818",
                new RtcState(cmos, 0x0c, true, 1_700_000_000L, 123_456_789L, 987_654_321L));
    }

    @Test
    void uart16550WithBytesInTheReceiveFifoAndHostInputWaiting() {
        UartState s = new UartState(0x05, 0x03, 0x0b, 0x02, 0x01, 0x5a, 1, true, 0xc1,
                new byte[] {'l', 'o', 'g', 'i', 'n', ':', ' '}, 'x', true, false, 2_500_000L,
                new byte[] {'r', 'o', 'o', 't', '\n'});
        check(started(new UartProvider(), Map.of("backend", "memory")), "uart16550", s);
    }

    @Test
    void i8042WithQueuedKeyboardAndControllerBytes() {
        byte[] ram = new byte[32];
        for (int i = 0; i < ram.length; i++) {
            ram[i] = (byte) (0xa0 + i);
        }
        I8042State s = new I8042State(0x65, ram, 0xcf, 0xd1, true, new int[] {0x1c, 0xf0, 0x11c, 0xfa}, 0xaa, true,
                0xed, 2, 0x05, 0x2b, 0xfa);
        check(started(new I8042Provider(), Map.of()), "i8042", s);
    }

    @Test
    void port80WithALastPostCode() {
        check(started(new PostCodePortProvider(), Map.of()), "port80", new PostCodePort.State(0x42));
    }

    @Test
    void port92WithA20Enabled() {
        check(started(new SystemControlPortAProvider(), Map.of()), "port92", new SystemControlPortA.State(0x02));
    }

    @Test
    void pciHostWithAnEnabledConfigAddressLatched() {
        check(started(new PciHostProvider(), Map.of()), "pci-host", new PciHostState(0x8000_0810));
    }

    @Test
    void pciBridgeShpcWithAPoweredCardAnEjectedSlotAndEventsLatched() {
        int[] slots = new int[31];
        java.util.Arrays.fill(slots, 0x7f00_0000 | 3 | 3 << 2 | 3 << 4);
        slots[0] = 2 | 1 << 2 | 3 << 4; // enabled, power on, unmasked
        slots[2] = 0x7b00_0000 | 1 | 2 << 2 | 1 << 4 | 1 << 18; // powered, blinking, attention on, button latched
        Supplier<Device> bridge = () -> {
            var host = DeviceHarness.of(new PciHostProvider(), Map.of());
            host.start(new PciHostProvider());
            return host.withInstance("br1", new PciBridgeProvider(), Map.of("chassis-nr", "2")).start(new PciBridgeProvider());
        };
        check(bridge, "pci-bridge-shpc", new ShpcState(0x1_0002, 0x033a, 0, 0, slots, 0, 9, 0));
    }
}
