package dev.tern.kernel.block;

import dev.tern.kernel.state.ConfigHeader;
import dev.tern.kernel.state.SavedStateException;
import dev.tern.kernel.state.SavedStateWriter;
import dev.tern.kernel.state.SnapshotLoader;
import dev.tern.kernel.state.StateSource;
import dev.tern.spi.SpiVersion;
import dev.tern.spi.state.StateSection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dirty-block bitmap is saved state: a snapshot taken while tracking restores bits and tracking. */
class DirtyBlocksSnapshotTest {

    @TempDir
    Path dir;

    private static final ConfigHeader HEADER = new ConfigHeader("pc", 4096, SpiVersion.CURRENT, List.of());

    private Path image(String name, long size) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, new byte[(int) size]);
        return p;
    }

    private static byte[] save(OfferedDisks disks) throws IOException {
        var out = new ByteArrayOutputStream();
        var w = new SavedStateWriter(out, HEADER);
        for (StateSection<?> s : disks.sections()) {
            w.writeSection(s);
        }
        w.finish();
        return out.toByteArray();
    }

    private static void load(OfferedDisks disks, byte[] stream) throws IOException {
        var loader = new SnapshotLoader(HEADER);
        disks.sections().forEach(loader::section);
        loader.load(StateSource.of(stream));
    }

    @Test
    void aSnapshotTakenWhileTrackingRestoresTheBitmapAndTheTracking() throws Exception {
        long size = 20L * DirtyBlocks.BLOCK_BYTES + 512; // a short last block
        try (var a = new ImageFileDisk(image("a.img", size)); var b = new ImageFileDisk(image("b.img", size))) {
            var source = new OfferedDisks();
            source.offer("disk0", a);
            OfferedDisk disk = source.find("disk0").orElseThrow();
            disk.startTracking();
            disk.dirty().claimInto(new long[disk.dirty().words()]); // the bulk pass took every block
            a.guestWrite(3L * DirtyBlocks.BLOCK_BYTES + 10, new byte[] {1, 2, 3});
            a.guestWrite(20L * DirtyBlocks.BLOCK_BYTES, new byte[512]); // the short last block
            a.guestWrite(5L * DirtyBlocks.BLOCK_BYTES - 1, new byte[2]); // straddles blocks 4 and 5
            long[] bits = disk.dirty().copy();
            assertEquals(4, disk.dirty().count());

            byte[] snapshot = save(source);
            var restored = new OfferedDisks();
            restored.offer("disk0", b);
            load(restored, snapshot);
            OfferedDisk back = restored.find("disk0").orElseThrow();
            assertTrue(back.tracking(), "tracking resumes with the snapshot");
            assertArrayEquals(bits, back.dirty().copy());
            b.guestWrite(7L * DirtyBlocks.BLOCK_BYTES, new byte[] {9});
            assertEquals(5, back.dirty().count(), "the restored disk tracks the guest's writes");
        }
    }

    @Test
    void aSnapshotNotTrackingCarriesNoBitsAndStopsTracking() throws Exception {
        try (var a = new ImageFileDisk(image("a.img", 4L * DirtyBlocks.BLOCK_BYTES));
             var b = new ImageFileDisk(image("b.img", 4L * DirtyBlocks.BLOCK_BYTES))) {
            var source = new OfferedDisks();
            source.offer("disk0", a);
            var target = new OfferedDisks();
            target.offer("disk0", b);
            target.find("disk0").orElseThrow().startTracking();
            load(target, save(source));
            assertFalse(target.find("disk0").orElseThrow().tracking());
        }
    }

    @Test
    void aBitmapForAnotherImageSizeIsRefusedNamingTheDisk() throws Exception {
        try (var a = new ImageFileDisk(image("a.img", 4L * DirtyBlocks.BLOCK_BYTES));
             var b = new ImageFileDisk(image("b.img", 8L * DirtyBlocks.BLOCK_BYTES))) {
            var source = new OfferedDisks();
            source.offer("disk0", a);
            source.find("disk0").orElseThrow().startTracking();
            var target = new OfferedDisks();
            target.offer("disk0", b);
            var e = assertThrows(SavedStateException.class, () -> load(target, save(source)));
            assertTrue(e.getMessage().contains("disk 'disk0'") && e.getMessage().contains(Long.toString(
                    4L * DirtyBlocks.BLOCK_BYTES)), e.getMessage());
            assertFalse(target.find("disk0").orElseThrow().tracking(), "nothing applied");
        }
    }

    @Test
    void aSecondTrackerIsRefused() throws Exception {
        try (var a = new ImageFileDisk(image("a.img", DirtyBlocks.BLOCK_BYTES))) {
            var disks = new OfferedDisks();
            disks.offer("disk0", a);
            disks.find("disk0").orElseThrow().startTracking();
            var e = assertThrows(IllegalStateException.class, () -> disks.find("disk0").orElseThrow().startTracking());
            assertTrue(e.getMessage().contains("disk0"), e.getMessage());
        }
    }

    @Test
    void aStreamFromBeforeBlockMigrationLoadsAsNothingTracked() throws Exception {
        long size = 4L * DirtyBlocks.BLOCK_BYTES;
        try (var a = new ImageFileDisk(image("old.img", size))) {
            var out = new ByteArrayOutputStream();
            new SavedStateWriter(out, HEADER).finish(); // an older Tern's stream: no dirty-blocks section
            var disks = new OfferedDisks();
            disks.offer("disk0", a);
            OfferedDisk disk = disks.find("disk0").orElseThrow();
            disk.startTracking();
            a.guestWrite(0, new byte[] {1});
            load(disks, out.toByteArray());
            assertFalse(disk.tracking(), "the stream's machine tracked nothing");
        }
    }
}
