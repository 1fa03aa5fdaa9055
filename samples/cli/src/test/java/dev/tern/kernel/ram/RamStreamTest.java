package dev.tern.kernel.ram;

import dev.tern.codec.lz4.Lz4CodecProvider;
import dev.tern.codec.xbzrle.XbzrleEncoder;
import dev.tern.codec.xbzrle.XbzrleDecoder;
import dev.tern.kernel.config.ValidatedConfig;
import dev.tern.kernel.memory.GuestRam;
import dev.tern.spi.codec.PageDecoder;
import dev.tern.spi.codec.PageEncoder;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RAM page stream with the real codec plugins (it lives with the CLI tests because the kernel
 * does not depend on them).
 */
class RamStreamTest {

    private static final int PAGE = 4096;
    private static final int PAGES = 64;

    private static GuestRam ram() {
        return GuestRam.builder().ram("ram", 0, (long) PAGES * PAGE).rom("bios", 0x100000, new byte[PAGE]).build();
    }

    /** A stand-in for the one region a destination would expose for {@link #ram()}. */
    private static java.util.List<java.lang.foreign.MemorySegment> exposed() {
        return java.util.List.of(java.lang.foreign.MemorySegment.ofArray(new byte[PAGES * PAGE]));
    }

    private static byte[] contents(GuestRam m) {
        byte[] b = new byte[PAGES * PAGE];
        m.read(0, b, 0, b.length);
        return b;
    }


    /** The pages listed, as a dirty set. */
    private static PageSet pages(GuestRam m, int... pfns) {
        m.dirtyLog().enable();
        for (int p : pfns) {
            m.dirtyLog().markPage(p);
        }
        return PageSet.of(m.dirtyLog().syncAndClear());
    }

    /** A setup or complete part as bytes. */
    private static byte[] part(RamSender ram, boolean setup) throws IOException {
        var bytes = new ByteArrayOutputStream();
        var out = new DataOutputStream(bytes);
        if (setup) {
            ram.setup(out);
        } else {
            ram.complete(out);
        }
        return bytes.toByteArray();
    }

    private static void deliver(RamReceiver receiver, byte[] part) throws IOException {
        var in = new ByteArrayInputStream(part);
        receiver.receive(new DataInputStream(in));
        assertEquals(0, in.available(), "the part was read to its end");
    }

    private static Optional<PageDecoder> decoders(String id) {
        return switch (id) {
            case "xbzrle" -> Optional.of(new XbzrleDecoder());
            case "lz4" -> Optional.of(new Lz4CodecProvider().newDecoder(
                    ValidatedConfig.of("lz4", new Lz4CodecProvider().configKeys(), Map.of())));
            default -> Optional.empty();
        };
    }

    @Test
    void roundsWithXbzrleAndLz4RebuildTheSourceExactly() throws Exception {
        GuestRam src = ram();
        GuestRam dst = ram();
        var rnd = new Random(7);
        for (int p = 0; p < PAGES; p += 2) {
            byte[] page = new byte[PAGE];
            for (int i = 0; i < PAGE; i += 64) {
                page[i] = (byte) rnd.nextInt(); // sparse: compresses well with LZ4
            }
            src.write((long) p * PAGE, page, 0, PAGE);
        }
        PageEncoder xbzrle = new XbzrleEncoder(1 << 20);
        PageEncoder lz4 = new Lz4CodecProvider().newEncoder(
                ValidatedConfig.of("lz4", new Lz4CodecProvider().configKeys(), Map.of()));
        RamSender sender = RamSender.of(src, PageCodecs.of(java.util.List.of(
                new PageCodecs.Codec("lz4", false, lz4), new PageCodecs.Codec("xbzrle", true, xbzrle))));
        RamReceiver receiver = RamReceiver.of(dst, RamStreamTest::decoders, java.util.List.of());
        dst.write(3L * PAGE, new byte[] {1, 2, 3}, 0, 3); // the layout record makes the receiver's RAM zero
        deliver(receiver, part(sender, true));
        deliver(receiver, part(sender, false)); // the first pass, over every page
        sender.endRound();
        assertArrayEquals(contents(src), contents(dst), "after the bulk round");
        assertEquals(PAGES / 2, sender.counters().zeroPages());
        assertTrue(sender.counters().encodedPages("lz4") > 0, "sparse pages went LZ4");

        for (int round = 0; round < 3; round++) {
            src.writeU32(2L * PAGE + 8 * round, 0xCAFE0000 | round);   // small change: XBZRLE delta
            src.write(4L * PAGE, new byte[PAGE], 0, PAGE);              // became zero
            src.writeU8(1L * PAGE + round, 0x55);                        // was zero
            sender.beginRound(pages(src, 1, 2, 4, 6));
            deliver(receiver, part(sender, false));
            sender.endRound();
            assertArrayEquals(contents(src), contents(dst), "after round " + round);
        }
        assertTrue(sender.counters().encodedPages("xbzrle") > 0, "later rounds used XBZRLE deltas");
        assertTrue(sender.counters().unchangedPages() > 0, "a re-sent but unchanged page costs nothing");
        assertEquals(0, sender.remainingPages());
    }

    @Test
    void aDeltaCodecKnownOnlyByItsIdIsUsedAfterThePageWasSentOnce() throws Exception {
        GuestRam src = ram();
        GuestRam dst = ram();
        var provider = new dev.tern.cli.testcodec.ChangedRunsCodecProvider();
        RamSender sender = RamSender.of(src, PageCodecs.of(java.util.List.of(
                new PageCodecs.Codec(provider.id(), provider.delta(), provider.newEncoder(null)))));
        RamReceiver receiver = RamReceiver.of(dst, id -> id.equals(provider.id())
                ? Optional.of(provider.newDecoder(null)) : Optional.empty(), java.util.List.of());
        src.writeU32(5L * PAGE, 1);
        deliver(receiver, part(sender, true));
        deliver(receiver, part(sender, false));
        for (int round = 0; round < 3; round++) {
            src.writeU32(5L * PAGE + 100, 0xABC0 + round);
            sender.beginRound(pages(src, 5));
            deliver(receiver, part(sender, false));
            sender.endRound();
            assertArrayEquals(contents(src), contents(dst), "after round " + round);
        }
        assertEquals(2, sender.counters().encodedPages(provider.id()), "the first later round fills the codec's cache");
        assertTrue(sender.counters().bytesPerPage() < 32, "a changed dword costs a few bytes: "
                + sender.counters().bytesPerPage());
    }

    @Test
    void aPrimedFirstPassFillsTheDeltaCacheSoTheNextRoundSendsDeltas() throws Exception {
        int[] working = {3, 9, 10, 11, 40};
        assertEquals(working.length, xbzrleDeltasInTheRoundAfterTheFirstPass(true, working),
                "primed: every page the first pass sent is cached, so the next round sends deltas");
        assertEquals(0, xbzrleDeltasInTheRoundAfterTheFirstPass(false, working),
                "not primed: the round after the first pass misses the cache on every page");
    }

    /**
     * Sends a first pass of random {@code working} pages, changes one dword in each and sends them
     * again; checks the receiver's RAM after each round and returns the XBZRLE pages of the second.
     */
    private static long xbzrleDeltasInTheRoundAfterTheFirstPass(boolean primed, int... working) throws Exception {
        GuestRam src = ram();
        GuestRam dst = ram();
        var rnd = new Random(12);
        for (int p : working) {
            byte[] page = new byte[PAGE];
            rnd.nextBytes(page);
            src.write((long) p * PAGE, page, 0, PAGE);
        }
        var codecs = PageCodecs.of(java.util.List.of(new PageCodecs.Codec("xbzrle", true, new XbzrleEncoder(1 << 20))));
        RamSender sender = primed ? RamSender.primed(src, codecs) : RamSender.of(src, codecs);
        RamReceiver receiver = RamReceiver.of(dst, RamStreamTest::decoders, java.util.List.of());
        deliver(receiver, part(sender, true));
        deliver(receiver, part(sender, false));
        sender.endRound();
        assertArrayEquals(contents(src), contents(dst), "after the first pass");
        assertEquals(0, sender.counters().encodedPages("xbzrle"), "the first pass sends no delta");
        for (int p : working) {
            src.writeU32((long) p * PAGE + 100, 0xC0DE0000 | p);
        }
        sender.beginRound(pages(src, working));
        deliver(receiver, part(sender, false));
        sender.endRound();
        assertArrayEquals(contents(src), contents(dst), "after the round");
        long deltas = sender.counters().encodedPages("xbzrle");
        sender.close();
        return deltas;
    }

    @Test
    void hostilePartsAreRefusedNamingThePage() throws Exception {
        RamReceiver receiver = RamReceiver.of(ram(), id -> Optional.empty(), java.util.List.of());
        assertRefused(receiver, words(0x200000L | RamRecord.ZERO, 0x8), "outside this machine's writable RAM");
        assertRefused(receiver, words(0x1000L | 0x400, 0x8), "unknown kind 0x400");
        assertRefused(receiver, words(0x1000L | RamRecord.ENCODED, 0x8), "but the stream named 0 codecs");
        var codecs = new ByteArrayOutputStream();
        var out = new DataOutputStream(codecs);
        out.writeLong(RamRecord.CODECS);
        out.writeByte(1);
        out.writeUTF("zstd");
        out.writeLong(RamRecord.END_OF_PART);
        assertRefused(receiver, codecs.toByteArray(), "page codec 'zstd', which no installed plugin provides");
        assertRefused(receiver, words(RamRecord.CODECS, 0), "names 0 page codecs");
    }

    @Test
    void oneSidedRamIsRefusedWithoutExposedMemoryAndExcludesStreamPages() throws Exception {
        assertRefused(RamReceiver.of(ram(), id -> Optional.empty(), java.util.List.of()),
                words(RamRecord.REMOTE, RamRecord.END_OF_PART), "exposes no memory");
        assertRefused(RamReceiver.of(ram(), id -> Optional.empty(), exposed()),
                words(RamRecord.REMOTE_DONE, 0, RamRecord.END_OF_PART), "did not announce one-sided RAM");
        RamReceiver receiver = RamReceiver.of(ram(), id -> Optional.empty(), exposed());
        deliver(receiver, words(RamRecord.REMOTE, RamRecord.END_OF_PART));
        assertTrue(receiver.remoteAnnounced());
        assertRefused(receiver, words(0x1000L | RamRecord.ZERO, RamRecord.END_OF_PART), "announced one-sided RAM");
        assertTrue(!receiver.remoteComplete());
        assertRefused(receiver, words(0x3F000L | RamRecord.REMOTE_RUN, 2L << 32, RamRecord.END_OF_PART),
                "does not lie within one writable region");
        deliver(receiver, words(RamRecord.REMOTE_DONE, 3, RamRecord.END_OF_PART));
        assertTrue(receiver.remoteComplete());
    }

    @Test
    void aLayoutOfAnotherSizeIsRefused() throws Exception {
        GuestRam bigger = GuestRam.builder().ram("ram", 0, 2L * PAGES * PAGE).build();
        byte[] setup = part(RamSender.of(bigger), true);
        IOException e = assertThrows(IOException.class,
                () -> deliver(RamReceiver.of(ram(), id -> Optional.empty(), java.util.List.of()), setup));
        assertTrue(e.getMessage().contains("does not match this machine's"), e.getMessage());
    }

    private static byte[] words(long... w) throws IOException {
        var b = new ByteArrayOutputStream();
        var out = new DataOutputStream(b);
        for (long x : w) {
            out.writeLong(x);
        }
        return b.toByteArray();
    }

    private static void assertRefused(RamReceiver receiver, byte[] part, String expected) {
        IOException e = assertThrows(IOException.class, () -> deliver(receiver, part));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
