package dev.tern.kernel.ram;

import dev.tern.kernel.memory.DirtyLog;
import dev.tern.kernel.memory.DirtyPages;
import dev.tern.kernel.memory.GuestRam;
import dev.tern.kernel.state.ReceivingLiveSection;
import dev.tern.kernel.state.RamLayout;
import dev.tern.spi.codec.CodecException;
import dev.tern.spi.codec.PageDecoder;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.memory.RamRegion;

import java.io.DataInput;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import static dev.tern.kernel.ram.RamRecord.PAGE;

/**
 * The receiving side of the RAM page stream ({@link RamRecord}): snapshots being loaded, migrations
 * arriving, checkpoints. Input is hostile: every record is bounds-checked and an error names the
 * record, and {@link #check} validates a part without touching RAM (two-phase snapshot loading).
 *
 * <p>On the layout record it makes its RAM all zeros (writing only where it is not zero already),
 * so a first pass need not send zero pages. Codecs are looked up by the ids the stream names;
 * an id no installed plugin provides is a clear refusal. A check pass decodes every encoded page
 * into scratch memory with decoder sessions of its own, against the page as RAM holds it, so a
 * delta that does not decode is refused before anything is applied; a checked stream may
 * therefore encode a page only if no earlier record of the same pass wrote it (a checkpoint's
 * single round never does).
 *
 * <p>Multifd: the main stream says {@link RamRecord#MULTIFD} and carries no page; each channel's
 * stream goes to a receiver made by {@link #channel}, which checks its layout record but does not
 * clear RAM (the destination did that once, with {@link #makeZero}, before any channel started).
 */
public final class RamReceiver implements ReceivingLiveSection {

    private static final int CLEAR_CHUNK = 64 * PAGE;
    private static final MemorySegment ZEROS = MemorySegment.ofArray(new byte[CLEAR_CHUNK]);

    private final GuestMemory memory;
    /** Where pages written here are recorded as holding data (a first pass reads only those). */
    private final DirtyLog writtenLog;
    private final List<RamRegion> writable;
    private final Function<String, Optional<PageDecoder>> decoders;
    private final List<MemorySegment> exposed;
    private final boolean clearOnLayout;
    private final List<String> codecIds = new ArrayList<>();
    private final List<PageDecoder> active = new ArrayList<>();
    /** The check pass's own decoder sessions, so checking never advances the applying ones. */
    private final List<PageDecoder> checking = new ArrayList<>();
    /** Pages that had a record in the current check pass. */
    private final BitSet checkedPages = new BitSet();
    private boolean checkPassOpen;
    private final byte[] page = new byte[PAGE];
    private final byte[] codecBytes = new byte[PAGE];
    private int codecLength;
    private RemoteSyncAnswer syncAnswer = () -> { };
    private boolean remoteAnnounced;
    private boolean remoteComplete;
    private long pageRecords;
    private boolean multifdAnnounced;
    /** The next layout record finds RAM zero already ({@link ZeroedRam}): it need not clear. */
    private boolean zeroAlready;

    /** What the receiver does on {@link RamRecord#REMOTE_SYNC}: tell the sender everything so far is applied. */
    public interface RemoteSyncAnswer {
        void applied() throws IOException;
    }

    private RamReceiver(GuestMemory memory, Function<String, Optional<PageDecoder>> decoders,
            List<MemorySegment> exposed, boolean clearOnLayout) {
        this.memory = memory;
        this.writtenLog = memory instanceof GuestRam ram ? ram.dirtyLog() : null;
        this.clearOnLayout = clearOnLayout;
        this.writable = RamLayout.writable(memory);
        this.decoders = decoders;
        this.exposed = List.copyOf(exposed);
        if (!exposed.isEmpty() && exposed.size() != writable.size()) {
            throw new IllegalArgumentException(exposed.size() + " exposed regions for " + writable.size()
                    + " writable ones");
        }
    }

    /** A receiver of streams without codecs (snapshots). */
    public static RamReceiver of(GuestMemory memory) {
        return new RamReceiver(memory, id -> Optional.empty(), List.of(), true);
    }

    /**
     * A receiver; {@code decoders} starts a decoder session for a codec id (empty when no plugin
     * provides it), and {@code exposed} holds the regions this end exposed for one-sided RAM, one
     * per writable region in order (empty when the connection cannot carry it).
     */
    public static RamReceiver of(GuestMemory memory, Function<String, Optional<PageDecoder>> decoders,
            List<MemorySegment> exposed) {
        return new RamReceiver(memory, decoders, exposed, true);
    }

    /**
     * The receiver of one multifd channel's stream: like {@link #of} without one-sided RAM, but its
     * layout record leaves RAM alone — other channels may already be writing their pages into it.
     */
    public static RamReceiver channel(GuestMemory memory, Function<String, Optional<PageDecoder>> decoders) {
        return new RamReceiver(memory, decoders, List.of(), false);
    }

    /** Makes every writable page of {@code memory} zero (what a layout record does), before multifd channels start. */
    public static void makeZero(GuestMemory memory) {
        clear(RamLayout.writable(memory));
    }

    /**
     * Tells the receiver that its RAM is all zeros now except {@code written}, which it clears, and
     * stays so until the stream's first layout record, which then skips its clear (a later layout
     * record, a restarted stream, clears as usual).
     */
    void assumeZeroExcept(DirtyPages written) {
        written.forEach(pfn -> {
            RamRegion r = regionAt(pfn * PAGE);
            if (r != null) {
                r.segment().asSlice(pfn * PAGE - r.base(), PAGE).fill((byte) 0);
            }
        });
        zeroAlready = true;
    }

    /** Whether the main stream announced that its pages travel over multifd channels. */
    public boolean multifdAnnounced() {
        return multifdAnnounced;
    }

    @Override
    public String name() {
        return "ram";
    }

    @Override
    public int version() {
        return RamRecord.VERSION;
    }

    /** Sets the answer to a {@link RamRecord#REMOTE_SYNC}. */
    public void onRemoteSync(RemoteSyncAnswer answer) {
        syncAnswer = answer;
    }

    /**
     * Page records (ZERO, NORMAL, ENCODED) read so far, checked or applied: a checkpoint compares
     * the count of its check pass with the count its sender announced before applying anything.
     */
    public long pageRecords() {
        return pageRecords;
    }

    /** Whether the sender announced one-sided RAM. */
    public boolean remoteAnnounced() {
        return remoteAnnounced;
    }

    /** Whether the sender's final barrier for one-sided RAM arrived. */
    public boolean remoteComplete() {
        return remoteComplete;
    }

    @Override
    public void receive(DataInput in) throws IOException {
        checkPassOpen = false;
        walk(in, true);
    }

    @Override
    public void check(DataInput in) throws IOException {
        if (!checkPassOpen) {
            checkedPages.clear();
            checkPassOpen = true;
        }
        walk(in, false);
    }

    /**
     * Starts a new check pass: the pages the previous check pass saw are forgotten (a pass also
     * starts by itself at the first {@link #check} after a {@link #receive}).
     */
    public void startCheckPass() {
        checkPassOpen = false;
    }

    private void walk(DataInput in, boolean apply) throws IOException {
        while (true) {
            long word = in.readLong();
            int kind = (int) (word & RamRecord.KIND_MASK);
            long gpa = word & ~RamRecord.KIND_MASK;
            if (gpa == 0 && control(in, word, apply)) {
                if (word == RamRecord.END_OF_PART) {
                    return;
                }
                continue;
            }
            if (kind == RamRecord.REMOTE_RUN) {
                receiveRun(in, word, gpa, apply);
                continue;
            }
            if (remoteAnnounced || multifdAnnounced) {
                throw new IOException(String.format("ram: record 0x%016x carries a page in the stream, but the sender"
                        + " announced %s", word, remoteAnnounced ? "one-sided RAM" : "multifd channels for every page"));
            }
            RamRegion r = requireWritable(gpa, word);
            pageRecords++;
            if (!apply && kind == RamRecord.ENCODED) {
                checkEncoded(in, gpa, r);
                continue;
            }
            if (!apply) {
                checkedPages.set(Math.toIntExact(gpa / PAGE));
            }
            switch (kind) {
                case RamRecord.ZERO -> {
                    if (apply) {
                        r.segment().asSlice(gpa - r.base(), PAGE).fill((byte) 0);
                    }
                }
                case RamRecord.NORMAL -> {
                    in.readFully(page);
                    if (apply) {
                        noteWritten(gpa, PAGE);
                        MemorySegment.copy(page, 0, r.segment(), ValueLayout.JAVA_BYTE, gpa - r.base(), PAGE);
                    }
                }
                case RamRecord.ENCODED -> decode(in, gpa, r, apply);
                default -> throw new IOException(String.format("ram: record 0x%016x has unknown kind 0x%x", word, kind));
            }
        }
    }

    /** Handles a control record (address 0); false when {@code word} is a page record after all. */
    private boolean control(DataInput in, long word, boolean apply) throws IOException {
        switch ((int) word) {
            case RamRecord.END_OF_PART -> { }
            case RamRecord.LAYOUT -> {
                if (multifdAnnounced) {
                    throw new IOException("ram: a layout record after the multifd announcement (the main stream"
                            + " of a multifd migration carries no RAM)");
                }
                RamLayout.check(in, writable);
                restart(apply);
                if (apply) {
                    if (clearOnLayout && !zeroAlready) {
                        clear(writable);
                    }
                    zeroAlready = false;
                }
            }
            case RamRecord.MULTIFD -> {
                if (!clearOnLayout || !codecIds.isEmpty() || remoteAnnounced) {
                    throw new IOException("ram: a multifd announcement " + (clearOnLayout
                            ? "after codecs or one-sided RAM" : "inside a multifd channel's stream"));
                }
                multifdAnnounced = true;
            }
            case RamRecord.CODECS -> receiveCodecs(in, apply);
            case RamRecord.REMOTE -> {
                if (exposed.isEmpty()) {
                    throw new IOException("ram: the sender writes RAM one-sided, but this connection exposes no"
                            + " memory (use the shm transport on both ends)");
                }
                remoteAnnounced = true;
            }
            case RamRecord.REMOTE_SYNC -> {
                requireRemote("a one-sided RAM sync");
                if (apply) {
                    syncAnswer.applied();
                }
            }
            case RamRecord.REMOTE_DONE -> {
                requireRemote("a one-sided RAM barrier");
                long pages = in.readLong();
                if (pages < 0) {
                    throw new IOException("ram: the one-sided RAM barrier counts " + pages + " pages");
                }
                remoteComplete = true;
            }
            default -> {
                return false; // a page record for page 0
            }
        }
        return true;
    }

    /**
     * A layout record starts a stream: what an earlier one announced is forgotten, and the decoder
     * sessions of this pass (applying or checking) end.
     */
    private void restart(boolean apply) {
        List<PageDecoder> sessions = apply ? active : checking;
        sessions.forEach(PageDecoder::close);
        sessions.clear();
        codecIds.clear();
        remoteAnnounced = false;
        remoteComplete = false;
    }

    @Override
    public int oldestVersion() {
        return RamRecord.OLDEST_VERSION;
    }

    private void requireRemote(String what) throws IOException {
        if (!remoteAnnounced) {
            throw new IOException("ram: " + what + " in a stream that did not announce one-sided RAM");
        }
    }

    private void receiveCodecs(DataInput in, boolean apply) throws IOException {
        if (!codecIds.isEmpty()) {
            throw new IOException("ram: the stream names its page codecs twice");
        }
        int n = in.readUnsignedByte();
        if (n < 1 || n > RamRecord.MAX_CODECS) {
            throw new IOException("ram: the stream names " + n + " page codecs, not 1.." + RamRecord.MAX_CODECS);
        }
        for (int i = 0; i < n; i++) {
            String id = in.readUTF();
            if (codecIds.contains(id)) {
                throw new IOException("ram: the stream names page codec '" + id + "' twice");
            }
            PageDecoder d = decoders.apply(id).orElseThrow(() -> new IOException("ram: the stream uses page codec '"
                    + id + "', which no installed plugin provides"));
            codecIds.add(id);
            (apply ? active : checking).add(d);
        }
    }

    /**
     * Checks an encoded page: reads it and decodes it into scratch memory against the page as RAM
     * holds it now, which is what the apply pass will decode it against — unless an earlier
     * record of this pass wrote the page, which a checked stream therefore must not do.
     */
    private void checkEncoded(DataInput in, long gpa, RamRegion r) throws IOException {
        int pfn = Math.toIntExact(gpa / PAGE);
        int index = readEncoded(in, gpa);
        if (checkedPages.get(pfn)) {
            throw new IOException("ram: " + codecIds.get(index) + " page 0x" + Long.toHexString(gpa) + " is encoded"
                    + " against its current copy, but an earlier record of this stream wrote that page (a checked"
                    + " stream carries each page once)");
        }
        checkedPages.set(pfn);
        if (index < checking.size()) {
            decodeInto(checking.get(index), index, gpa, r);
        }
    }

    private void decode(DataInput in, long gpa, RamRegion r, boolean apply) throws IOException {
        int index = readEncoded(in, gpa);
        if (!apply) {
            return;
        }
        decodeInto(active.get(index), index, gpa, r);
        noteWritten(gpa, PAGE);
        MemorySegment.copy(page, 0, r.segment(), ValueLayout.JAVA_BYTE, gpa - r.base(), PAGE);
    }

    private void noteWritten(long gpa, long len) {
        if (writtenLog != null) {
            writtenLog.noteWritten(gpa, len);
        }
    }

    /** Reads an encoded record's codec index and bytes (into {@link #codecBytes}); returns the index. */
    private int readEncoded(DataInput in, long gpa) throws IOException {
        int index = in.readUnsignedByte();
        if (index >= codecIds.size()) {
            throw new IOException("ram: page 0x" + Long.toHexString(gpa) + " is encoded with codec #" + index
                    + ", but the stream named " + codecIds.size() + " codecs");
        }
        String id = codecIds.get(index);
        int len = in.readUnsignedShort();
        if (len < 1 || len > PAGE) {
            throw new IOException("ram: " + id + " page 0x" + Long.toHexString(gpa) + " has length " + len
                    + ", not 1.." + PAGE);
        }
        in.readFully(codecBytes, 0, len);
        codecLength = len;
        return index;
    }

    /** Decodes the record just read into {@link #page}, which starts as the page RAM holds at {@code gpa}. */
    private void decodeInto(PageDecoder decoder, int index, long gpa, RamRegion r) throws IOException {
        MemorySegment.copy(r.segment(), ValueLayout.JAVA_BYTE, gpa - r.base(), page, 0, PAGE);
        try {
            decoder.decode(gpa, ByteBuffer.wrap(codecBytes, 0, codecLength), MemorySegment.ofArray(page));
        } catch (CodecException | RuntimeException e) {
            throw new IOException("ram: " + codecIds.get(index) + " page 0x" + Long.toHexString(gpa) + ": "
                    + e.getMessage(), e);
        }
    }

    /** Copies a run the sender wrote one-sided (and flushed before this record) into guest RAM. */
    private void receiveRun(DataInput in, long word, long gpa, boolean apply) throws IOException {
        requireRemote(String.format("one-sided run 0x%016x", word));
        long pages = Integer.toUnsignedLong(in.readInt());
        RamRegion r = regionAt(gpa);
        if (pages < 1 || pages > RemoteRam.RUN_PAGES || r == null
                || gpa - r.base() + pages * PAGE > r.length()) {
            throw new IOException(String.format("ram: one-sided run of %d pages at 0x%x does not lie within one"
                    + " writable region (1..%d pages)", pages, gpa, RemoteRam.RUN_PAGES));
        }
        if (apply) {
            noteWritten(gpa, pages * PAGE);
            MemorySegment.copy(exposed.get(writable.indexOf(r)), gpa - r.base(), r.segment(), gpa - r.base(),
                    pages * PAGE);
        }
    }

    /** Makes every writable page zero, writing only the stretches that are not zero already. */
    private static void clear(List<RamRegion> writable) {
        for (RamRegion r : writable) {
            MemorySegment s = r.segment();
            for (long off = 0; off < r.length(); off += CLEAR_CHUNK) {
                long len = Math.min(CLEAR_CHUNK, r.length() - off);
                if (MemorySegment.mismatch(s, off, off + len, ZEROS, 0, len) >= 0) {
                    s.asSlice(off, len).fill((byte) 0);
                }
            }
        }
    }

    private RamRegion regionAt(long gpa) {
        for (RamRegion r : writable) {
            if (r.contains(gpa)) {
                return r;
            }
        }
        return null;
    }

    private RamRegion requireWritable(long gpa, long word) throws IOException {
        RamRegion r = regionAt(gpa);
        if (r == null) {
            throw new IOException(String.format("ram: record 0x%016x names page 0x%x, outside this machine's"
                    + " writable RAM", word, gpa));
        }
        return r;
    }

    /** Ends the decoder sessions. */
    public void close() {
        active.forEach(PageDecoder::close);
        checking.forEach(PageDecoder::close);
    }

}
