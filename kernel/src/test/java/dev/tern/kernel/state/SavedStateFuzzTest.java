package dev.tern.kernel.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tern.kernel.memory.GuestRam;
import dev.tern.testkit.fuzz.HostileInput;
import dev.tern.testkit.fuzz.SeedCorpus;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * The saved-state loader under hostile streams: a whole stream as given (where the frame CRCs stop
 * most mutations early), and one section's payload replaced with checksums made valid again, so
 * the schema, value and RAM-record decoders see hostile bytes. Either the stream loads, or a
 * {@link SavedStateException} naming the byte offset is thrown and nothing was applied: no section
 * loaded, RAM as it was. The analyzer ({@code tern analyze}) throws nothing else and accepts what
 * the loader accepts; it may accept more (fuzzing finding 2: it walks the frames and schemas but
 * not the RAM records, and knows no target machine to check sections against).
 */
class SavedStateFuzzTest {

    /** A byte offset, or (for what has no single position, such as a missing section) the section or stream. */
    private static final Pattern AT_BYTE = Pattern.compile("\\(at byte \\d+\\)$|section|stream");
    private static final int MARK = 0x5EED5EED;
    /** HostileStreamTest's bound for random input: far below the 64 MiB a FULL section may declare. */
    private static final long ALLOCATION = 16 << 20;

    /** A RAM page, a device section with a needed subsection, a section of nested lists. */
    @Test
    void seedsAreRealStreams() throws IOException {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        try (GuestRam ram = Samples.smallRam()) {
            seeds.put("ram-uart-clock", Samples.smallStream(ram));
        }
        SeedCorpus.check(SavedStateFuzzTest.class, "wholeStream", seeds);
        byte[] stream = seeds.get("ram-uart-clock");
        for (Frame f : frames(stream)) {
            byte[] same = f instanceof Frame.Open o ? o.payload() : ((Frame.Part) f).payload();
            assertArrayEquals(stream, replacePayload(stream, f, same), "the section target's framing matches the writer's");
        }
    }

    @FuzzTest
    void wholeStream(byte[] stream) {
        loadOrRefuse(stream);
    }

    /** Replaces one frame's payload by fuzzed bytes and makes its length and CRC fit again. */
    @FuzzTest
    void section(FuzzedDataProvider data) throws IOException {
        byte[] stream;
        try (GuestRam ram = Samples.smallRam()) {
            stream = Samples.smallStream(ram);
        }
        List<Frame> frames = frames(stream);
        Frame f = frames.get(data.consumeInt(0, frames.size() - 1));
        loadOrRefuse(replacePayload(stream, f, data.consumeRemainingAsBytes()));
    }

    private static void loadOrRefuse(byte[] stream) {
        try (GuestRam ram = Samples.smallRam()) {
            ram.writeU32(0, MARK);
            List<TestSection<?>> targets = new ArrayList<>();
            Optional<SavedStateException> refused = HostileInput.parse(SavedStateException.class, AT_BYTE, ALLOCATION,
                    () -> {
                        targets.clear();
                        TestSection<Samples.Uart> uart = Samples.uart(new Samples.Uart((byte) 0, (byte) 0, (byte) 0, 0));
                        uart.subsections.add(new TestSection.Sub<>("fifo", Samples.Fifo.class, null));
                        TestSection<Samples.Clock> clock = Samples.clock(new Samples.Clock(0, List.of()));
                        targets.add(uart);
                        targets.add(clock);
                        Samples.loaderFor(ram, uart, clock).load(StateSource.of(stream));
                    });
            Optional<SavedStateException> walk = HostileInput.parse(SavedStateException.class, Pattern.compile("."),
                    ALLOCATION, () -> SavedStateAnalyzer.walk(new ByteArrayInputStream(stream)));
            if (refused.isPresent()) {
                for (TestSection<?> t : targets) {
                    assertTrue(t.loaded.isEmpty(), t.name() + " was loaded from a refused stream");
                }
                assertEquals(MARK, ram.readU32(0), "a refused stream changed RAM");
            } else {
                assertTrue(walk.isEmpty(), "the analyzer refuses what the loader accepts: " + walk.map(Throwable::getMessage));
            }
        }
    }

    static List<Frame> frames(byte[] stream) throws SavedStateException {
        List<Frame> frames = new ArrayList<>();
        SavedStateReader r = new SavedStateReader(new ByteArrayInputStream(stream));
        for (Frame f = r.next(); !(f instanceof Frame.Eof); f = r.next()) {
            frames.add(f);
        }
        return frames;
    }

    /**
     * {@code stream} with frame {@code f}'s payload replaced: the u32 length before the payload is
     * rewritten and the CRC32C after it (over the frame from its kind byte) recomputed.
     */
    static byte[] replacePayload(byte[] stream, Frame f, byte[] payload) {
        long offset = f instanceof Frame.Open o ? o.offset() : ((Frame.Part) f).offset();
        int at = (int) (f instanceof Frame.Open o ? o.payloadOffset() : ((Frame.Part) f).payloadOffset());
        int oldLength = f instanceof Frame.Open o ? o.payload().length : ((Frame.Part) f).payload().length;
        var out = new ByteArrayOutputStream();
        out.write(stream, 0, at - 4);
        out.write(payload.length >>> 24);
        out.write(payload.length >>> 16);
        out.write(payload.length >>> 8);
        out.write(payload.length);
        out.write(payload, 0, payload.length);
        byte[] head = out.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(head, (int) offset, head.length - (int) offset);
        int c = (int) crc.getValue();
        out.write(c >>> 24);
        out.write(c >>> 16);
        out.write(c >>> 8);
        out.write(c);
        int after = at + oldLength + 4;
        out.write(stream, after, stream.length - after);
        return out.toByteArray();
    }
}
