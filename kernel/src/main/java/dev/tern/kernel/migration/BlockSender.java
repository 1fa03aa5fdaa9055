package dev.tern.kernel.migration;

import dev.tern.kernel.block.DirtyBlocks;
import dev.tern.kernel.block.OfferedDisk;
import dev.tern.spi.state.LiveSection;

import java.io.DataOutput;
import java.io.IOException;

/**
 * The live section {@code block} of one disk (instance: the disk's name): its setup part gives the
 * image size and block size, each later part carries the blocks of the current round — the bulk
 * pass over every block first, then the blocks the guest wrote since each sync — and the END part
 * the blocks written until the pause. Records: docs/protocols/migration.md, "Block migration".
 */
final class BlockSender implements LiveSection {

    static final String SECTION = "block";
    static final int VERSION = 1;
    static final int END = 0;
    static final int DATA = 1;
    static final int ZERO = 2;

    private final OfferedDisk disk;
    private final DirtyBlocks dirty;
    private final long[] round;
    private final byte[] buffer = new byte[DirtyBlocks.BLOCK_BYTES];
    private volatile long roundBlocks;
    private volatile long transferred;

    BlockSender(OfferedDisk disk) {
        this.disk = disk;
        this.dirty = disk.dirty();
        this.round = new long[dirty.words()];
    }

    @Override
    public String name() {
        return SECTION;
    }

    @Override
    public String instance() {
        return disk.name();
    }

    @Override
    public int version() {
        return VERSION;
    }

    @Override
    public void setup(DataOutput out) throws IOException {
        out.writeLong(dirty.sizeBytes());
        out.writeInt(DirtyBlocks.BLOCK_BYTES);
    }

    /** Takes the blocks written since the last claim into the round to send. */
    void beginRound() {
        dirty.claimInto(round);
        long n = 0;
        for (long w : round) {
            n += Long.bitCount(w);
        }
        roundBlocks = n;
    }

    /** Whether the current round has blocks left to send. */
    boolean pendingRound() {
        return roundBlocks > 0;
    }

    @Override
    public long pendingBytes() {
        return (roundBlocks + dirty.count()) * DirtyBlocks.BLOCK_BYTES;
    }

    @Override
    public boolean iterate(DataOutput out, long maxBytes) throws IOException {
        long written = 0;
        for (int w = 0; w < round.length && written < maxBytes; w++) {
            while (round[w] != 0 && written < maxBytes) {
                long bit = Long.lowestOneBit(round[w]);
                round[w] &= ~bit;
                roundBlocks--;
                written += send(out, (long) w * 64 + Long.numberOfTrailingZeros(bit));
            }
        }
        out.writeByte(END);
        return roundBlocks == 0;
    }

    @Override
    public void complete(DataOutput out) throws IOException {
        beginRound(); // the guest is paused: this claim holds its last writes
        iterate(out, Long.MAX_VALUE);
    }

    @Override
    public void receive(java.io.DataInput in) throws IOException {
        throw new IOException("block: a sending section does not receive");
    }

    /** Reads block {@code block} from the image and writes its record; returns the record's bytes. */
    private long send(DataOutput out, long block) throws IOException {
        int n = dirty.blockBytes(block);
        disk.disk().read(block * DirtyBlocks.BLOCK_BYTES, buffer, 0, n);
        long bytes;
        if (zero(buffer, n)) {
            out.writeByte(ZERO);
            out.writeLong(block);
            bytes = 9;
        } else {
            out.writeByte(DATA);
            out.writeLong(block);
            out.write(buffer, 0, n);
            bytes = 9L + n;
        }
        transferred += bytes;
        return bytes;
    }

    private static boolean zero(byte[] b, int n) {
        return java.util.Arrays.mismatch(b, 0, n, ZEROS, 0, n) < 0;
    }

    private static final byte[] ZEROS = new byte[DirtyBlocks.BLOCK_BYTES];

    /** Record bytes sent so far (QEMU's disk "transferred"). */
    long transferred() {
        return transferred;
    }

    OfferedDisk disk() {
        return disk;
    }
}
