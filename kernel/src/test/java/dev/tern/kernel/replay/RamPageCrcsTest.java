package dev.tern.kernel.replay;

import dev.tern.kernel.memory.GuestRam;
import dev.tern.spi.memory.RamRegion;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The incremental RAM fingerprint is the full one, computed from the written pages only: checked
 * against {@link StateFingerprint#of(dev.tern.spi.memory.GuestMemory, List)} reading everything.
 */
class RamPageCrcsTest {

    /** A PC-like layout: low RAM, a ROM, RAM above 1 MiB not ending on a MiB boundary. */
    private static GuestRam pcLike() {
        return GuestRam.builder().ram("low", 0, 0xa0000).rom("bios", 0xf0000, new byte[0x10000])
                .ram("high", 0x100000, (5L << 20) + 0x3000).build();
    }

    private static int[] full(GuestRam ram) {
        return StateFingerprint.of(ram, List.of()).ramChunks();
    }

    @Test
    void writesThroughEveryPathKeepTheChunksEqualToAFullRead() {
        try (GuestRam ram = pcLike()) {
            var crcs = new RamPageCrcs(ram, () -> { });
            var random = new Random(7);
            assertArrayEquals(full(ram), crcs.chunks(), "first look");
            for (int round = 0; round < 40; round++) {
                for (int w = 0; w < 1 + random.nextInt(30); w++) {
                    RamRegion r = random.nextBoolean() ? region(ram, 0) : region(ram, 0x100000);
                    long gpa = r.base() + random.nextLong(r.length() - 8);
                    switch (random.nextInt(3)) {
                        case 0 -> ram.writeU32(gpa, random.nextInt());
                        case 1 -> ram.write(gpa, new byte[] {(byte) random.nextInt(), 1, 2}, 0, 3);
                        default -> directWrite(ram, gpa, (byte) random.nextInt());
                    }
                }
                assertArrayEquals(full(ram), crcs.chunks(), "round " + round);
            }
            long pages = (0xa0000 + (5L << 20) + 0x3000) / 4096;
            assertTrue(crcs.pagesRead() < pages + 40 * 31 * 2, "read " + crcs.pagesRead() + " pages, RAM has " + pages);
        }
    }

    /**
     * Two runs that differ in one byte written once, early, and then do the same writes elsewhere for
     * many checkpoints: every later fingerprint still differs, in that page's MiB only.
     */
    @Test
    void aPageWrittenDifferentlyLongAgoDiffersAtEveryLaterLook() {
        try (GuestRam a = pcLike(); GuestRam b = pcLike()) {
            var crcsA = new RamPageCrcs(a, () -> { });
            var crcsB = new RamPageCrcs(b, () -> { });
            assertArrayEquals(crcsA.chunks(), crcsB.chunks());
            a.writeU8(0x234567, 1);
            b.writeU8(0x234567, 2);
            var random = new Random(3);
            for (int round = 0; round < 50; round++) {
                long gpa = 0x300000 + random.nextLong(0x200000);
                int v = random.nextInt();
                a.writeU32(gpa, v);
                b.writeU32(gpa, v);
                var fa = StateFingerprint.of(crcsA.chunks(), List.of());
                var fb = StateFingerprint.of(crcsB.chunks(), List.of());
                assertEquals("RAM differs in 1 MiB (0x200000-0x2fffff)", fa.difference(fb, a).orElseThrow(), "round " + round);
            }
        }
    }

    @Test
    void aWritePastTheDirtyLogIsSeenOnlyAfterInvalidate() {
        try (GuestRam ram = pcLike()) {
            var crcs = new RamPageCrcs(ram, () -> { });
            crcs.chunks();
            // what loading a snapshot does: RAM written directly, nothing marked
            region(ram, 0x100000).segment().set(ValueLayout.JAVA_BYTE, 0x1234, (byte) 0x5a);
            assertFalse(java.util.Arrays.equals(full(ram), crcs.chunks()), "an unmarked write is invisible by contract");
            crcs.invalidate();
            assertArrayEquals(full(ram), crcs.chunks());
        }
    }

    /**
     * A vCPU keeping a write permission to one page writes it later without reporting the write: the
     * look that marked the page after its harvest puts it in the next round, which must re-read it.
     * Marking before the harvest would leave the page in the old round and miss the write.
     */
    @Test
    void aPageKeptWritableIsReReadAtTheNextLook() {
        try (GuestRam ram = pcLike()) {
            long kept = 0x200000;
            int[] marks = {0};
            var crcs = new RamPageCrcs(ram, () -> {
                marks[0]++;
                ram.markDirty(kept, 4096);
            });
            crcs.chunks();
            for (int round = 1; round <= 3; round++) {
                RamRegion r = region(ram, kept);
                r.segment().set(ValueLayout.JAVA_BYTE, kept + 17 * round - r.base(), (byte) round);
                assertArrayEquals(full(ram), crcs.chunks(), "round " + round);
            }
            assertEquals(4, marks[0]);
        }
    }

    @Test
    void theDirtyLogsOwnerHarvestingDoesNotHideWritesFromTheFingerprint() {
        try (GuestRam ram = pcLike()) {
            var crcs = new RamPageCrcs(ram, () -> { });
            int[] before = crcs.chunks();
            ram.dirtyLog().claim("a migration");
            ram.writeU8(0x100000, 9);
            assertEquals(1, ram.dirtyLog().syncAndClear().count());
            ram.dirtyLog().release("a migration");
            int[] after = crcs.chunks();
            assertNotEquals(before[1], after[1]);
            assertArrayEquals(full(ram), after);
        }
    }

    /** A CPU's fast path: the page's segment written directly, the write reported with markDirty. */
    private static void directWrite(GuestRam ram, long gpa, byte v) {
        RamRegion r = region(ram, gpa);
        if (r == null || r.readOnly()) {
            return;
        }
        r.segment().set(ValueLayout.JAVA_BYTE, gpa - r.base(), v);
        ram.markDirty(gpa, 1);
    }

    private static RamRegion region(GuestRam ram, long gpa) {
        return ram.regions().stream().filter(r -> r.contains(gpa)).findFirst().orElse(null);
    }
}
