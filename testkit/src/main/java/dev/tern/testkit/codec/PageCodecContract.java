package dev.tern.testkit.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tern.spi.Config;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.codec.CodecException;
import dev.tern.spi.codec.PageCodecProvider;
import dev.tern.spi.codec.PageDecoder;
import dev.tern.spi.codec.PageEncoder;
import dev.tern.spi.memory.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every page codec owes the migration code. A codec's test extends this class and
 * supplies {@link #provider()}; the suite drives seeded {@link PageWorkload}s through an encoder and
 * a decoder the way a sender and receiver would: -1 means "sent raw", 0 means "nothing to send",
 * anything else is decoded into the receiver's current copy of the page.
 */
public abstract class PageCodecContract {

    /** Page size everything here works in. */
    protected static final int PAGE = GuestMemory.PAGE_SIZE;

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]*");
    private static final Pattern STAT_KEY = Pattern.compile("[a-z0-9][a-z0-9-]*");
    private static final byte SENTINEL = (byte) 0xA5;
    private static final int OUT_OFFSET = 7;

    /** The codec under test. */
    protected abstract PageCodecProvider provider();

    /** The configuration sessions are created with; the provider's defaults unless overridden. */
    protected Config config() {
        return ProviderConfig.defaults(provider());
    }

    /** Seeded sequences the round trip runs. */
    protected int sequences() {
        return 16;
    }

    /** Pages per sequence. */
    protected int stepsPerSequence() {
        return 400;
    }

    @Test
    void roundTripsEverySeededSequence() throws CodecException {
        int encoded = 0;
        int raw = 0;
        for (long seed = 1; seed <= sequences(); seed++) {
            List<byte[]> encodings = new ArrayList<>();
            replay(seed, encodings);
            for (byte[] e : encodings) {
                if (e == null) {
                    raw++;
                } else if (e.length > 0) {
                    encoded++;
                }
            }
        }
        // The workload mixes pages a codec can shrink with pages it cannot: both outcomes must occur.
        assertTrue(encoded > 0, "no page was ever encoded");
        assertTrue(raw > 0, "no page was ever refused (-1), not even random or first-time ones");
    }

    @Test
    void minusOneAndZeroLeaveTheOutputUntouched() {
        try (PageEncoder encoder = provider().newEncoder(config())) {
            PageWorkload workload = new PageWorkload(99, 24);
            for (int step = 0; step < stepsPerSequence(); step++) {
                PageWorkload.Step s = workload.next();
                ByteBuffer out = sentinelBuffer();
                int n = encoder.encode(s.gpa(), s.page(), out);
                String where = "step " + step + " (" + s.change() + " page 0x" + Long.toHexString(s.gpa()) + ")";
                if (n <= 0) {
                    assertTrue(n == 0 || n == -1, where + ": encode returned " + n);
                    assertEquals(OUT_OFFSET, out.position(), where + ": position moved on " + n);
                    assertSentinelFrom(out, OUT_OFFSET, where);
                } else {
                    assertTrue(n < PAGE, where + ": encoding of " + n + " bytes is not smaller than the page");
                    assertEquals(OUT_OFFSET + n, out.position(), where + ": position does not match the count");
                    assertSentinelFrom(out, OUT_OFFSET + n, where);
                }
            }
        }
    }

    /**
     * Sessions share nothing (one per stream) and encoding is a function of the page history, so a
     * checkpoint or replay can reproduce a stream byte for byte.
     */
    @Test
    void sessionsAreIndependentAndDeterministic() throws CodecException {
        List<byte[]> alone = new ArrayList<>();
        replay(7, alone);
        List<byte[]> interleaved = new ArrayList<>();
        try (PageEncoder other = provider().newEncoder(config())) {
            PageWorkload noise = new PageWorkload(8, 16);
            PageWorkload workload = new PageWorkload(7, 24);
            try (PageEncoder encoder = provider().newEncoder(config())) {
                for (int step = 0; step < stepsPerSequence(); step++) {
                    PageWorkload.Step n = noise.next();
                    other.encode(n.gpa(), n.page(), ByteBuffer.allocate(PAGE));
                    PageWorkload.Step s = workload.next();
                    ByteBuffer out = ByteBuffer.allocate(PAGE);
                    int len = encoder.encode(s.gpa(), s.page(), out);
                    interleaved.add(len < 0 ? null : Arrays.copyOf(out.array(), len));
                }
            }
        }
        assertEquals(alone.size(), interleaved.size());
        for (int i = 0; i < alone.size(); i++) {
            assertArrayEquals(alone.get(i), interleaved.get(i), "step " + i + " differs when another session runs alongside");
        }
    }

    @Test
    void decoderNeverWritesOutsideThePageOnGarbage() {
        SplittableRandom random = new SplittableRandom(4242);
        List<byte[]> inputs = hostileInputs(random);
        MemorySegment arena = MemorySegment.ofArray(new byte[3 * PAGE]);
        MemorySegment page = arena.asSlice(PAGE, PAGE);
        try (PageDecoder decoder = provider().newDecoder(config())) {
            for (int k = 0; k < inputs.size(); k++) {
                arena.fill(SENTINEL);
                byte[] content = new byte[PAGE];
                random.nextBytes(content);
                MemorySegment.copy(MemorySegment.ofArray(content), 0, page, 0, PAGE);
                byte[] input = inputs.get(k);
                try {
                    decoder.decode(PAGE, ByteBuffer.wrap(input), page);
                } catch (CodecException expected) {
                    assertFalse(expected.getMessage() == null || expected.getMessage().isBlank(),
                            "input " + k + ": CodecException without a message");
                } catch (RuntimeException | Error e) {
                    fail("input " + k + " (" + input.length + " bytes) threw " + e + " instead of CodecException", e);
                }
                assertGuards(arena, "input " + k + " (" + input.length + " bytes)");
            }
        }
    }

    @Test
    void statsKeysAreStable() {
        try (PageEncoder encoder = provider().newEncoder(config())) {
            Set<String> before = encoder.stats().keySet();
            PageWorkload workload = new PageWorkload(5, 12);
            for (int step = 0; step < 200; step++) {
                PageWorkload.Step s = workload.next();
                encoder.encode(s.gpa(), s.page(), ByteBuffer.allocate(PAGE));
            }
            Map<String, Long> after = encoder.stats();
            assertEquals(before, after.keySet(), "stats keys changed while encoding");
            for (Map.Entry<String, Long> e : after.entrySet()) {
                assertTrue(STAT_KEY.matcher(e.getKey()).matches(), "stats key '" + e.getKey() + "' is not kebab-case");
                assertTrue(e.getValue() != null && e.getValue() >= 0, "stats value " + e + " is negative or null");
            }
        }
    }

    @Test
    void configKeysAreDeclaredAndDefaultsParse() {
        Set<String> names = new HashSet<>();
        for (ConfigKey key : provider().configKeys()) {
            assertTrue(names.add(key.name()), "config key '" + key.name() + "' declared twice");
            assertFalse(key.doc().isBlank(), "config key '" + key.name() + "' has no documentation");
            if (!key.isRequired()) {
                key.type().parse(key.defaultValue());
                assertTrue(config().value(key.name()).isPresent(), "config key '" + key.name() + "' has no value");
            }
        }
        try (PageEncoder encoder = provider().newEncoder(config());
             PageDecoder decoder = provider().newDecoder(config())) {
            assertTrue(encoder != null && decoder != null);
        }
    }

    @Test
    public void idHasTheProviderFormatAndServiceLoaderFindsIt() {
        String id = provider().id();
        assertTrue(ID.matcher(id).matches(), "provider id '" + id + "' must be lower case letters, digits and '-'");
        assertFalse(provider().description().isBlank(), "provider '" + id + "' has no description");
        assertTrue(provider().availability().available(), "provider '" + id + "': " + provider().availability().reason());
        boolean found = ServiceLoader.load(PageCodecProvider.class).stream()
                .anyMatch(p -> p.type() == provider().getClass());
        assertTrue(found, provider().getClass().getName() + " is not registered in META-INF/services");
    }

    /**
     * Runs workload {@code seed} through fresh sessions, checking the receiver's copy after every
     * page; when {@code encodings} is given, records each encoding (null for -1).
     */
    private void replay(long seed, List<byte[]> encodings) throws CodecException {
        Map<Long, byte[]> receiver = new HashMap<>();
        PageWorkload workload = new PageWorkload(seed, 24);
        try (PageEncoder encoder = provider().newEncoder(config());
             PageDecoder decoder = provider().newDecoder(config())) {
            for (int step = 0; step < stepsPerSequence(); step++) {
                PageWorkload.Step s = workload.next();
                String where = "seed " + seed + " step " + step + " (" + s.change() + " page 0x" + Long.toHexString(s.gpa()) + ")";
                byte[] held = receiver.computeIfAbsent(s.gpa(), a -> new byte[PAGE]);
                ByteBuffer out = ByteBuffer.allocate(PAGE + OUT_OFFSET);
                out.position(OUT_OFFSET);
                int n = encoder.encode(s.gpa(), s.page(), out);
                if (n == -1) {
                    MemorySegment.copy(s.page(), ValueLayout.JAVA_BYTE, 0, held, 0, PAGE);
                } else if (n > 0) {
                    ByteBuffer in = ByteBuffer.wrap(out.array(), OUT_OFFSET, n).slice();
                    decoder.decode(s.gpa(), in, MemorySegment.ofArray(held));
                } else {
                    assertEquals(0, n, where + ": encode returned " + n);
                }
                assertArrayEquals(s.page().toArray(ValueLayout.JAVA_BYTE), held, where + ": receiver's copy differs");
                if (encodings != null) {
                    encodings.add(n < 0 ? null : Arrays.copyOfRange(out.array(), OUT_OFFSET, OUT_OFFSET + n));
                }
            }
        }
    }

    /** Random bytes, and this codec's own encodings truncated, extended and bit-flipped. */
    private List<byte[]> hostileInputs(SplittableRandom random) {
        List<byte[]> inputs = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            byte[] junk = new byte[random.nextInt(PAGE + 64)];
            random.nextBytes(junk);
            inputs.add(junk);
        }
        for (int len = 0; len < 8; len++) {
            inputs.add(new byte[len]);
            byte[] ones = new byte[len];
            Arrays.fill(ones, (byte) 0xff);
            inputs.add(ones);
        }
        List<byte[]> valid = new ArrayList<>();
        try {
            replay(11, valid);
        } catch (CodecException e) {
            throw new AssertionError("round trip failed while collecting encodings", e);
        }
        for (byte[] encoding : valid) {
            if (encoding == null || encoding.length == 0) {
                continue;
            }
            inputs.add(encoding);
            byte[] flipped = encoding.clone();
            int flips = 1 + random.nextInt(3);
            for (int f = 0; f < flips; f++) {
                flipped[random.nextInt(flipped.length)] ^= (byte) (1 << random.nextInt(8));
            }
            inputs.add(flipped);
            inputs.add(Arrays.copyOf(encoding, random.nextInt(encoding.length)));
            byte[] extended = Arrays.copyOf(encoding, encoding.length + 1 + random.nextInt(32));
            inputs.add(extended);
        }
        return inputs;
    }

    private static ByteBuffer sentinelBuffer() {
        byte[] backing = new byte[OUT_OFFSET + PAGE + 32];
        Arrays.fill(backing, SENTINEL);
        ByteBuffer out = ByteBuffer.wrap(backing);
        out.position(OUT_OFFSET);
        return out;
    }

    private static void assertSentinelFrom(ByteBuffer out, int from, String where) {
        byte[] backing = out.array();
        for (int i = from; i < backing.length; i++) {
            if (backing[i] != SENTINEL) {
                fail(where + ": byte " + i + " of the output was written beyond the reported length");
            }
        }
    }

    private static void assertGuards(MemorySegment arena, String what) {
        for (long i = 0; i < arena.byteSize(); i++) {
            if (i == PAGE) {
                i = 2L * PAGE - 1;
                continue;
            }
            if (arena.get(ValueLayout.JAVA_BYTE, i) != SENTINEL) {
                fail(what + ": decoder wrote outside the page at arena offset " + i);
            }
        }
    }
}
