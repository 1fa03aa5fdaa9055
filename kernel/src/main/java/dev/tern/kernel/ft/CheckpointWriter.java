package dev.tern.kernel.ft;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSnapshot;
import dev.tern.kernel.ram.PageCodecs;
import dev.tern.kernel.ram.PageSet;
import dev.tern.kernel.ram.RamRecord;
import dev.tern.kernel.ram.RamSender;
import dev.tern.kernel.state.ConfigHeader;
import dev.tern.kernel.state.SavedStateWriter;
import dev.tern.spi.state.LiveSection;
import dev.tern.spi.state.StateSection;

import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.CRC32C;

/**
 * The primary's checkpoints, each one saved-state stream: the device sections (FULL frames) and
 * the {@code ram} live section carrying a round of the kernel's RAM page stream ({@link RamSender},
 * the code migration and snapshots use). Checkpoint 0 is the full sync (the stream's layout record
 * and first pass over all RAM); every later one is a dirty round without a layout record, so the
 * standby keeps its RAM and overwrites only the pages sent.
 *
 * <p>Taking a checkpoint stops the vCPUs once ({@link Machine#syncDirtyLog(java.util.function.Consumer)}):
 * inside that rendezvous the dirty pages are copied to the staging copy ({@link StagedRam}) and
 * the device sections and the held guest output ({@code OutputPath}) are encoded; the encoding of
 * the pages runs after the guest resumed.
 *
 * <p>With page codecs (negotiated in the handshake) the sender encodes the pages of every round
 * after the full sync's first pass: a delta codec sends a page it sent before as a delta against
 * its cache of what it sent, which is exactly the standby's copy (every page the standby holds
 * came from this sender, and a checkpoint the standby refuses ends the session, cache and all);
 * a delta no smaller than the page goes as a normal record.
 * One thread uses a writer at a time.
 */
final class CheckpointWriter implements AutoCloseable {

    /** A checkpoint ready to send. */
    record Encoded(long sequence, long pageRecords, byte[] stream, int crc, long pauseNanos, long dirtyPages,
            long requestNanos) {
    }

    private static final long PART_BYTES = 1 << 20;

    /** The dirty log's holder while this primary checkpoints. */
    static final String DIRTY_LOG_OWNER = "fault tolerance (checkpointing to a standby)";

    private final Machine machine;
    private final StagedRam staged;
    private final RamSender ram;
    private final LiveSection round;

    /** A writer whose pages go without codecs. */
    CheckpointWriter(Machine machine) {
        this(machine, PageCodecs.NONE);
    }

    /** A writer that encodes pages with {@code codecs} (it closes them). */
    CheckpointWriter(Machine machine, PageCodecs codecs) {
        this.machine = machine;
        this.staged = new StagedRam(machine.memory());
        this.ram = RamSender.of(staged, codecs);
        this.round = new RoundSection(ram);
    }

    /** The full sync: every page and every section. Enables the dirty log for the checkpoints after. */
    Encoded full() throws IOException {
        // claimed, not just enabled: a migration or a dirty-rate measurement beside the checkpoints
        // would clear the bits they need (and a migration would switch the log off at its end)
        machine.memory().dirtyLog().claim(DIRTY_LOG_OWNER);
        var bytes = new ByteArrayOutputStream();
        SavedStateWriter writer = new SavedStateWriter(bytes, header());
        long[] copied = new long[3];
        long t0 = System.nanoTime();
        // the enabling sync: every vCPU drops its cached write permissions, and the copy sees RAM as of it
        machine.syncDirtyLog(dirty -> {
            copied[1] = System.nanoTime();
            copied[0] = staged.copyAll();
            writeDevices(writer, 0);
            copied[2] = System.nanoTime();
        });
        long request = System.nanoTime() - t0;
        long pause = copied[2] - copied[1];
        long before = ram.counters().pageRecords();
        writer.writeLive(ram, PART_BYTES);
        writer.finish();
        return encoded(0, ram.counters().pageRecords() - before, bytes.toByteArray(), pause, copied[0], request);
    }

    /**
     * The first pre-copy round of a full sync without a stop-the-world copy: the enabling sync
     * (a vCPU rendezvous that only arms the dirty log), then every page copied to the staging
     * copy while the guest runs on, and the stream's layout record and first pass — RAM only, no
     * device section. Pages the guest writes meanwhile are in the next round; {@link #next(long)}
     * with sequence 0 then ends the full sync with one short stop.
     */
    Encoded precopyFirst() throws IOException {
        machine.memory().dirtyLog().claim(DIRTY_LOG_OWNER);
        long t0 = System.nanoTime();
        machine.syncDirtyLog();
        long request = System.nanoTime() - t0;
        long pages = staged.copyAll();
        var bytes = new ByteArrayOutputStream();
        SavedStateWriter writer = new SavedStateWriter(bytes, header());
        long before = ram.counters().pageRecords();
        writer.writeLive(ram, PART_BYTES);
        writer.finish();
        return encoded(-1, ram.counters().pageRecords() - before, bytes.toByteArray(), request, pages, request);
    }

    /**
     * A later pre-copy round: the pages dirtied since the previous round, harvested in a vCPU
     * rendezvous but copied while the guest runs (a page written during the copy is dirty again
     * in the next round, which sends it again). RAM only. {@link Encoded#dirtyPages()} says how
     * many pages it carries, which tells the caller whether another round is worth it.
     */
    Encoded precopyNext() throws IOException {
        long t0 = System.nanoTime();
        var dirty = machine.syncDirtyLog();
        long request = System.nanoTime() - t0;
        PageSet pages = new PageSet(ram.pageCount());
        long copied = staged.copy(dirty, pages);
        var bytes = new ByteArrayOutputStream();
        SavedStateWriter writer = new SavedStateWriter(bytes, header());
        ram.beginRound(pages);
        long before = ram.counters().pageRecords();
        writer.writeLive(round, PART_BYTES);
        writer.finish();
        return encoded(-1, ram.counters().pageRecords() - before, bytes.toByteArray(), request, copied, request);
    }

    /**
     * A checkpoint of the pages dirtied since the previous one (or since the last pre-copy round:
     * sequence 0 after {@link #precopyFirst()}), and every section.
     */
    Encoded next(long sequence) throws IOException {
        var bytes = new ByteArrayOutputStream();
        SavedStateWriter writer = new SavedStateWriter(bytes, header());
        PageSet pages = new PageSet(ram.pageCount());
        long[] copied = new long[3];
        long t0 = System.nanoTime();
        machine.syncDirtyLog(dirty -> {
            copied[1] = System.nanoTime();
            copied[0] = staged.copy(dirty, pages);
            writeDevices(writer, sequence);
            copied[2] = System.nanoTime();
        });
        long request = System.nanoTime() - t0;
        long pause = copied[2] - copied[1];
        ram.beginRound(pages);
        long before = ram.counters().pageRecords();
        writer.writeLive(round, PART_BYTES);
        writer.finish();
        // the records sent, not the pages copied: a page a delta codec finds unchanged has none
        return encoded(sequence, ram.counters().pageRecords() - before, bytes.toByteArray(), pause, copied[0],
                request);
    }

    private void writeDevices(SavedStateWriter writer, long sequence) {
        try {
            for (StateSection<?> s : machine.sections()) {
                writer.writeSection(s);
            }
            // the guest output held since the previous checkpoint: sealed here, in the same stop
            writer.writeSection(machine.outputs().checkpointSection(sequence));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // into memory: cannot happen short of a bad section
        }
    }

    private static Encoded encoded(long seq, long records, byte[] stream, long pause, long dirty, long request) {
        CRC32C crc = new CRC32C();
        crc.update(stream);
        return new Encoded(seq, records, stream, (int) crc.getValue(), pause, dirty, request);
    }

    private ConfigHeader header() {
        return ConfigHeader.of(MachineSnapshot.MACHINE_TYPE, machine.memory(), machine.vcpus().size());
    }

    /** Each codec's counters by id ({@code info ft}). */
    java.util.Map<String, java.util.Map<String, Long>> codecStats() {
        return ram.codecStats();
    }

    @Override
    public void close() {
        machine.memory().dirtyLog().release(DIRTY_LOG_OWNER);
        ram.close();
        staged.close();
    }

    /**
     * The {@code ram} section of a checkpoint after the first: its setup part is empty (no layout
     * record, which would make the standby clear its RAM), its parts are the sender's dirty round.
     */
    private record RoundSection(RamSender ram) implements LiveSection {
        @Override
        public String name() {
            return ram.name();
        }

        @Override
        public int version() {
            return RamRecord.VERSION;
        }

        @Override
        public void setup(DataOutput out) throws IOException {
            out.writeLong(RamRecord.END_OF_PART);
        }

        @Override
        public long pendingBytes() {
            return ram.pendingBytes();
        }

        @Override
        public boolean iterate(DataOutput out, long maxBytes) throws IOException {
            return ram.iterate(out, maxBytes);
        }

        @Override
        public void complete(DataOutput out) throws IOException {
            ram.complete(out);
        }

        @Override
        public void receive(DataInput in) throws IOException {
            throw new IOException("ram: a sending section does not receive");
        }
    }
}
