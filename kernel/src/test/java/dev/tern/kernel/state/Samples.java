package dev.tern.kernel.state;

import dev.tern.kernel.ram.RamReceiver;
import dev.tern.kernel.ram.RamRecord;
import dev.tern.kernel.ram.RamSender;

import dev.tern.kernel.memory.GuestRam;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;

/** Records and streams shared by the saved-state tests. */
final class Samples {

    enum Parity { NONE, ODD, EVEN }

    record Uart(byte ier, byte lcr, byte fcr, int divisor) { }

    record UartV1(byte ier, byte lcr, int divisor) { }

    record Fifo(byte[] bytes, int head) { }

    record Timer(String name, long deadline) { }

    record Clock(long warp, List<Timer> timers) { }

    private Samples() { }

    static GuestRam smallRam() {
        return GuestRam.builder().ram("ram", 0, 4 * 4096).rom("bios", 0x10000, new byte[] {1, 2, 3}).build();
    }

    static TestSection<Uart> uart(Uart value) {
        return new TestSection<>("uart16550", "0", Uart.class, value, 1, 1);
    }

    static TestSection<Clock> clock(Clock value) {
        return new TestSection<>("clock", Clock.class, value);
    }

    static Clock sampleClock() {
        return new Clock(77, List.of(new Timer("pit", 1000), new Timer("rtc", 2000)));
    }

    /** RAM with one non-zero page, a uart with a needed subsection, and a clock. */
    static byte[] smallStream(GuestRam ram) throws IOException {
        ram.writeU32(4096 + 8, 0xCAFEBABE);
        TestSection<Uart> uart = uart(new Uart((byte) 1, (byte) 3, (byte) 0xC7, 12));
        uart.subsections.add(new TestSection.Sub<>("fifo", Fifo.class, new Fifo(new byte[] {9, 8}, 1)));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SavedStateWriter w = new SavedStateWriter(bytes, ConfigHeader.of("pc", ram));
        w.writeLive(RamSender.of(ram), 1 << 20);
        w.writeSection(uart);
        w.writeSection(clock(sampleClock()));
        w.finish();
        return bytes.toByteArray();
    }

    /** A loader expecting what {@link #smallStream} writes. */
    static SnapshotLoader loaderFor(GuestRam ram, TestSection<?>... sections) {
        SnapshotLoader l = new SnapshotLoader(ConfigHeader.of("pc", ram)).live(RamReceiver.of(ram));
        for (TestSection<?> s : sections) {
            l.section(s);
        }
        return l;
    }
}
