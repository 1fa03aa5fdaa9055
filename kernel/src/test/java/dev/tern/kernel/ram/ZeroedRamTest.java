package dev.tern.kernel.ram;

import dev.tern.kernel.memory.GuestRam;
import dev.tern.kernel.state.ConfigHeader;
import dev.tern.kernel.state.SavedStateWriter;
import dev.tern.kernel.state.SnapshotLoader;
import dev.tern.kernel.state.StateSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ZeroedRamTest {

    private static final int PAGE = 4096;
    private static final int PAGES = 32;

    private static GuestRam ram() {
        return GuestRam.builder().ram("ram", 0, (long) PAGES * PAGE).build();
    }

    /** A snapshot stream of {@code src}'s RAM: its first pass skips zero pages. */
    private static byte[] stream(GuestRam src) throws IOException {
        var out = new ByteArrayOutputStream();
        var w = new SavedStateWriter(out, ConfigHeader.of("pc", src));
        w.writeLive(RamSender.of(src), 1 << 20);
        w.finish();
        return out.toByteArray();
    }

    private static void load(GuestRam dst, RamReceiver receiver, byte[] stream) throws IOException {
        new SnapshotLoader(ConfigHeader.of("pc", dst)).live(receiver).load(StateSource.of(stream));
    }

    private static byte[] all(GuestRam ram) {
        byte[] b = new byte[PAGES * PAGE];
        ram.read(0, b, 0, b.length);
        return b;
    }

    @Test
    void prepareClearsWhatWasThereBeforeAndTheLayoutRecordNeedNot() throws IOException {
        try (GuestRam src = ram(); GuestRam dst = ram()) {
            src.writeU32(7L * PAGE, 0x1234_5678);
            dst.writeU32(3L * PAGE, 0xDEAD_BEEF); // e.g. a ROM image loaded at creation
            ZeroedRam zeroed = ZeroedRam.prepare(dst, "test");
            assertEquals(0, dst.readU32(3L * PAGE), "prepared RAM is zero");

            RamReceiver receiver = RamReceiver.of(dst);
            assertEquals(0, zeroed.claimFor(receiver), "nothing written since");
            load(dst, receiver, stream(src));

            assertArrayEquals(all(src), all(dst));
            assertFalse(dst.dirtyLog().isEnabled(), "the dirty log is given back");
        }
    }

    @Test
    void aWriteBetweenPrepareAndTheStreamIsUndone() throws IOException {
        try (GuestRam src = ram(); GuestRam dst = ram()) {
            src.writeU32(7L * PAGE, 0x1234_5678);
            ZeroedRam zeroed = ZeroedRam.prepare(dst, "test");
            // a page the source's first pass skips (zero there): without the log it would survive
            dst.writeU32(12L * PAGE + 8, 0xCAFE_F00D);
            assertThrows(IllegalStateException.class, () -> dst.dirtyLog().claim("a migration"),
                    "the log is held while the RAM is watched");

            RamReceiver receiver = RamReceiver.of(dst);
            assertEquals(1, zeroed.claimFor(receiver), "one page written meanwhile");
            load(dst, receiver, stream(src));

            assertArrayEquals(all(src), all(dst));
            dst.dirtyLog().claim("a later migration"); // free again
        }
    }

    @Test
    void onlyTheFirstLayoutRecordSkipsItsClear() throws IOException {
        try (GuestRam src = ram(); GuestRam dst = ram()) {
            src.writeU32(7L * PAGE, 1);
            RamReceiver receiver = RamReceiver.of(dst);
            ZeroedRam.prepare(dst, "test").claimFor(receiver);
            load(dst, receiver, stream(src));
            dst.writeU32(20L * PAGE, 0x5555_AAAA); // the guest ran; a second stream is loaded into it
            load(dst, receiver, stream(src));
            assertArrayEquals(all(src), all(dst), "the second stream's layout record cleared page 20");
        }
    }

    @Test
    void claimingTwiceIsRefused() {
        try (GuestRam dst = ram()) {
            ZeroedRam zeroed = ZeroedRam.prepare(dst, "test");
            zeroed.claimFor(RamReceiver.of(dst));
            assertThrows(IllegalStateException.class, () -> zeroed.claimFor(RamReceiver.of(dst)));
        }
    }
}
