package dev.tern.kernel.migration;

import dev.tern.kernel.state.RamLayout;
import dev.tern.spi.codec.CodecException;
import dev.tern.spi.codec.PageDecoder;
import dev.tern.spi.codec.PageEncoder;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.memory.RamRegion;
import dev.tern.spi.state.LiveSection;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Guest RAM as the {@code "ram"} live section of a migration: each round sends the pages of a
 * dirty set ({@link #beginRound}), one record per page, {@code address | flag} in 8 big-endian
 * bytes followed by the page's bytes in the flag's encoding:
 * <ul>
 *   <li>{@link #ZERO}: nothing follows; the page is all zeros;</li>
 *   <li>{@link #NORMAL}: the 4096 page bytes;</li>
 *   <li>{@link #XBZRLE}, {@link #LZ4}: a 16-bit length (1..4096) and that many codec bytes; XBZRLE
 *       is a delta against the page the destination already holds.</li>
 * </ul>
 * A part ends with {@link #END_OF_PART}. The setup part carries {@link #LAYOUT}: the writable
 * regions (which must equal the destination's) and the names of the codecs the stream uses.
 *
 * <p>Every page is copied once before it is looked at, and that copy is what is encoded, sent and
 * (for XBZRLE) cached: the guest writing the page meanwhile cannot make the destination's copy
 * differ from the sender's cache — the write dirtied the page again for the next round.
 * As in QEMU, XBZRLE is used only after the first (bulk) round.
 *
 * <p>Over a {@link RemoteRam} the pages do not travel in the stream at all: the setup part carries
 * {@link #REMOTE} (the pages go one-sided into the destination's exposed regions); a part lists
 * each run of pages it wrote as {@link #REMOTE_RUN} ({@code address | flag}, u32 page count), and
 * its bytes reach the wire only after the transport's flush, so the destination finds the pages
 * in place and copies the run into guest RAM as the record arrives. The final part carries
 * {@link #REMOTE_DONE} and the number of pages written, the barrier after which RAM is complete.
 * The last part of every live round carries {@link #REMOTE_SYNC}: the destination answers once it
 * has copied everything announced so far, and the source waits for that before its next round, so
 * it can never run rounds ahead of the destination's copying (which would pile up at switch-over).
 */
final class MigratingRam implements LiveSection {

    static final int LAYOUT = 0x1;
    static final int ZERO = 0x2;
    static final int NORMAL = 0x4;
    static final int END_OF_PART = 0x8;
    static final int XBZRLE = 0x10;
    static final int LZ4 = 0x20;
    static final int REMOTE = 0x40;
    static final int REMOTE_DONE = 0x80;
    static final int REMOTE_RUN = 0x100;
    static final int REMOTE_SYNC = 0x200;

    private static final int PAGE = GuestMemory.PAGE_SIZE;
    private static final long FLAG_MASK = PAGE - 1;
    private static final int MAX_CODECS = 8;

    private final GuestMemory memory;
    private final List<RamRegion> writable;
    private final PageEncoder xbzrle;
    private final PageEncoder lz4;
    private final Function<String, Optional<PageDecoder>> decoders;
    private final Map<Integer, PageDecoder> activeDecoders = new HashMap<>();
    private final RemoteRam remote;
    private final List<MemorySegment> exposed;
    private RemoteSyncAnswer syncAnswer = () -> { };
    private final boolean remoteReceivable;
    private boolean remoteAnnounced;
    private boolean remoteComplete;
    private long remotePagesWritten;
    private volatile long remoteBytes;
    private final byte[] snapshot = new byte[PAGE];
    private final MemorySegment snapshotSegment = MemorySegment.ofArray(snapshot);
    private final ByteBuffer encoded = ByteBuffer.allocate(PAGE);
    private PageSet round;
    private long cursor;
    private boolean bulkDone;
    private long roundPages;
    private long roundBytes;
    private long roundZeroPages;
    private volatile long zeroPages;
    private volatile long normalPages;
    private volatile long xbzrlePages;
    private volatile long lz4Pages;
    private volatile long unchangedPages;
    private volatile long remaining;
    private volatile double bytesPerPage = 8 + PAGE;

    /** The sending side; {@code xbzrle} and {@code lz4} may be null when not enabled. */
    static MigratingRam sender(GuestMemory memory, PageEncoder xbzrle, PageEncoder lz4) {
        return new MigratingRam(memory, xbzrle, lz4, name -> Optional.empty(), null, List.of());
    }

    /** The sending side writing pages one-sided through {@code remote} (codecs have no use there). */
    static MigratingRam remoteSender(GuestMemory memory, RemoteRam remote) {
        return new MigratingRam(memory, null, null, name -> Optional.empty(), remote, List.of());
    }

    /**
     * The receiving side; {@code decoders} supplies a decoder session by codec id, and
     * {@code exposed} the regions this end exposed for one-sided RAM, one per writable region in
     * order (empty when the connection cannot carry it).
     */
    static MigratingRam receiver(GuestMemory memory, Function<String, Optional<PageDecoder>> decoders,
            List<MemorySegment> exposed) {
        return new MigratingRam(memory, null, null, decoders, null, exposed);
    }

    private MigratingRam(GuestMemory memory, PageEncoder xbzrle, PageEncoder lz4,
            Function<String, Optional<PageDecoder>> decoders, RemoteRam remote, List<MemorySegment> exposed) {
        this.memory = memory;
        this.writable = RamLayout.writable(memory);
        this.xbzrle = xbzrle;
        this.lz4 = lz4;
        this.decoders = decoders;
        this.remote = remote;
        this.exposed = List.copyOf(exposed);
        this.remoteReceivable = !exposed.isEmpty();
        if (remoteReceivable && exposed.size() != writable.size()) {
            throw new IllegalArgumentException(exposed.size() + " exposed regions for " + writable.size()
                    + " writable ones");
        }
    }

    /** What the receiving side does on {@link #REMOTE_SYNC}: tell the source everything so far is applied. */
    interface RemoteSyncAnswer {
        void applied() throws IOException;
    }

    /** Sets the receiving side's answer to a {@link #REMOTE_SYNC}. */
    void onRemoteSync(RemoteSyncAnswer answer) {
        syncAnswer = answer;
    }

    /** The writable regions, in the order the stream and the exposed regions use. */
    List<RamRegion> writable() {
        return writable;
    }

    /** Whether the source announced one-sided RAM (receiving side). */
    boolean remoteAnnounced() {
        return remoteAnnounced;
    }

    /** Whether the source's final barrier for one-sided RAM arrived (receiving side). */
    boolean remoteComplete() {
        return remoteComplete;
    }

    /** Page bytes written one-sided so far (sending side); zero pages are not counted. */
    long remoteBytes() {
        return remoteBytes;
    }

    @Override
    public String name() {
        return "ram";
    }

    /** Starts sending {@code pages}; the previous round must be complete. */
    void beginRound(PageSet pages) {
        round = pages;
        cursor = 0;
        roundPages = 0;
        roundBytes = 0;
        roundZeroPages = 0;
        remaining = pages.count();
    }

    /** Pages of the current round not sent yet. */
    long remainingPages() {
        return remaining;
    }

    /** Wire bytes per page over the last round with pages (starts at a raw page). */
    double bytesPerPage() {
        return bytesPerPage;
    }

    /**
     * Ends a round: measures its wire bytes per page, and after the bulk round lets XBZRLE start.
     * The bulk round's zero pages are RAM the guest never touched, not what it dirties, so they
     * are left out of its measure (else they would make the first estimate far too optimistic).
     */
    void endRound() {
        long pages = roundPages;
        long bytes = roundBytes;
        if (!bulkDone && pages > roundZeroPages) {
            pages -= roundZeroPages;
            bytes -= (remote == null ? 8 : 0) * roundZeroPages;
        }
        if (pages > 0) {
            bytesPerPage = (double) bytes / pages;
        }
        bulkDone = true;
    }

    long zeroPages() {
        return zeroPages;
    }

    long normalPages() {
        return normalPages;
    }

    long xbzrlePages() {
        return xbzrlePages;
    }

    long lz4Pages() {
        return lz4Pages;
    }

    /** Pages XBZRLE found unchanged since they were last sent, so nothing was sent. */
    long unchangedPages() {
        return unchangedPages;
    }

    @Override
    public void setup(DataOutput out) throws IOException {
        out.writeLong(LAYOUT);
        RamLayout.write(out, writable);
        List<String> codecs = new ArrayList<>();
        if (xbzrle != null) {
            codecs.add("xbzrle");
        }
        if (lz4 != null) {
            codecs.add("lz4");
        }
        out.writeByte(codecs.size());
        for (String c : codecs) {
            out.writeUTF(c);
        }
        if (remote != null) {
            out.writeLong(REMOTE);
        }
        out.writeLong(END_OF_PART);
    }

    @Override
    public long pendingBytes() {
        return (long) (remaining * bytesPerPage);
    }

    @Override
    public boolean iterate(DataOutput out, long maxBytes) throws IOException {
        boolean done = sendPages(out, maxBytes);
        if (done && remote != null) {
            out.writeLong(REMOTE_SYNC);
        }
        out.writeLong(END_OF_PART);
        return done;
    }

    /** Sends the whole round, then (one-sided) the barrier that says the destination's copy is final. */
    @Override
    public void complete(DataOutput out) throws IOException {
        sendPages(out, Long.MAX_VALUE);
        if (remote != null) {
            out.writeLong(REMOTE_DONE);
            out.writeLong(remotePagesWritten);
        }
        out.writeLong(END_OF_PART);
    }

    private boolean sendPages(DataOutput out, long maxBytes) throws IOException {
        long sent = 0;
        while (sent < maxBytes && round != null) {
            long pfn = round.next(cursor);
            if (pfn < 0) {
                round = null;
                break;
            }
            if (remote != null) {
                sent += sendRun(out, pfn);
            } else {
                cursor = pfn + 1;
                sent += sendPage(out, pfn);
            }
        }
        if (remote != null) {
            remote.flush(); // the stream bytes that follow must find the pages in place
        }
        return round == null || round.next(cursor) < 0;
    }

    /**
     * Writes the run of round pages from {@code pfn} that lie in one region, at most one chunk,
     * one-sided; zero pages go along (the transport skips what the destination still holds as zeros).
     */
    private long sendRun(DataOutput out, long pfn) throws IOException {
        long gpa = pfn << GuestMemory.PAGE_SHIFT;
        RamRegion r = writableAt(gpa);
        if (r == null) {
            cursor = pfn + 1;
            remaining--;
            return 0;
        }
        long lastPfn = (r.base() + r.length() >>> GuestMemory.PAGE_SHIFT) - 1;
        long n = 1;
        while (n < RemoteRam.RUN_PAGES && pfn + n <= lastPfn && round.next(pfn + n) == pfn + n) {
            n++;
        }
        cursor = pfn + n;
        remaining -= n;
        long offset = gpa - r.base();
        MemorySegment run = r.segment().asSlice(offset, n * PAGE);
        long bytes = 0;
        for (long i = 0; i < n; i++) {
            if (isZero(run, i * PAGE)) {
                zeroPages++;
                roundZeroPages++;
            } else {
                normalPages++;
                bytes += PAGE;
            }
        }
        remote.write(writable.indexOf(r), offset, run);
        out.writeLong(gpa | REMOTE_RUN);
        out.writeInt((int) n);
        remotePagesWritten += n;
        remoteBytes += bytes;
        roundPages += n;
        roundBytes += bytes;
        return bytes;
    }

    private int sendPage(DataOutput out, long pfn) throws IOException {
        remaining--;
        long gpa = pfn << GuestMemory.PAGE_SHIFT;
        RamRegion r = writableAt(gpa);
        if (r == null) {
            return 0; // ROM comes from the configuration; holes hold nothing
        }
        MemorySegment.copy(r.segment(), ValueLayout.JAVA_BYTE, gpa - r.base(), snapshot, 0, PAGE);
        int bytes = encodePage(out, gpa);
        roundPages++;
        roundBytes += bytes;
        return bytes;
    }

    private int encodePage(DataOutput out, long gpa) throws IOException {
        if (xbzrle != null && bulkDone) {
            encoded.clear();
            int n = xbzrle.encode(gpa, snapshotSegment, encoded);
            if (n == 0) {
                unchangedPages++;
                return 0;
            }
            if (n > 0) {
                xbzrlePages++;
                return coded(out, gpa, XBZRLE, n);
            }
        }
        if (isZero()) {
            out.writeLong(gpa | ZERO);
            zeroPages++;
            roundZeroPages++;
            return 8;
        }
        if (lz4 != null) {
            encoded.clear();
            int n = lz4.encode(gpa, snapshotSegment, encoded);
            if (n > 0) {
                lz4Pages++;
                return coded(out, gpa, LZ4, n);
            }
        }
        out.writeLong(gpa | NORMAL);
        out.write(snapshot);
        normalPages++;
        return 8 + PAGE;
    }

    private int coded(DataOutput out, long gpa, int flag, int n) throws IOException {
        out.writeLong(gpa | flag);
        out.writeShort(n);
        out.write(encoded.array(), 0, n);
        return 8 + 2 + n;
    }

    private boolean isZero() {
        return isZero(snapshotSegment, 0);
    }

    private static boolean isZero(MemorySegment s, long at) {
        for (long i = at; i < at + PAGE; i += 8) {
            if (s.get(ValueLayout.JAVA_LONG_UNALIGNED, i) != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void receive(DataInput in) throws IOException {
        byte[] page = new byte[PAGE];
        byte[] codec = new byte[PAGE];
        while (true) {
            long word = in.readLong();
            int flag = (int) (word & FLAG_MASK);
            long gpa = word & ~FLAG_MASK;
            if (word == END_OF_PART) {
                return;
            }
            if (word == LAYOUT) {
                receiveLayout(in);
                continue;
            }
            if (word == REMOTE || word == REMOTE_DONE) {
                receiveRemote(in, word);
                continue;
            }
            if (word == REMOTE_SYNC) {
                if (!remoteAnnounced) {
                    throw new IOException("ram: a one-sided RAM sync in a stream that did not announce one-sided RAM");
                }
                syncAnswer.applied();
                continue;
            }
            if (flag == REMOTE_RUN) {
                receiveRun(in, word, gpa);
                continue;
            }
            if (remoteAnnounced) {
                throw new IOException(String.format("ram: record 0x%016x carries a page in the stream, but the source"
                        + " announced one-sided RAM", word));
            }
            requireWritable(gpa, word);
            switch (flag) {
                case ZERO -> java.util.Arrays.fill(page, (byte) 0);
                case NORMAL -> in.readFully(page);
                case XBZRLE, LZ4 -> decode(in, gpa, flag, page, codec);
                default -> throw new IOException(String.format("ram: record 0x%016x has unknown flags 0x%x", word, flag));
            }
            memory.write(gpa, page, 0, PAGE);
        }
    }

    /** Copies a run the source wrote one-sided (and flushed before this record) into guest RAM. */
    private void receiveRun(DataInput in, long word, long gpa) throws IOException {
        if (!remoteAnnounced) {
            throw new IOException(String.format("ram: one-sided run 0x%016x in a stream that did not announce"
                    + " one-sided RAM", word));
        }
        long pages = Integer.toUnsignedLong(in.readInt());
        RamRegion r = writableAt(gpa);
        if (pages < 1 || pages > RemoteRam.RUN_PAGES || r == null
                || gpa - r.base() + pages * PAGE > r.length()) {
            throw new IOException(String.format("ram: one-sided run of %d pages at 0x%x does not lie within one"
                    + " writable region (1..%d pages)", pages, gpa, RemoteRam.RUN_PAGES));
        }
        MemorySegment.copy(exposed.get(writable.indexOf(r)), gpa - r.base(), r.segment(), gpa - r.base(), pages * PAGE);
    }

    private void receiveRemote(DataInput in, long word) throws IOException {
        if (word == REMOTE) {
            if (!remoteReceivable) {
                throw new IOException("ram: the source writes RAM one-sided, but this connection exposes no memory"
                        + " (use the shm transport on both ends)");
            }
            remoteAnnounced = true;
            return;
        }
        if (!remoteAnnounced) {
            throw new IOException("ram: a one-sided RAM barrier in a stream that did not announce one-sided RAM");
        }
        long pages = in.readLong();
        if (pages < 0) {
            throw new IOException("ram: the one-sided RAM barrier counts " + pages + " pages");
        }
        remoteComplete = true;
    }

    private void decode(DataInput in, long gpa, int flag, byte[] page, byte[] codec) throws IOException {
        PageDecoder decoder = activeDecoders.get(flag);
        String name = flag == XBZRLE ? "xbzrle" : "lz4";
        if (decoder == null) {
            throw new IOException("ram: page 0x" + Long.toHexString(gpa) + " is " + name
                    + "-encoded, but the stream's layout did not announce that codec");
        }
        int len = in.readUnsignedShort();
        if (len < 1 || len > PAGE) {
            throw new IOException("ram: " + name + " page 0x" + Long.toHexString(gpa) + " has length " + len
                    + ", not 1.." + PAGE);
        }
        in.readFully(codec, 0, len);
        memory.read(gpa, page, 0, PAGE);
        try {
            decoder.decode(gpa, ByteBuffer.wrap(codec, 0, len), MemorySegment.ofArray(page));
        } catch (CodecException | RuntimeException e) {
            throw new IOException("ram: " + name + " page 0x" + Long.toHexString(gpa) + ": " + e.getMessage(), e);
        }
    }

    private void receiveLayout(DataInput in) throws IOException {
        RamLayout.check(in, writable);
        int codecs = in.readUnsignedByte();
        if (codecs > MAX_CODECS) {
            throw new IOException("ram: the layout names " + codecs + " codecs, more than " + MAX_CODECS);
        }
        for (int i = 0; i < codecs; i++) {
            String id = in.readUTF();
            int flag = switch (id) {
                case "xbzrle" -> XBZRLE;
                case "lz4" -> LZ4;
                default -> throw new IOException("ram: the stream uses page codec '" + id + "', unknown to this VMM");
            };
            PageDecoder d = decoders.apply(id).orElseThrow(() -> new IOException("ram: the stream uses page codec '"
                    + id + "', which no installed plugin provides"));
            activeDecoders.put(flag, d);
        }
    }

    /** Closes the codec sessions. */
    void close() {
        activeDecoders.values().forEach(PageDecoder::close);
        if (xbzrle != null) {
            xbzrle.close();
        }
        if (lz4 != null) {
            lz4.close();
        }
    }

    private RamRegion writableAt(long gpa) {
        for (RamRegion r : writable) {
            if (r.contains(gpa)) {
                return r;
            }
        }
        return null;
    }

    private void requireWritable(long gpa, long word) throws IOException {
        if (writableAt(gpa) == null) {
            throw new IOException(String.format("ram: record 0x%016x names page 0x%x, outside this machine's writable RAM",
                    word, gpa));
        }
    }
}
