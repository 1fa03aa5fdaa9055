package dev.tern.kernel.ft;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSnapshot;
import dev.tern.kernel.ram.RamReceiver;
import dev.tern.kernel.ram.RamRecord;
import dev.tern.kernel.state.ConfigHeader;
import dev.tern.kernel.state.ReceivingLiveSection;
import dev.tern.kernel.state.SavedStateException;
import dev.tern.kernel.state.SnapshotLoader;
import dev.tern.spi.codec.PageDecoder;

import java.io.ByteArrayInputStream;
import java.io.DataInput;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.zip.CRC32C;

/**
 * The standby's side of checkpoints: a complete checkpoint's stream is verified — CRC32C over the
 * whole stream, then {@link SnapshotLoader}'s first pass (every frame's CRC, structure, every
 * section's validation, every RAM record checked without touching RAM) and the count of page
 * records against the count the primary announced — and only then applied. A checkpoint refused
 * leaves the machine exactly as the previous checkpoint left it. Pages a page codec encoded are
 * decoded in the check pass already (into scratch memory, against the standby's current copy), so
 * a delta that does not decode is refused before any page is written.
 */
final class CheckpointApplier implements AutoCloseable {

    private final Machine machine;
    private final RamReceiver ram;
    private final CountingRam counting;

    /** An applier of checkpoints without page codecs. */
    CheckpointApplier(Machine machine) {
        this(machine, id -> Optional.empty());
    }

    /** An applier whose checkpoints may encode pages with the codecs {@code decoders} starts sessions of. */
    CheckpointApplier(Machine machine, Function<String, Optional<PageDecoder>> decoders) {
        this.machine = machine;
        this.ram = RamReceiver.of(machine.memory(), decoders, List.of());
        this.counting = new CountingRam(ram);
    }

    /**
     * Verifies and applies checkpoint {@code sequence}.
     *
     * @throws IOException naming the checkpoint and what was wrong; the machine is then unchanged (but for
     *     a disk write of the checkpoint that this side's image did not take: that standby never runs)
     */
    void apply(long sequence, long pageRecords, byte[] stream, int crc) throws IOException {
        CRC32C c = new CRC32C();
        c.update(stream);
        if ((int) c.getValue() != crc) {
            throw new IOException(String.format("checkpoint %d: CRC32C of its %d bytes is %08x, the primary announced"
                    + " %08x; nothing applied", sequence, stream.length, (int) c.getValue(), crc));
        }
        counting.expect(pageRecords);
        var loader = new SnapshotLoader(header());
        loader.live(counting);
        machine.sections().forEach(loader::section);
        loader.section(machine.outputs().checkpointSection(sequence));
        try {
            loader.load(() -> new ByteArrayInputStream(stream));
        } catch (SavedStateException e) {
            if (counting.mismatch != null) {
                throw new IOException("checkpoint " + sequence + ": " + counting.mismatch + "; nothing applied", e);
            }
            throw new IOException("checkpoint " + sequence + ": " + e.getMessage(), e);
        }
        var notTaken = machine.outputs().refusal();
        if (notTaken.isPresent()) {
            // a disk write of the primary's that this side's image did not take: the image no
            // longer equals any checkpoint, so this standby can never run the guest
            throw new IOException("checkpoint " + sequence + ": " + notTaken.get()
                    + "; this standby's disk no longer matches the guest's");
        }
    }

    /**
     * Verifies and applies pre-copy round {@code round} of a full sync: RAM only (its first round
     * carries the layout record, which clears RAM). The machine is not a takeover point before
     * checkpoint 0, so a refused round only ends the session.
     *
     * @throws IOException naming the round and what was wrong
     */
    void precopy(long round, long pageRecords, byte[] stream, int crc) throws IOException {
        CRC32C c = new CRC32C();
        c.update(stream);
        if ((int) c.getValue() != crc) {
            throw new IOException(String.format("pre-copy round %d: CRC32C of its %d bytes is %08x, the primary"
                    + " announced %08x", round, stream.length, (int) c.getValue(), crc));
        }
        counting.expect(pageRecords);
        var loader = new SnapshotLoader(header());
        loader.live(counting);
        try {
            loader.load(() -> new ByteArrayInputStream(stream));
        } catch (SavedStateException e) {
            throw new IOException("pre-copy round " + round + ": "
                    + (counting.mismatch != null ? counting.mismatch : e.getMessage()), e);
        }
    }

    /** This machine's header: a checkpoint of a machine with another vCPU count is refused naming both. */
    private ConfigHeader header() {
        return ConfigHeader.of(MachineSnapshot.MACHINE_TYPE, machine.memory(), machine.vcpus().size());
    }

    @Override
    public void close() {
        ram.close();
    }

    /**
     * The RAM receiver, with a count of the page records its check pass saw compared to the
     * announced count when the apply pass begins — before the first record is applied.
     */
    private static final class CountingRam implements ReceivingLiveSection {
        private final RamReceiver ram;
        private long expected;
        private long base;
        private boolean applying;
        String mismatch;

        CountingRam(RamReceiver ram) {
            this.ram = ram;
        }

        void expect(long pageRecords) {
            ram.startCheckPass();
            expected = pageRecords;
            base = ram.pageRecords();
            applying = false;
            mismatch = null;
        }

        @Override
        public String name() {
            return "ram";
        }

        @Override
        public int version() {
            return RamRecord.VERSION;
        }

        @Override
        public int oldestVersion() {
            return RamRecord.VERSION;
        }

        @Override
        public void check(DataInput in) throws IOException {
            ram.check(in);
        }

        @Override
        public void receive(DataInput in) throws IOException {
            if (!applying) {
                long seen = ram.pageRecords() - base;
                if (seen != expected) {
                    mismatch = "it holds " + seen + " page records, the primary announced " + expected;
                    throw new IOException(mismatch);
                }
                applying = true;
            }
            ram.receive(in);
        }

    }
}
