package dev.tern.kernel.migration;

import dev.tern.kernel.block.DirtyBlocks;
import dev.tern.kernel.block.ImageFileDisk;
import dev.tern.kernel.block.OfferedDisks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code block} section between a sender and a receiver over real image files: the bulk pass,
 * rounds of the guest's writes and the END part make the destination image equal the source's; a
 * hostile or mismatched stream is refused naming the disk and the block, writing nothing outside
 * the image.
 */
class BlockStreamTest {

    @TempDir
    Path dir;

    private static final long SIZE = 9L * DirtyBlocks.BLOCK_BYTES + 4096;

    private Path image(String name, long size, long seed) throws IOException {
        byte[] b = new byte[(int) size];
        if (seed != 0) {
            new Random(seed).nextBytes(b);
            java.util.Arrays.fill(b, 2 * DirtyBlocks.BLOCK_BYTES, 3 * DirtyBlocks.BLOCK_BYTES, (byte) 0); // a zero block
        }
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }

    private static byte[] part(BlockSender s, long max) throws IOException {
        var out = new ByteArrayOutputStream();
        s.iterate(new DataOutputStream(out), max);
        return out.toByteArray();
    }

    private static void feed(BlockReceiver r, byte[] part) throws IOException {
        var in = new ByteArrayInputStream(part);
        r.receive(new DataInputStream(in));
        assertEquals(0, in.available(), "the part is consumed exactly");
    }

    @Test
    void bulkRoundsAndTheEndPartMakeTheImagesEqual() throws Exception {
        Path src = image("src.img", SIZE, 42);
        Path dst = image("dst.img", SIZE, 0);
        try (var a = new ImageFileDisk(src); var b = new ImageFileDisk(dst)) {
            var disks = new OfferedDisks();
            disks.offer("disk0", a);
            var offered = disks.find("disk0").orElseThrow();
            offered.startTracking();
            var sender = new BlockSender(offered);
            sender.beginRound();
            var receiver = new BlockReceiver("disk0", b);
            var setup = new ByteArrayOutputStream();
            sender.setup(new DataOutputStream(setup));
            feed(receiver, setup.toByteArray());
            feed(receiver, part(sender, 3L * DirtyBlocks.BLOCK_BYTES)); // part of the bulk pass
            a.guestWrite(1, new byte[] {7, 7}); // a block already sent: sent again next round
            a.guestWrite(SIZE - 3, new byte[] {5, 5, 5}); // a block of this round: sent with it
            while (sender.pendingRound()) {
                feed(receiver, part(sender, 2L * DirtyBlocks.BLOCK_BYTES));
            }
            sender.beginRound();
            assertEquals(2L * DirtyBlocks.BLOCK_BYTES, sender.pendingBytes());
            feed(receiver, part(sender, Long.MAX_VALUE));
            a.guestWrite(4L * DirtyBlocks.BLOCK_BYTES, new byte[] {1}); // in the pause's harvest
            var end = new ByteArrayOutputStream();
            sender.complete(new DataOutputStream(end));
            feed(receiver, end.toByteArray());
            assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(dst));
            assertEquals(0, sender.pendingBytes());
            assertTrue(sender.transferred() < SIZE + 4L * DirtyBlocks.BLOCK_BYTES, "the zero block went as a record");
        }
    }

    private BlockReceiver receiverAfterSetup(ImageFileDisk disk) throws IOException {
        var r = new BlockReceiver("disk0", disk);
        var setup = new ByteArrayOutputStream();
        var d = new DataOutputStream(setup);
        d.writeLong(SIZE);
        d.writeInt(DirtyBlocks.BLOCK_BYTES);
        feed(r, setup.toByteArray());
        return r;
    }

    private static byte[] records(long block, int kind, int dataBytes) throws IOException {
        var out = new ByteArrayOutputStream();
        var d = new DataOutputStream(out);
        d.writeByte(kind);
        d.writeLong(block);
        d.write(new byte[dataBytes]);
        d.writeByte(BlockSender.END);
        return out.toByteArray();
    }

    @Test
    void anImageOfAnotherSizeIsRefusedNamingTheDiskAndBothSizes() throws Exception {
        try (var b = new ImageFileDisk(image("dst.img", SIZE - 512, 0))) {
            var r = new BlockReceiver("disk0", b);
            var setup = new ByteArrayOutputStream();
            var d = new DataOutputStream(setup);
            d.writeLong(SIZE);
            d.writeInt(DirtyBlocks.BLOCK_BYTES);
            var e = assertThrows(IOException.class, () -> feed(r, setup.toByteArray()));
            assertTrue(e.getMessage().contains("disk 'disk0'") && e.getMessage().contains(Long.toString(SIZE))
                    && e.getMessage().contains(Long.toString(SIZE - 512)), e.getMessage());
        }
    }

    @Test
    void hostileBlockRecordsAreRefusedWithoutWritingOutsideTheImage() throws Exception {
        Path dst = image("dst.img", SIZE, 0);
        try (var b = new ImageFileDisk(dst)) {
            long blocks = DirtyBlocks.blockCount(SIZE);
            for (long bad : new long[] {blocks, Long.MAX_VALUE, -1, Long.MIN_VALUE}) {
                var r = receiverAfterSetup(b);
                var e = assertThrows(IOException.class, () -> feed(r, records(bad, BlockSender.DATA, 16)));
                assertTrue(e.getMessage().contains("disk 'disk0'") && e.getMessage().contains("outside the image"),
                        e.getMessage());
            }
            var r1 = receiverAfterSetup(b);
            var e1 = assertThrows(IOException.class, () -> feed(r1, records(1, BlockSender.DATA, 100)));
            assertTrue(e1.getMessage().contains("ends inside block 1"), e1.getMessage());
            var r2 = receiverAfterSetup(b);
            var e2 = assertThrows(IOException.class, () -> feed(r2, records(1, 9, 0)));
            assertTrue(e2.getMessage().contains("unknown record kind 9"), e2.getMessage());
            var r3 = new BlockReceiver("disk0", b);
            var setup = new ByteArrayOutputStream();
            var d = new DataOutputStream(setup);
            d.writeLong(SIZE);
            d.writeInt(1 << 30);
            var e3 = assertThrows(IOException.class, () -> feed(r3, setup.toByteArray()));
            assertTrue(e3.getMessage().contains("1073741824-byte blocks"), e3.getMessage());
            assertEquals(SIZE, Files.size(dst), "the image did not grow");
            assertFalse(new java.math.BigInteger(1, Files.readAllBytes(dst)).signum() != 0, "nothing was written");
        }
    }
}
