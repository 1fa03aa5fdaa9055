package dev.tern.kernel.ram;

import dev.tern.kernel.memory.GuestRam;
import dev.tern.kernel.state.ConfigHeader;
import dev.tern.kernel.state.SavedStateWriter;
import dev.tern.kernel.state.SnapshotLoader;
import dev.tern.kernel.state.StateSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A RAM stream's first pass reads only the pages written since the RAM was allocated: every other
 * page is zero. That is only sound if every path that puts data into RAM is seen, so the receivers
 * that write RAM directly (a stream, a post-copy install, a mapped file) must record what they wrote:
 * a machine that received its RAM migrates it on again whole.
 */
class WrittenPagesFirstPassTest {

    private static final int PAGE = 4096;
    private static final int PAGES = 64;

    private static GuestRam ram() {
        return GuestRam.builder().ram("ram", 0, (long) PAGES * PAGE).build();
    }

    private static byte[] stream(GuestRam src, RamSender sender) throws IOException {
        var out = new ByteArrayOutputStream();
        var w = new SavedStateWriter(out, ConfigHeader.of("pc", src));
        w.writeLive(sender, 1 << 20);
        w.finish();
        return out.toByteArray();
    }

    private static void load(GuestRam dst, byte[] stream) throws IOException {
        new SnapshotLoader(ConfigHeader.of("pc", dst)).live(RamReceiver.of(dst)).load(StateSource.of(stream));
    }

    private static byte[] all(GuestRam ram) {
        byte[] b = new byte[PAGES * PAGE];
        ram.read(0, b, 0, b.length);
        return b;
    }

    @Test
    void theFirstPassReadsOnlyWrittenPagesAndCountsTheRestAsZero() throws IOException {
        try (GuestRam src = ram()) {
            src.writeU32(3L * PAGE, 0x1234_5678);
            src.writeU32(40L * PAGE + 100, 0xCAFE_F00D);
            src.writeU32(41L * PAGE, 0); // written, but zero: read and found zero
            // Data put into RAM behind the dirty log's back (which the memory contract forbids) is
            // not read: the proof that untouched pages are skipped without looking at them.
            src.regions().getFirst().segment().set(ValueLayout.JAVA_INT_UNALIGNED, 20L * PAGE, 0x7777_7777);
            RamSender sender = RamSender.of(src);
            byte[] s = stream(src, sender);

            assertEquals(2, sender.counters().normalPages(), "pages 3 and 40 carry data");
            assertEquals(PAGES - 2, sender.counters().zeroPages(), "every other page counted zero");
            try (GuestRam dst = ram()) {
                load(dst, s);
                assertEquals(0x1234_5678, dst.readU32(3L * PAGE));
                assertEquals(0xCAFE_F00D, dst.readU32(40L * PAGE + 100));
                assertEquals(0, dst.readU32(20L * PAGE), "the unmarked write was never read");
            }
        }
    }

    @Test
    void aWriteWhileTheLogIsOffIsStillRecordedAndTheRecordOutlivesASync() {
        try (GuestRam ram = ram()) {
            assertFalse(ram.dirtyLog().isEnabled());
            ram.markDirty(9L * PAGE, 1); // a vCPU's write-permission fill, logging off
            ram.dirtyLog().claim("test");
            ram.dirtyLog().syncAndClear();
            assertTrue(ram.dirtyLog().written().isDirty(9));
            assertEquals(1, ram.dirtyLog().written().count());
        }
    }

    @Test
    void aMachineThatReceivedItsRamSendsItOnWhole() throws IOException {
        try (GuestRam first = ram(); GuestRam second = ram(); GuestRam third = ram()) {
            for (int p = 0; p < PAGES; p += 5) {
                first.writeU32((long) p * PAGE + 8, 0x100 + p);
            }
            load(second, stream(first, RamSender.of(first)));
            assertEquals(first.dirtyLog().written().count(), second.dirtyLog().written().count(),
                    "the receiver recorded every page it wrote");
            load(third, stream(second, RamSender.of(second)));
            assertArrayEquals(all(first), all(third));
        }
    }

    @Test
    void aPostcopyInstallIsRecorded() {
        try (GuestRam ram = ram()) {
            var presence = new dev.tern.kernel.memory.PagePresence(PAGES);
            presence.markMissing(0, PAGES);
            ram.expectPages(presence);
            byte[] page = new byte[PAGE];
            page[0] = 1;
            assertTrue(ram.installPage(12, java.lang.foreign.MemorySegment.ofArray(page)));
            assertTrue(ram.installPage(13, null), "a zero page installs too");
            assertTrue(ram.dirtyLog().written().isDirty(12));
            assertFalse(ram.dirtyLog().written().isDirty(13), "zeros are not data");
        }
    }

    @Test
    void aFileBackedRegionCountsAsWrittenWhole(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path file = dir.resolve("ram.img");
        byte[] content = new byte[PAGES * PAGE];
        content[17 * PAGE] = 42;
        Files.write(file, content);
        try (GuestRam ram = GuestRam.builder().ramFile("ram", 0, (long) PAGES * PAGE, file).build()) {
            assertEquals(PAGES, ram.dirtyLog().written().count(), "a mapped file holds what it holds");
            RamSender sender = RamSender.of(ram);
            byte[] s = stream(ram, sender);
            try (GuestRam dst = ram()) {
                load(dst, s);
                assertEquals(42, dst.readU8(17L * PAGE));
            }
        }
    }
}
