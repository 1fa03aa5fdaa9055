package dev.tern.kernel.migration;

import dev.tern.kernel.block.OfferedDisk;
import dev.tern.kernel.block.OfferedDisks;
import dev.tern.kernel.state.SavedStateWriter;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The disks of a block migration on the source: a {@link BlockSender} per offered disk, sent in the
 * RAM stream next to the {@code ram} section — the bulk pass and each round's dirty blocks
 * interleaved with the RAM rounds, the last dirty blocks in the pause. Tracking starts when the
 * migration does and stops when it ends, however it ends; the source's images are only read.
 */
final class BlockMigration {

    /** No disks: what a migration without the block-migration capability sends. */
    static final BlockMigration NONE = new BlockMigration(List.of());

    private final List<BlockSender> senders;
    private final long total;

    private BlockMigration(List<BlockSender> senders) {
        this.senders = senders;
        this.total = senders.stream().mapToLong(s -> s.disk().dirty().sizeBytes()).sum();
    }

    /**
     * Tracks every offered disk's writes (all blocks dirty: the bulk pass) and sends each disk's
     * setup part on {@code stream}.
     *
     * @throws MigrationException when a disk is tracked by another migration already
     */
    static BlockMigration start(OfferedDisks disks, SavedStateWriter stream) throws IOException, MigrationException {
        List<BlockSender> senders = new ArrayList<>();
        var started = new BlockMigration(senders);
        try {
            for (OfferedDisk d : disks.all()) {
                d.startTracking();
                senders.add(new BlockSender(d));
            }
        } catch (IllegalStateException e) {
            started.close();
            throw new MigrationException(e.getMessage());
        }
        var migration = new BlockMigration(List.copyOf(senders));
        for (BlockSender s : migration.senders) {
            s.beginRound();
            stream.startLive(s);
        }
        return migration;
    }

    /** Sends one part of about {@code maxBytes} for each disk with blocks left in its round; true when none has. */
    boolean iterate(SavedStateWriter stream, long maxBytes) throws IOException {
        boolean done = true;
        for (BlockSender s : senders) {
            if (s.pendingRound()) {
                done &= stream.iterateLive(s, maxBytes);
            }
        }
        return done;
    }

    /** After a dirty-log sync: the blocks written since the last one become the next round. */
    void sync() {
        senders.forEach(BlockSender::beginRound);
    }

    /** Bytes of blocks still to send were the guest paused now. */
    long pendingBytes() {
        return senders.stream().mapToLong(BlockSender::pendingBytes).sum();
    }

    /** With the guest paused: sends every block still dirty as each disk's END part, then stops tracking. */
    void complete(SavedStateWriter stream) throws IOException {
        for (BlockSender s : senders) {
            stream.endLive(s);
        }
        close(); // before the device stream: the destination must not inherit a tracking bitmap
    }

    /** Stops tracking every disk (idempotent). */
    void close() {
        // A loop, not forEach with a lambda: the switch-over calls this in the pause even with no
        // disk, and a lambda's call site is linked (a class spun) on its first use.
        for (BlockSender s : senders) {
            s.disk().stopTracking();
        }
    }

    DiskStats stats() {
        if (senders.isEmpty()) {
            return DiskStats.NONE;
        }
        long sent = senders.stream().mapToLong(BlockSender::transferred).sum();
        return new DiskStats(sent, pendingBytes(), total);
    }
}
