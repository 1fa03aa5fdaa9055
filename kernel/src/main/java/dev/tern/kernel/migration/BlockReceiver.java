package dev.tern.kernel.migration;

import dev.tern.kernel.block.DirtyBlocks;
import dev.tern.spi.device.LiveDisk;
import dev.tern.spi.state.LiveSection;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.EOFException;
import java.io.IOException;

/**
 * The receiving end of one disk's {@code block} section: the setup part must give this image's size
 * and the block size this VMM uses; each block record must name a block of the image and carry
 * exactly that block's bytes. Blocks are written into the image as they arrive — the destination
 * has not run the guest, and a migration that fails leaves it FAILED, its image not to be used.
 */
final class BlockReceiver implements LiveSection {

    private final String name;
    private final LiveDisk disk;
    private final long sizeBytes;
    private final long blocks;
    private final byte[] buffer = new byte[DirtyBlocks.BLOCK_BYTES];
    private final byte[] zeros = new byte[DirtyBlocks.BLOCK_BYTES];
    private boolean setUp;
    private long received;

    BlockReceiver(String name, LiveDisk disk) {
        this.name = name;
        this.disk = disk;
        this.sizeBytes = disk.sizeBytes();
        this.blocks = DirtyBlocks.blockCount(sizeBytes);
    }

    @Override
    public String name() {
        return BlockSender.SECTION;
    }

    @Override
    public String instance() {
        return name;
    }

    @Override
    public int version() {
        return BlockSender.VERSION;
    }

    @Override
    public void receive(DataInput in) throws IOException {
        if (!setUp) {
            receiveSetup(in);
            setUp = true;
            return;
        }
        for (int kind = in.readUnsignedByte(); kind != BlockSender.END; kind = in.readUnsignedByte()) {
            long block = in.readLong();
            if (block < 0 || block >= blocks) {
                throw new IOException(where() + "block " + Long.toUnsignedString(block) + " is outside the image's "
                        + blocks + " blocks");
            }
            int n = (int) Math.min(DirtyBlocks.BLOCK_BYTES, sizeBytes - block * DirtyBlocks.BLOCK_BYTES);
            switch (kind) {
                case BlockSender.DATA -> {
                    try {
                        in.readFully(buffer, 0, n);
                    } catch (EOFException e) {
                        throw new IOException(where() + "the part ends inside block " + block, e);
                    }
                    disk.write(block * DirtyBlocks.BLOCK_BYTES, buffer, 0, n);
                }
                case BlockSender.ZERO -> disk.write(block * DirtyBlocks.BLOCK_BYTES, zeros, 0, n);
                default -> throw new IOException(where() + "unknown record kind " + kind + " before block " + block);
            }
            received += n;
        }
    }

    private void receiveSetup(DataInput in) throws IOException {
        long size = in.readLong();
        int blockBytes = in.readInt();
        if (size != sizeBytes) {
            throw new IOException(where() + "the source's image is " + size + " bytes, this one is " + sizeBytes
                    + " (the destination's image must have the source's size)");
        }
        if (blockBytes != DirtyBlocks.BLOCK_BYTES) {
            throw new IOException(where() + "the source sends " + blockBytes + "-byte blocks, this VMM takes "
                    + DirtyBlocks.BLOCK_BYTES);
        }
    }

    private String where() {
        return "block migration of disk '" + name + "': ";
    }

    /** Image bytes written so far. */
    long received() {
        return received;
    }

    @Override
    public void setup(DataOutput out) throws IOException {
        throw new IOException("block: a receiving section does not send");
    }

    @Override
    public long pendingBytes() {
        return 0;
    }

    @Override
    public boolean iterate(DataOutput out, long maxBytes) throws IOException {
        throw new IOException("block: a receiving section does not send");
    }

    @Override
    public void complete(DataOutput out) throws IOException {
        throw new IOException("block: a receiving section does not send");
    }
}
