package dev.tern.kernel.state;

import dev.tern.kernel.ram.RamReceiver;
import dev.tern.kernel.ram.RamRecord;
import dev.tern.kernel.ram.RamSender;

import dev.tern.kernel.clock.MachineClock;
import dev.tern.kernel.irq.IrqRouter;
import dev.tern.kernel.memory.GuestRam;
import dev.tern.spi.SpiVersion;
import dev.tern.testkit.state.GoldenEncoding;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Golden encodings of the kernel's own sections: clock, irq-router and the RAM live section. */
class KernelSectionGoldenTest {

    static final GoldenEncoding GOLDEN = GoldenEncoding.inModule(SectionFrame::encode, SectionFrame::load);

    private static MachineClock clock() {
        MachineClock c = new MachineClock(() -> 0, 1);
        c.newTimer("pit", () -> { });
        c.newTimer("rtc", () -> { });
        c.newTimer("uart-timeout", () -> { });
        return c;
    }

    @Test
    void aTruncatedOrBitFlippedSectionFrameIsRefusedAndChangesNothing() throws IOException {
        byte[] golden = Files.readAllBytes(GOLDEN.fixture("irq-router", 1));
        for (int cut = 0; cut < golden.length; cut++) {
            IrqRouter r = new IrqRouter();
            byte[] shorter = java.util.Arrays.copyOf(golden, cut);
            org.junit.jupiter.api.Assertions.assertThrows(SavedStateException.class,
                    () -> SectionFrame.load(r.stateSection(), shorter), "cut at " + cut);
            assertTrue(!r.level(0), "cut at " + cut + " changed nothing");
        }
        for (int bit = 0; bit < golden.length * 8; bit++) {
            IrqRouter r = new IrqRouter();
            byte[] flipped = golden.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            org.junit.jupiter.api.Assertions.assertThrows(SavedStateException.class,
                    () -> SectionFrame.load(r.stateSection(), flipped), "bit " + bit);
            assertTrue(!r.level(0), "bit " + bit + " changed nothing");
        }
    }

    @Test
    void randomAndMutatedSectionFramesOnlyEverFailWithSavedStateException() throws IOException {
        byte[] golden = Files.readAllBytes(GOLDEN.fixture("clock", 1));
        java.util.Random rnd = new java.util.Random(5);
        for (int i = 0; i < 3000; i++) {
            byte[] input;
            if (i % 2 == 0) {
                input = new byte[rnd.nextInt(200)];
                rnd.nextBytes(input);
            } else {
                input = golden.clone();
                for (int k = 1 + rnd.nextInt(4); k > 0; k--) {
                    input[rnd.nextInt(input.length)] = (byte) rnd.nextInt(256);
                }
            }
            MachineClock c = new MachineClock(() -> 0, 1);
            try {
                SectionFrame.load(c.stateSection(), input);
                assertArrayEquals(golden, input, "only the unchanged golden may load (case " + i + ")");
            } catch (SavedStateException expected) {
                assertEquals(0, c.warpNanos(), "a refused frame changed nothing (case " + i + ")");
            }
        }
    }

    /** The controller is not exercised: only the pin level it drives is saved. */
    private static final class NoController implements dev.tern.spi.irq.InterruptController {
        @Override
        public int acknowledge() {
            throw new AssertionError("not acknowledged in this test");
        }
    }

    @Test
    void clockWithArmedAndIdleTimersAndWarp() {
        MachineClock c = new MachineClock(() -> 0, 1);
        c.warpTo(1_234_567);
        // timers mid-count: one due soon, one far away, one disarmed
        c.newTimer("pit", () -> { }).armAt(1_300_000);
        c.newTimer("rtc", () -> { }).armAt(977_000_000_123L);
        c.newTimer("uart-timeout", () -> { });
        GOLDEN.check(c.stateSection(), () -> clock().stateSection());
    }

    @Test
    void irqRouterWithLinesHighAcrossWordsAndThePinRaised() {
        IrqRouter r = new IrqRouter();
        for (int gsi : new int[] {0, 4, 11, 63, 64, 200, 255}) {
            r.line(gsi).set(true);
        }
        r.connectCpu(new NoController()).set(true);
        GOLDEN.check(r.stateSection(), () -> new IrqRouter().stateSection());
    }

    private static GuestRam smallRam() {
        return GuestRam.builder().ram("low", 0, 16 * 4096).ram("high", 0x10_0000, 4 * 4096).build();
    }

    /**
     * RAM is a live section, so its golden is a whole stream holding only it: configuration, the
     * START/PART/END frames with a few non-zero pages in both regions, EOF and trailer.
     */
    @Test
    void ramStreamWithPagesInBothRegions() throws IOException, SavedStateException {
        byte[] now;
        byte[] expectedRam = new byte[20 * 4096];
        try (GuestRam ram = smallRam()) {
            for (int i = 0; i < 4096; i++) {
                ram.writeU8(2L * 4096 + i, i * 7 + 1);
            }
            ram.writeU32(9L * 4096 + 100, 0xdeadbeef);
            ram.writeU8(0x10_0000 + 3 * 4096 + 4095, 0x5a);
            ram.read(0, expectedRam, 0, 16 * 4096);
            ram.read(0x10_0000, expectedRam, 16 * 4096, 4 * 4096);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            // The header names the SPI the stream was written under; pinned to the golden's (1.0) so
            // that SPI minor bumps do not move the RAM encoding this test is about, and the load
            // below proves a 1.0 stream still loads.
            ConfigHeader current = ConfigHeader.of("pc", ram);
            ConfigHeader header = new ConfigHeader(current.machineType(), current.pageSize(), new SpiVersion(1, 0),
                    current.regions());
            SavedStateWriter w = new SavedStateWriter(out, header);
            w.writeLive(RamSender.of(ram), 8 * 4096);
            w.finish();
            now = out.toByteArray();
        }
        Path golden = GOLDEN.fixture("ram", RamRecord.VERSION);
        if (Boolean.getBoolean(GoldenEncoding.UPDATE_PROPERTY) && !Files.exists(golden)) {
            Files.createDirectories(golden.getParent());
            Files.write(golden, now);
        }
        assertTrue(Files.exists(golden), "section 'ram': no golden stream at " + golden);
        assertArrayEquals(Files.readAllBytes(golden), now, "section 'ram' instance 0 v" + RamRecord.VERSION
                + ": stream differs from golden " + golden);
        // Every older version still loads: snapshot files written before the one RAM stream included.
        for (int v = RamRecord.OLDEST_VERSION; v <= RamRecord.VERSION; v++) {
            byte[] expected = Files.readAllBytes(GOLDEN.fixture("ram", v));
            try (GuestRam target = smallRam()) {
                target.writeU8(5, 0xff);
                new SnapshotLoader(ConfigHeader.of("pc", target)).live(RamReceiver.of(target))
                        .load(StateSource.of(expected));
                byte[] got = new byte[20 * 4096];
                target.read(0, got, 0, 16 * 4096);
                target.read(0x10_0000, got, 16 * 4096, 4 * 4096);
                assertArrayEquals(expectedRam, got, "section 'ram': the v" + v + " golden stream did not restore the"
                        + " pages");
            }
        }
    }
}
