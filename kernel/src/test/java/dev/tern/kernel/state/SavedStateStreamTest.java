package dev.tern.kernel.state;

import dev.tern.kernel.ram.RamReceiver;
import dev.tern.kernel.ram.RamRecord;
import dev.tern.kernel.ram.RamSender;

import dev.tern.kernel.memory.GuestRam;
import dev.tern.spi.SpiVersion;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SavedStateStreamTest {

    record Small(byte ier, int divisor, String name) { }

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void oneSectionStreamHasExactBytes() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SavedStateWriter w = new SavedStateWriter(out, new ConfigHeader("pc", 4096, new SpiVersion(1, 0), List.of()));
        w.writeSection(new TestSection<>("u", "0", Small.class, new Small((byte) 15, 12, "ab"), 2, 1));
        w.finish();
        byte[] got = out.toByteArray();

        String header = "5445524e53415645" + "0001" + "0000";
        String config = withCrc("01" + "0000000c" + "027063" + "00001000" + "0001" + "0000" + "00");
        String schema = "03" + "03696572" + "02" + "0764697669736f72" + "05" + "046e616d65" + "09";
        String values = "0f" + "0000000c" + "026162";
        String full = withCrc("05" + "00000001" + "0175" + "0130" + "00000002" + "0000001e" + schema + values + "00");
        String eof = withCrc("06" + "00000000");
        String body = header + config + full + eof;
        assertEquals(body, HEX.formatHex(got, 0, body.length() / 2));

        String json = "{\"format\":1,\"machine\":\"pc\",\"pageSize\":4096,\"spi\":\"1.0\",\"regions\":[],\"sections\":"
                + "[{\"id\":1,\"kind\":\"full\",\"name\":\"u\",\"instance\":\"0\",\"version\":2,\"offset\":33,"
                + "\"fields\":[{\"name\":\"ier\",\"type\":\"byte\"},{\"name\":\"divisor\",\"type\":\"int\"},"
                + "{\"name\":\"name\",\"type\":\"string\"}],\"subsections\":[],\"bytes\":30}]}";
        byte[] j = json.getBytes(StandardCharsets.UTF_8);
        CRC32C crc = new CRC32C();
        crc.update(j);
        String tail = String.format("%08x", j.length) + HEX.formatHex(j) + String.format("%08x", crc.getValue())
                + String.format("%016x", body.length() / 2) + HEX.formatHex("TERNTAIL".getBytes(StandardCharsets.US_ASCII));
        assertEquals(body + tail, HEX.formatHex(got));
    }

    private static String withCrc(String hex) {
        CRC32C crc = new CRC32C();
        crc.update(HEX.parseHex(hex));
        return hex + String.format("%08x", crc.getValue());
    }

    @Test
    void readerReturnsFramesInOrderAndTheTrailer() throws IOException {
        try (GuestRam ram = Samples.smallRam()) {
            byte[] stream = Samples.smallStream(ram);
            SavedStateReader r = new SavedStateReader(new ByteArrayInputStream(stream));
            assertEquals("pc", r.config().machineType());
            assertEquals(2, r.config().regions().size());
            Frame.Open start = assertInstanceOf(Frame.Open.class, r.next());
            assertEquals(FrameKind.START, start.kind());
            assertEquals("ram", start.name());
            Frame.Part part = assertInstanceOf(Frame.Part.class, r.next());
            assertEquals(FrameKind.PART, part.kind());
            assertEquals(8 + 4096 + 8, part.payload().length, "one non-zero page and the end record");
            assertEquals(FrameKind.END, assertInstanceOf(Frame.Part.class, r.next()).kind());
            Frame.Open uart = assertInstanceOf(Frame.Open.class, r.next());
            assertEquals("uart16550", uart.name());
            SectionContent c = SectionContent.decode(uart);
            assertEquals((byte) 0xC7, c.values().byteValue("fcr"));
            assertEquals("fifo", c.subsections().getFirst().name());
            assertEquals("clock", assertInstanceOf(Frame.Open.class, r.next()).name());
            Frame.Eof eof = assertInstanceOf(Frame.Eof.class, r.next());
            assertEquals(3, ((List<?>) eof.trailer().get("sections")).size());
            assertEquals("ram", ((Map<?, ?>) ((List<?>) eof.trailer().get("sections")).getFirst()).get("name"));
            assertThrows(IllegalStateException.class, r::next);
        }
    }

    @Test
    void writerRefusesDuplicatesUnfinishedLiveSectionsAndWritesAfterFinish() throws IOException {
        try (GuestRam ram = Samples.smallRam()) {
            SavedStateWriter w = new SavedStateWriter(new ByteArrayOutputStream(), ConfigHeader.of("pc", ram));
            w.writeSection(Samples.uart(new Samples.Uart((byte) 0, (byte) 0, (byte) 0, 1)));
            IllegalStateException dup = assertThrows(IllegalStateException.class,
                    () -> w.writeSection(Samples.uart(new Samples.Uart((byte) 0, (byte) 0, (byte) 0, 1))));
            assertEquals("section 'uart16550' instance 0 written twice", dup.getMessage());
            RamSender rs = RamSender.of(ram);
            w.startLive(rs);
            assertThrows(IllegalStateException.class, w::finish);
            w.endLive(rs);
            w.finish();
            assertThrows(IllegalStateException.class, () -> w.writeSection(Samples.clock(Samples.sampleClock())));
        }
    }

    @Test
    void subsectionsAreWrittenOnlyWhenNeeded() throws IOException {
        TestSection<Samples.Uart> uart = Samples.uart(new Samples.Uart((byte) 1, (byte) 2, (byte) 3, 4));
        TestSection.Sub<Samples.Fifo> fifo = new TestSection.Sub<>("fifo", Samples.Fifo.class,
                new Samples.Fifo(new byte[] {1}, 0));
        fifo.needed = false;
        uart.subsections.add(fifo);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SavedStateWriter w = new SavedStateWriter(out, new ConfigHeader("pc", 4096, SpiVersion.CURRENT, List.of()));
        w.writeSection(uart);
        w.finish();
        SavedStateReader r = new SavedStateReader(new ByteArrayInputStream(out.toByteArray()));
        assertTrue(SectionContent.decode((Frame.Open) r.next()).subsections().isEmpty());
    }

    /**
     * The writer renders its trailer as text while it writes (schemas' JSON made once per type):
     * the bytes must be exactly the compact JSON of the tree they describe, with the sections in
     * the order they opened — a live section's entry before a device section written while it was
     * open, its sizes filled in at its end — and only needed subsections listed.
     */
    @Test
    void trailerIsTheCompactJsonOfTheTreeItDescribes() throws IOException {
        try (GuestRam ram = Samples.smallRam()) {
            ram.writeU32(4096, 0x12345678);
            TestSection<Samples.Uart> uart = new TestSection<>("uart16550", "caf\u00e9 \"0\"", Samples.Uart.class,
                    new Samples.Uart((byte) 1, (byte) 3, (byte) 0xC7, 12), 3, 1);
            uart.subsections.add(new TestSection.Sub<>("fifo", Samples.Fifo.class, new Samples.Fifo(new byte[] {9}, 0)));
            var unneeded = new TestSection.Sub<>("spare", Samples.Timer.class, new Samples.Timer("t", 1));
            unneeded.needed = false;
            uart.subsections.add(unneeded);
            uart.subsections.add(new TestSection.Sub<>("clock", Samples.Clock.class, Samples.sampleClock()));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            SavedStateWriter w = new SavedStateWriter(out, ConfigHeader.of("pc", ram));
            RamSender sender = RamSender.of(ram);
            w.startLive(sender);
            w.writeSection(uart);
            while (!w.iterateLive(sender, 1 << 20)) {
                // one part holds this RAM
            }
            w.endLive(sender);
            w.writeSection(Samples.clock(Samples.sampleClock()));
            w.finish();
            byte[] stream = out.toByteArray();

            SavedStateReader r = new SavedStateReader(new ByteArrayInputStream(stream));
            Frame f;
            do {
                f = r.next();
            } while (!(f instanceof Frame.Eof));
            Map<String, Object> tree = ((Frame.Eof) f).trailer();
            int at = (int) java.nio.ByteBuffer.wrap(stream, stream.length - 16, 8).getLong();
            int len = java.nio.ByteBuffer.wrap(stream, at, 4).getInt();
            String text = new String(stream, at + 4, len, StandardCharsets.UTF_8);
            assertEquals(dev.tern.kernel.json.JsonValues.writeCompact(tree), text);

            List<?> sections = (List<?>) tree.get("sections");
            assertEquals(List.of("ram", "uart16550", "clock"),
                    sections.stream().map(e -> ((Map<?, ?>) e).get("name")).toList());
            Map<?, ?> live = (Map<?, ?>) sections.get(0);
            assertEquals(List.of("id", "kind", "name", "instance", "version", "offset", "bytes", "parts"),
                    List.copyOf(live.keySet()));
            assertEquals(3L, live.get("parts"), "START, one PART, END");
            Map<?, ?> device = (Map<?, ?>) sections.get(1);
            assertEquals("caf\u00e9 \"0\"", device.get("instance"));
            assertEquals(3L, device.get("version"));
            List<?> subs = (List<?>) device.get("subsections");
            assertEquals(List.of("fifo", "clock"), subs.stream().map(e -> ((Map<?, ?>) e).get("name")).toList());
            assertEquals(RecordSchema.of(Samples.Clock.class).toJson(), ((Map<?, ?>) subs.get(1)).get("fields"));
            assertEquals(RecordSchema.of(Samples.Uart.class).toJson(), device.get("fields"));
        }
    }
}
