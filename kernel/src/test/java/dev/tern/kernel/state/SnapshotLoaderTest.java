package dev.tern.kernel.state;

import dev.tern.kernel.memory.GuestRam;
import dev.tern.kernel.ram.RamSender;
import dev.tern.spi.SpiVersion;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SnapshotLoaderTest {

    private static final Samples.Uart ZERO_UART = new Samples.Uart((byte) 0, (byte) 0, (byte) 0, 0);

    @Test
    void loadsRamDevicesAndSubsections() throws IOException {
        try (GuestRam src = Samples.smallRam(); GuestRam dst = Samples.smallRam()) {
            byte[] stream = Samples.smallStream(src);
            dst.writeU32(0, 0x12345678);
            TestSection<Samples.Uart> uart = Samples.uart(ZERO_UART);
            TestSection.Sub<Samples.Fifo> fifo = new TestSection.Sub<>("fifo", Samples.Fifo.class, null);
            uart.subsections.add(fifo);
            TestSection<Samples.Clock> clock = Samples.clock(new Samples.Clock(0, List.of()));
            Samples.loaderFor(dst, uart, clock).load(StateSource.of(stream));

            assertEquals(0xCAFEBABE, dst.readU32(4096 + 8));
            assertEquals(0, dst.readU32(0), "pages absent from a full pass are zeroed");
            assertEquals(List.of(new Samples.Uart((byte) 1, (byte) 3, (byte) 0xC7, 12)), uart.loaded);
            assertArrayEquals(new byte[] {9, 8}, fifo.loaded.getFirst().bytes());
            assertEquals(List.of(Samples.sampleClock()), clock.loaded);
        }
    }

    @Test
    void olderVersionLoadsThroughAnUpgrader() throws IOException {
        byte[] v1 = stream(new TestSection<>("uart16550", "0", Samples.UartV1.class,
                new Samples.UartV1((byte) 1, (byte) 3, 12), 1, 1));
        TestSection<Samples.Uart> v2 = new TestSection<>("uart16550", "0", Samples.Uart.class, ZERO_UART, 2, 1);
        SnapshotLoader loader = new SnapshotLoader(emptyConfig()).section(v2);
        SavedStateException none = assertThrows(SavedStateException.class, () -> loader.load(StateSource.of(v1)));
        assertTrue(none.getMessage().startsWith(
                "section 'uart16550' instance 0: version 1 is older than 2 and no upgrader is registered"),
                none.getMessage());

        loader.upgrader("uart16550", (from, old) -> new Samples.Uart(old.byteValue("ier"), old.byteValue("lcr"),
                (byte) 0, old.intValue("divisor")));
        loader.load(StateSource.of(v1));
        assertEquals(List.of(new Samples.Uart((byte) 1, (byte) 3, (byte) 0, 12)), v2.loaded);
    }

    @Test
    void versionOutsideTheWindowIsRefused() throws IOException {
        byte[] v7 = stream(new TestSection<>("uart16550", "0", Samples.Uart.class, ZERO_UART, 7, 7));
        TestSection<Samples.Uart> target = new TestSection<>("uart16550", "0", Samples.Uart.class, ZERO_UART, 3, 1);
        SavedStateException e = assertThrows(SavedStateException.class,
                () -> new SnapshotLoader(emptyConfig()).section(target).load(StateSource.of(v7)));
        assertTrue(e.getMessage().startsWith("section 'uart16550' instance 0: version 7 not in [1, 3] (at byte "),
                e.getMessage());
    }

    @Test
    void missingFieldAtTheCurrentVersionIsRefused() throws IOException {
        byte[] s = stream(new TestSection<>("uart16550", "0", Samples.UartV1.class,
                new Samples.UartV1((byte) 1, (byte) 3, 12), 1, 1));
        TestSection<Samples.Uart> target = Samples.uart(ZERO_UART);
        SavedStateException e = assertThrows(SavedStateException.class,
                () -> new SnapshotLoader(emptyConfig()).section(target).load(StateSource.of(s)));
        assertTrue(e.getMessage().startsWith("section 'uart16550' instance 0: field 'fcr' missing"), e.getMessage());
    }

    @Test
    void unknownMissingAndUnknownSubsectionsAreRefused() throws IOException {
        TestSection<Samples.Uart> uart = Samples.uart(ZERO_UART);
        uart.subsections.add(new TestSection.Sub<>("fifo-v2", Samples.Fifo.class, new Samples.Fifo(new byte[0], 0)));
        byte[] s = stream(uart);

        SavedStateException unknownSection = assertThrows(SavedStateException.class,
                () -> new SnapshotLoader(emptyConfig()).load(StateSource.of(s)));
        assertTrue(unknownSection.getMessage().startsWith("unknown device section 'uart16550' instance 0"),
                unknownSection.getMessage());

        TestSection<Samples.Uart> noSubs = Samples.uart(ZERO_UART);
        SavedStateException unknownSub = assertThrows(SavedStateException.class,
                () -> new SnapshotLoader(emptyConfig()).section(noSubs).load(StateSource.of(s)));
        assertTrue(unknownSub.getMessage().startsWith("section 'uart16550' instance 0: unknown subsection 'fifo-v2'"),
                unknownSub.getMessage());

        TestSection<Samples.Uart> withSub = Samples.uart(ZERO_UART);
        withSub.subsections.add(new TestSection.Sub<>("fifo-v2", Samples.Fifo.class, null));
        TestSection<Samples.Clock> clock = Samples.clock(Samples.sampleClock());
        SavedStateException missing = assertThrows(SavedStateException.class,
                () -> new SnapshotLoader(emptyConfig()).section(withSub).section(clock).load(StateSource.of(s)));
        assertEquals("section 'clock' instance 0 missing from the stream", missing.getMessage());
        assertTrue(withSub.loaded.isEmpty());
    }

    @Test
    void validationFailureAnywhereLeavesEveryTargetUntouched() throws IOException {
        try (GuestRam src = Samples.smallRam(); GuestRam dst = Samples.smallRam()) {
            byte[] stream = Samples.smallStream(src);
            dst.writeU32(0, 0x11111111);
            dst.writeU32(4096 + 8, 0x22222222);
            TestSection<Samples.Uart> uart = Samples.uart(ZERO_UART);
            TestSection.Sub<Samples.Fifo> fifo = new TestSection.Sub<>("fifo", Samples.Fifo.class, null);
            uart.subsections.add(fifo);
            TestSection<Samples.Clock> clock = Samples.clock(Samples.sampleClock());
            clock.validator = c -> c.warp() == 77 ? Optional.of("warp 77 is cursed") : Optional.empty();

            SavedStateException e = assertThrows(SavedStateException.class,
                    () -> Samples.loaderFor(dst, uart, clock).load(StateSource.of(stream)));
            assertTrue(e.getMessage().startsWith("section 'clock' instance 0: state refused: warp 77 is cursed"),
                    e.getMessage());
            assertEquals(0x11111111, dst.readU32(0));
            assertEquals(0x22222222, dst.readU32(4096 + 8));
            assertTrue(uart.loaded.isEmpty() && fifo.loaded.isEmpty() && clock.loaded.isEmpty());
        }
    }

    @Test
    void aThrowingValidateHookRefusesTheStream() throws IOException {
        byte[] s = stream(Samples.uart(new Samples.Uart((byte) 1, (byte) 2, (byte) 3, 4)));
        TestSection<Samples.Uart> target = Samples.uart(ZERO_UART);
        target.validator = u -> {
            throw new IllegalStateException("divisor table has no entry " + u.divisor());
        };
        SavedStateException e = assertThrows(SavedStateException.class,
                () -> new SnapshotLoader(emptyConfig()).section(target).load(StateSource.of(s)));
        assertTrue(e.getMessage().startsWith("section 'uart16550' instance 0: validate failed: "
                + "java.lang.IllegalStateException: divisor table has no entry 4"), e.getMessage());
        assertTrue(target.loaded.isEmpty());
    }

    @Test
    void configurationOfAnotherMachineIsRefused() throws IOException {
        try (GuestRam src = Samples.smallRam(); GuestRam other = GuestRam.builder().ram("ram", 0, 8 * 4096).build()) {
            byte[] stream = Samples.smallStream(src);
            SavedStateException e = assertThrows(SavedStateException.class,
                    () -> Samples.loaderFor(other).load(StateSource.of(stream)));
            assertTrue(e.getMessage().startsWith("stream memory layout"), e.getMessage());
            SavedStateException t = assertThrows(SavedStateException.class,
                    () -> new SnapshotLoader(new ConfigHeader("q35", 4096, SpiVersion.CURRENT, ConfigHeader.of("pc",
                            src).regions())).load(StateSource.of(stream)));
            assertEquals("stream is for machine type 'pc', this machine is 'q35'", t.getMessage());
        }
    }

    @Test
    void aStreamOfAnotherVcpuCountIsRefusedNamingBothCounts() throws IOException {
        byte[] two = header(new ConfigHeader("pc", 4096, SpiVersion.CURRENT, List.of(), 2));
        SavedStateException fewer = assertThrows(SavedStateException.class,
                () -> new SnapshotLoader(emptyConfig()).load(StateSource.of(two)));
        assertEquals("the stream was saved from a machine with 2 vCPUs, this machine has 1 (--smp 1): run it with"
                + " --smp 2", fewer.getMessage());
        byte[] one = header(emptyConfig());
        SavedStateException more = assertThrows(SavedStateException.class,
                () -> new SnapshotLoader(new ConfigHeader("pc", 4096, SpiVersion.CURRENT, List.of(), 4))
                        .load(StateSource.of(one)));
        assertEquals("the stream was saved from a machine with 1 vCPU, this machine has 4 (--smp 4): run it with"
                + " --smp 1", more.getMessage());
        new SnapshotLoader(new ConfigHeader("pc", 4096, SpiVersion.CURRENT, List.of(), 2)).load(StateSource.of(two));
    }

    @Test
    void theVcpuCountRoundTripsAndASingleVcpuHeaderIsUnchanged() throws IOException {
        ConfigHeader four = new ConfigHeader("pc", 4096, SpiVersion.CURRENT, List.of(), 4);
        assertEquals(four, new SavedStateReader(new java.io.ByteArrayInputStream(header(four))).config());
        byte[] one = header(emptyConfig());
        assertEquals(emptyConfig(), new SavedStateReader(new java.io.ByteArrayInputStream(one)).config());
        assertEquals(one.length + 1, header(four).length, "one byte more, and only with several vCPUs");
        assertThrows(IllegalArgumentException.class, () -> new ConfigHeader("pc", 4096, SpiVersion.CURRENT, List.of(), 0));
    }

    private static byte[] header(ConfigHeader config) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new SavedStateWriter(out, config).finish();
        return out.toByteArray();
    }

    @Test
    void aStreamChangedBetweenThePassesIsDetected() throws IOException {
        try (GuestRam src = Samples.smallRam(); GuestRam dst = Samples.smallRam()) {
            byte[] s = streamWithRam(src, new Samples.Uart((byte) 1, (byte) 2, (byte) 3, 4), true);
            byte[] other = streamWithRam(src, new Samples.Uart((byte) 9, (byte) 2, (byte) 3, 4), true);
            int[] opens = {0};
            StateSource flipping = () -> new java.io.ByteArrayInputStream(opens[0]++ == 0 ? s : other);
            TestSection<Samples.Uart> target = Samples.uart(ZERO_UART);
            SnapshotLoader loader = Samples.loaderFor(dst, target, Samples.clock(new Samples.Clock(0, List.of())));
            SavedStateException e = assertThrows(SavedStateException.class, () -> loader.load(flipping));
            assertTrue(e.getMessage().contains("changed between verification and loading"), e.getMessage());
            assertTrue(target.loaded.isEmpty());
            assertTrue(!Arrays.equals(s, other));
        }
    }

    @Test
    void aStreamThatShrankBetweenThePassesIsDetected() throws IOException {
        try (GuestRam src = Samples.smallRam(); GuestRam dst = Samples.smallRam()) {
            Samples.Uart u = new Samples.Uart((byte) 1, (byte) 2, (byte) 3, 4);
            byte[] full = streamWithRam(src, u, true);
            byte[] shorter = streamWithRam(src, u, false);
            int[] opens = {0};
            StateSource shrinking = () -> new java.io.ByteArrayInputStream(opens[0]++ == 0 ? full : shorter);
            TestSection<Samples.Uart> uart = Samples.uart(ZERO_UART);
            TestSection<Samples.Clock> clock = Samples.clock(new Samples.Clock(0, List.of()));
            SavedStateException e = assertThrows(SavedStateException.class,
                    () -> Samples.loaderFor(dst, uart, clock).load(shrinking));
            assertTrue(e.getMessage().contains("changed between verification and loading"), e.getMessage());
            assertTrue(uart.loaded.isEmpty() && clock.loaded.isEmpty());
        }
    }

    @Test
    void aStreamOfDeviceSectionsOnlyIsReadOnceAndLoadsWhatWasVerified() throws IOException {
        Samples.Uart u = new Samples.Uart((byte) 1, (byte) 2, (byte) 3, 4);
        byte[] s = stream(Samples.uart(u));
        byte[] other = stream(Samples.uart(new Samples.Uart((byte) 9, (byte) 2, (byte) 3, 4)));
        int[] opens = {0};
        StateSource flipping = () -> new java.io.ByteArrayInputStream(opens[0]++ == 0 ? s : other);
        TestSection<Samples.Uart> target = Samples.uart(ZERO_UART);
        new SnapshotLoader(emptyConfig()).section(target).load(flipping);
        assertEquals(1, opens[0], "no live part to feed: the decoded first read is all the loader needs");
        assertEquals(List.of(u), target.loaded);
    }

    /** RAM (a live section, so the loader reads the stream twice), a uart and, if asked, a clock. */
    private static byte[] streamWithRam(GuestRam ram, Samples.Uart uart, boolean clock) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SavedStateWriter w = new SavedStateWriter(out, ConfigHeader.of("pc", ram));
        w.writeLive(RamSender.of(ram), 1 << 20);
        w.writeSection(Samples.uart(uart));
        if (clock) {
            w.writeSection(Samples.clock(Samples.sampleClock()));
        }
        w.finish();
        return out.toByteArray();
    }

    static ConfigHeader emptyConfig() {
        return new ConfigHeader("pc", 4096, SpiVersion.CURRENT, List.of());
    }

    static byte[] stream(TestSection<?>... sections) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SavedStateWriter w = new SavedStateWriter(out, emptyConfig());
        for (TestSection<?> s : sections) {
            w.writeSection(s);
        }
        w.finish();
        return out.toByteArray();
    }

    record UartReordered(int divisor, byte fcr, byte lcr, byte ier) { }

    record FifoReordered(int head, byte[] bytes) { }

    /** A schema in this build's own bytes is the expected schema itself: compared, not parsed. */
    @Test
    void aSchemaInThisBuildsOwnBytesIsTakenWithoutParsing() throws SavedStateException {
        RecordSchema clock = RecordSchema.of(Samples.Clock.class);
        PayloadOutput out = new PayloadOutput();
        clock.write(out);
        out.u8(0x7E);
        PayloadInput in = new PayloadInput(out.toByteArray(), 100, "test");
        assertSame(clock, RecordSchema.read(in, clock));
        assertEquals(1, in.remaining(), "exactly the schema's bytes were taken");

        PayloadInput other = new PayloadInput(out.toByteArray(), 100, "test");
        RecordSchema uart = RecordSchema.of(Samples.Uart.class);
        assertEquals(clock, RecordSchema.read(other, uart), "another schema's bytes are parsed as written");
        PayloadInput cut = new PayloadInput(Arrays.copyOf(out.toByteArray(), 5), 100, "test");
        assertThrows(SavedStateException.class, () -> RecordSchema.read(cut, clock), "a cut schema is refused");
    }

    /**
     * A stream written by a build whose records list the same fields in another order takes the
     * parsing path and still loads, main record and subsection; one with a field of another type is
     * refused naming it, as before.
     */
    @Test
    void aSchemaInOtherBytesIsParsedMatchedByNameAndLoads() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConfigHeader config = new ConfigHeader("pc", 4096, new SpiVersion(1, 0), List.of());
        SavedStateWriter w = new SavedStateWriter(bytes, config);
        var written = new TestSection<>("uart16550", UartReordered.class, new UartReordered(12, (byte) 0xC7, (byte) 3,
                (byte) 1));
        written.subsections.add(new TestSection.Sub<>("fifo", FifoReordered.class, new FifoReordered(1, new byte[] {7})));
        w.writeSection(written);
        w.finish();

        TestSection<Samples.Uart> uart = Samples.uart(ZERO_UART);
        TestSection.Sub<Samples.Fifo> fifo = new TestSection.Sub<>("fifo", Samples.Fifo.class, null);
        uart.subsections.add(fifo);
        new SnapshotLoader(config).section(uart).load(StateSource.of(bytes.toByteArray()));
        assertEquals(List.of(new Samples.Uart((byte) 1, (byte) 3, (byte) 0xC7, 12)), uart.loaded);
        assertArrayEquals(new byte[] {7}, fifo.loaded.getFirst().bytes());
        assertEquals(1, fifo.loaded.getFirst().head());

        bytes.reset();
        w = new SavedStateWriter(bytes, config);
        w.writeSection(new TestSection<>("uart16550", Samples.UartV1.class, new Samples.UartV1((byte) 1, (byte) 3, 12)));
        w.finish();
        var refused = assertThrows(SavedStateException.class,
                () -> new SnapshotLoader(config).section(Samples.uart(ZERO_UART)).load(StateSource.of(bytes.toByteArray())));
        assertTrue(refused.getMessage().contains("field 'fcr' missing"), refused.getMessage());
    }
}
