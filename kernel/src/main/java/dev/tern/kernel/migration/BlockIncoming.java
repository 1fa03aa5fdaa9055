package dev.tern.kernel.migration;

import dev.tern.kernel.block.OfferedDisk;
import dev.tern.kernel.block.OfferedDisks;
import dev.tern.kernel.state.Frame;
import dev.tern.kernel.state.FrameKind;
import dev.tern.kernel.state.SavedStateException;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The destination's side of block migration: routes the RAM stream's {@code block} sections to a
 * {@link BlockReceiver} per disk, each disk one this machine offered, and requires every disk the
 * source started to end (its END part: the blocks of the pause).
 */
final class BlockIncoming {

    private final OfferedDisks disks;
    private final Map<String, BlockReceiver> open = new HashMap<>();
    private final Map<String, Boolean> ended = new HashMap<>();

    BlockIncoming(OfferedDisks disks) {
        this.disks = disks;
    }

    static boolean carries(String sectionName) {
        return BlockSender.SECTION.equals(sectionName);
    }

    /** A disk's START frame: the disk must be offered here, the version this VMM writes. */
    void open(Frame.Open o) throws IOException {
        OfferedDisk disk = disks.find(o.instance()).orElseThrow(() -> new SavedStateException("the source migrates"
                + " disk '" + o.instance() + "', which this machine does not have (no device of that name offers"
                + " a disk)", o.offset()));
        if (o.version() != BlockSender.VERSION) {
            throw new SavedStateException("disk '" + o.instance() + "': the block stream is version " + o.version()
                    + ", this VMM takes version " + BlockSender.VERSION, o.offset());
        }
        var receiver = new BlockReceiver(disk.name(), disk.disk());
        open.put(o.instance(), receiver);
        ended.put(o.instance(), false);
        receive(receiver, o.payload(), o.payloadOffset());
    }

    /** A PART or END frame of a disk opened before (the reader checks the section id). */
    void part(Frame.Part p) throws IOException {
        BlockReceiver r = open.get(p.instance());
        if (r == null || ended.get(p.instance())) {
            throw new SavedStateException("disk '" + p.instance() + "': a block part outside its section", p.offset());
        }
        receive(r, p.payload(), p.payloadOffset());
        if (p.kind() == FrameKind.END) {
            ended.put(p.instance(), true);
        }
    }

    /** Every disk the source started must have ended: otherwise its image misses the pause's blocks. */
    void requireEnded(long at) throws SavedStateException {
        for (var e : ended.entrySet()) {
            if (!e.getValue()) {
                throw new SavedStateException("disk '" + e.getKey() + "': the RAM stream ended before the disk's"
                        + " last blocks", at);
            }
        }
    }

    /** Image bytes written so far, over every disk. */
    long received() {
        return open.values().stream().mapToLong(BlockReceiver::received).sum();
    }

    private static void receive(BlockReceiver r, byte[] payload, long offset) throws IOException {
        var bytes = new ByteArrayInputStream(payload);
        try {
            r.receive(new DataInputStream(bytes));
        } catch (IOException e) {
            throw new SavedStateException(e.getMessage(), offset, e);
        }
        if (bytes.available() != 0) {
            throw new SavedStateException("disk '" + r.instance() + "': " + bytes.available()
                    + " bytes after the end of the part", offset);
        }
    }
}
