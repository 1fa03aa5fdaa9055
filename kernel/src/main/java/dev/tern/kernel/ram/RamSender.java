package dev.tern.kernel.ram;

import dev.tern.kernel.memory.DirtyLog;
import dev.tern.kernel.memory.GuestRam;
import dev.tern.kernel.state.PartOutput;
import dev.tern.kernel.state.RamLayout;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.memory.RamRegion;
import dev.tern.spi.state.LiveSection;

import java.io.DataOutput;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.List;

import static dev.tern.kernel.ram.RamRecord.PAGE;

/**
 * The sending side of the RAM page stream ({@link RamRecord}): one code path for a snapshot (one
 * pass over every page), the rounds of a live migration and the dirty rounds of a checkpoint.
 *
 * <p>{@link #setup} starts the first pass over every writable page; {@link #beginRound} starts a
 * later round over a set of dirty pages. The first pass skips zero pages (the receiver made its RAM
 * zero on the layout record), scanning stretches of them at memory speed; later rounds send a page
 * that became zero as a {@link RamRecord#ZERO} record. Delta codecs encode only after the first
 * pass, as in QEMU; a {@link #primed} sender (live migration) also offers them every page of its
 * first pass, so their caches hold the pages sent then and the next round can send deltas instead
 * of a second raw copy of the working set. When a codec is in use each page is copied once before
 * it is looked at, and that copy is what is encoded, sent and cached: the guest writing the page
 * meanwhile cannot make the receiver's copy differ from a delta codec's cache — the write dirtied
 * the page again.
 *
 * <p>Over a {@link RemoteRam} pages do not travel in the stream: they are written one-sided into the
 * receiver's exposed regions and a part lists each run written ({@link RamRecord#REMOTE_RUN}); the
 * last part of every round carries {@link RamRecord#REMOTE_SYNC} and the final part
 * {@link RamRecord#REMOTE_DONE}.
 *
 * <p>With multifd ({@link #multifd}) pages do not travel in this stream either: the setup part
 * carries only {@link RamRecord#MULTIFD} and every round is handed to the {@link PageChannels},
 * whose channel senders ({@link #channel}) each send their share of it in a stream of their own.
 */
public final class RamSender implements LiveSection {

    /** Pages checked for zeros in one scan: a zero stretch this long costs one mismatch call. */
    private static final int ZERO_SCAN_PAGES = 64;
    private static final MemorySegment ZEROS = MemorySegment.ofArray(new byte[ZERO_SCAN_PAGES * PAGE]);

    private final List<RamRegion> writable;
    /** Says which pages were ever written (the first pass reads only those); null: read them all. */
    private final DirtyLog writtenLog;
    private final long pageCount;
    private final PageCodecs codecs;
    private final RemoteRam remote;
    private final boolean copyFirst;
    /** Whether the first pass fills the delta codecs' caches (it never sends a delta: they are empty then). */
    private final boolean primeDeltas;
    private final byte[] snapshot = new byte[PAGE];
    private final MemorySegment snapshotSegment = MemorySegment.ofArray(snapshot);
    private final ByteBuffer encoded = ByteBuffer.allocate(PAGE);
    private final RamCounters counters;
    private final PageChannels channels;
    private final int shareIndex;
    private final int shareCount;
    private PageSet round;
    private long cursor;
    private boolean firstPass;
    private boolean roundOpen;
    private long remotePagesWritten;
    private volatile long remaining;
    private volatile long roundTotal;
    /** Pages of this sender's first pass never written, so zero without a look. */
    private long unreadZeros;

    private RamSender(GuestMemory memory, PageCodecs codecs, RemoteRam remote) {
        this(memory, codecs, remote, new RamCounters(), null, 0, 1, false);
    }

    private RamSender(GuestMemory memory, PageCodecs codecs, RemoteRam remote, RamCounters counters,
            PageChannels channels, int shareIndex, int shareCount, boolean primeDeltas) {
        this.writable = RamLayout.writable(memory);
        // One-sided RAM writes every page it sends itself, so it must be given them all.
        this.writtenLog = remote == null && memory instanceof GuestRam ram ? ram.dirtyLog() : null;
        this.pageCount = writable.stream().mapToLong(r -> r.base() + r.length()).max().orElse(0) / PAGE;
        this.codecs = codecs;
        this.remote = remote;
        this.copyFirst = !codecs.isEmpty();
        this.primeDeltas = primeDeltas;
        this.counters = counters;
        this.channels = channels;
        this.shareIndex = shareIndex;
        this.shareCount = shareCount;
    }

    /** A sender of raw pages (snapshots). */
    public static RamSender of(GuestMemory memory) {
        return new RamSender(memory, PageCodecs.NONE, null);
    }

    /** A sender that encodes pages with {@code codecs}; it closes them. */
    public static RamSender of(GuestMemory memory, PageCodecs codecs) {
        return new RamSender(memory, codecs, null);
    }

    /**
     * A sender that encodes pages with {@code codecs} (it closes them) and whose first pass also fills
     * the delta codecs' caches with the pages it sends. For a live migration, whose working set is
     * dirtied again after the first pass: without this the round after it sends every such page raw
     * a second time, only to fill the caches. It costs one page copy into a cache per page the first
     * pass sends; a checkpoint stream, which keeps its caches across checkpoints, has no use for it.
     */
    public static RamSender primed(GuestMemory memory, PageCodecs codecs) {
        return new RamSender(memory, codecs, null, new RamCounters(), null, 0, 1, true);
    }

    /**
     * The sender of multifd channel {@code index} of {@code count}: it sends only that channel's
     * share of each round ({@link PageSet#share}), encodes with its own {@code codecs} (and closes
     * them) and counts into the shared {@code counters}. Its first pass fills its delta codecs'
     * caches, as a {@link #primed} sender's does.
     */
    public static RamSender channel(GuestMemory memory, PageCodecs codecs, RamCounters counters, int index, int count) {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("channel " + index + " of " + count);
        }
        return new RamSender(memory, codecs, null, counters, null, index, count, true);
    }

    /** The main stream's sender when pages go over multifd {@code channels} (it closes them). */
    public static RamSender multifd(GuestMemory memory, PageChannels channels) {
        channels.counters().parallelism(channels.count());
        return new RamSender(memory, PageCodecs.NONE, null, channels.counters(), channels, 0, 1, false);
    }

    /** A sender that writes pages one-sided through {@code remote} (codecs have no use there). */
    public static RamSender remote(GuestMemory memory, RemoteRam remote) {
        return new RamSender(memory, PageCodecs.NONE, remote);
    }

    @Override
    public String name() {
        return "ram";
    }

    @Override
    public int version() {
        return RamRecord.VERSION;
    }

    /** The writable regions, in the order the stream and one-sided RAM use. */
    public List<RamRegion> writable() {
        return writable;
    }

    /** Whether pages go one-sided into the receiver's exposed memory rather than in the stream. */
    public boolean oneSided() {
        return remote != null;
    }

    /** Page frames the dirty sets of this RAM range over. */
    public long pageCount() {
        return pageCount;
    }

    /** What was sent so far. */
    public RamCounters counters() {
        return counters;
    }

    /** The codecs of this stream. */
    public PageCodecs codecs() {
        return codecs;
    }

    /** Each codec's counters by id (with multifd: summed over the channels). */
    public java.util.Map<String, java.util.Map<String, Long>> codecStats() {
        return channels != null ? channels.codecStats() : codecs.stats();
    }

    /** Bytes that did not go into this stream: page bytes written one-sided, or multifd channel bytes. */
    public long offStreamBytes() {
        return channels != null ? channels.wireBytes() : counters.remoteBytes();
    }

    /** Bytes sent on the multifd channels (0 without multifd). */
    public long multifdBytes() {
        return channels != null ? channels.wireBytes() : 0;
    }

    /** Writes the layout (and codecs) and starts the first pass over every page. */
    @Override
    public void setup(DataOutput out) throws IOException {
        if (channels != null) {
            out.writeLong(RamRecord.MULTIFD);
            out.writeLong(RamRecord.END_OF_PART);
            startFirstPass();
            channels.setup();
            return;
        }
        out.writeLong(RamRecord.LAYOUT);
        RamLayout.write(out, writable);
        codecs.writeTable(out);
        if (remote != null) {
            out.writeLong(RamRecord.REMOTE);
        }
        out.writeLong(RamRecord.END_OF_PART);
        startFirstPass();
    }

    /**
     * The first pass: every writable page that may hold data. Pages never written since the RAM was
     * allocated ({@link DirtyLog#written()}; taken after the setup's sync, so no earlier write is
     * missed and every later one reaches the dirty log) are zero: they are counted as zero pages
     * without being read.
     */
    private PageSet writablePages() {
        PageSet all = new PageSet(pageCount);
        for (RamRegion r : writable) {
            all.addRange(r.base() >>> GuestMemory.PAGE_SHIFT, (r.base() + r.length()) >>> GuestMemory.PAGE_SHIFT);
        }
        if (writtenLog != null) {
            long before = pagesOfMine(all);
            all.retainAll(writtenLog.written());
            unreadZeros = before - pagesOfMine(all);
            if (channels == null) { // multifd: each channel counts its own share
                counters.zero(unreadZeros, 0);
            }
        }
        return all;
    }

    /** Starts the first pass; the pages it knows zero unread count as done from the start. */
    private void startFirstPass() {
        firstPass = true;
        startRound(writablePages());
        roundTotal += unreadZeros;
    }

    /** How many of {@code pages} this sender sends (a multifd channel: its share). */
    private long pagesOfMine(PageSet pages) {
        return shareCount > 1 ? pages.share(shareIndex, shareCount).count() : pages.count();
    }

    /** Starts a round over {@code pages} (after the first pass); the previous round must be complete. */
    public void beginRound(PageSet pages) {
        endRound();
        firstPass = false;
        if (channels != null) {
            channels.beginRound(pages);
        }
        startRound(pages);
    }

    private void startRound(PageSet pages) {
        round = shareCount > 1 ? pages.share(shareIndex, shareCount) : pages;
        cursor = 0;
        remaining = round.count();
        roundTotal = remaining;
        roundOpen = true;
        counters.roundStarted();
    }

    /**
     * Ends the round that was sent: measures its wire bytes per page ({@link RamCounters#bytesPerPage()}).
     * The first pass's zero pages are RAM the guest never touched, not what it dirties, so they are
     * left out of its measure (else they would make the first estimate far too optimistic).
     */
    public void endRound() {
        if (roundOpen) {
            roundOpen = false;
            if (channels != null) {
                channels.endRound();
            }
            counters.roundEnded(firstPass);
        }
    }

    /**
     * Post-copy: takes the pages of the current round not sent yet out of it, so that the round is
     * complete and they can go after the switch-over. Not with multifd channels.
     */
    public PageSet takeRemaining() {
        if (channels != null) {
            throw new IllegalStateException("ram: multifd rounds cannot be handed over to post-copy");
        }
        PageSet left = new PageSet(pageCount);
        if (round != null) {
            for (long p = round.next(cursor); p >= 0; p = round.next(p + 1)) {
                left.addRange(p, p + 1);
            }
        }
        round = null;
        remaining = 0;
        return left;
    }

    /** Pages of the current round, sent or not. */
    public long roundPages() {
        return roundTotal;
    }

    /** Pages of the current round not sent yet. */
    public long remainingPages() {
        return channels != null ? channels.remainingPages() : remaining;
    }

    @Override
    public long pendingBytes() {
        return (long) (remainingPages() * counters.bytesPerPage());
    }

    @Override
    public boolean iterate(DataOutput out, long maxBytes) throws IOException {
        if (channels != null) {
            boolean done = channels.sendPart(maxBytes);
            out.writeLong(RamRecord.END_OF_PART);
            return done;
        }
        boolean done = sendPages(out, maxBytes);
        if (done && remote != null) {
            out.writeLong(RamRecord.REMOTE_SYNC);
        }
        out.writeLong(RamRecord.END_OF_PART);
        return done;
    }

    /** Sends the whole round, then (one-sided) the barrier that says the receiver's copy is final. */
    @Override
    public void complete(DataOutput out) throws IOException {
        if (channels != null) {
            channels.complete();
            out.writeLong(RamRecord.END_OF_PART);
            return;
        }
        sendPages(out, Long.MAX_VALUE);
        if (remote != null) {
            out.writeLong(RamRecord.REMOTE_DONE);
            out.writeLong(remotePagesWritten);
        }
        out.writeLong(RamRecord.END_OF_PART);
    }

    /** The sending side has nothing to receive. */
    @Override
    public void receive(java.io.DataInput in) throws IOException {
        throw new IOException("ram: a sending stream does not receive (use RamReceiver)");
    }

    private boolean sendPages(DataOutput out, long maxBytes) throws IOException {
        long t0 = System.nanoTime();
        try {
            return sendRound(out, maxBytes);
        } finally {
            counters.busy(System.nanoTime() - t0);
        }
    }

    private boolean sendRound(DataOutput out, long maxBytes) throws IOException {
        long sent = 0;
        while (sent < maxBytes && round != null) {
            long pfn = round.next(cursor);
            if (pfn < 0) {
                round = null;
                break;
            }
            int index = regionIndex(pfn << GuestMemory.PAGE_SHIFT);
            if (index < 0) {
                cursor = pfn + 1; // ROM comes from the configuration; holes hold nothing
                remaining--;
                continue;
            }
            sent += remote != null ? sendRun(out, pfn, index) : sendPages(out, pfn, writable.get(index));
        }
        if (remote != null) {
            remote.flush(); // the stream bytes that follow must find the pages in place
        }
        return round == null || round.next(cursor) < 0;
    }

    /** Sends the page at {@code pfn}, or in the first pass skips the stretch of zero pages there. */
    private long sendPages(DataOutput out, long pfn, RamRegion r) throws IOException {
        long offset = (pfn << GuestMemory.PAGE_SHIFT) - r.base();
        if (firstPass) {
            long stretch = Math.min(round.runFrom(pfn, ZERO_SCAN_PAGES), (r.length() - offset) / PAGE);
            long zeros = zeroPagesAt(r.segment(), offset, stretch);
            if (zeros > 0) {
                cursor = pfn + zeros;
                remaining -= zeros;
                counters.zero(zeros, 0);
                return 0;
            }
        }
        cursor = pfn + 1;
        remaining--;
        return sendPage(out, pfn << GuestMemory.PAGE_SHIFT, r.segment(), offset);
    }

    /** How many pages from {@code offset} on (at most {@code pages}) hold only zeros. */
    private static long zeroPagesAt(MemorySegment s, long offset, long pages) {
        long len = pages * PAGE;
        long at = MemorySegment.mismatch(s, offset, offset + len, ZEROS, 0, len);
        return at < 0 ? pages : at / PAGE;
    }

    private int sendPage(DataOutput out, long gpa, MemorySegment region, long offset) throws IOException {
        MemorySegment page = region;
        long at = offset;
        if (copyFirst) {
            MemorySegment.copy(region, ValueLayout.JAVA_BYTE, offset, snapshot, 0, PAGE);
            page = snapshotSegment;
            at = 0;
        }
        if (!firstPass || primeDeltas) {
            // In a primed first pass the caches are empty: each page misses, is cached, goes on raw.
            int n = encodeDelta(out, gpa);
            if (n >= 0) {
                return n;
            }
        }
        if (zeroPagesAt(page, at, 1) == 1) {
            if (firstPass) {
                counters.zero(1, 0);
                return 0;
            }
            out.writeLong(gpa | RamRecord.ZERO);
            counters.zero(1, 8);
            return 8;
        }
        int n = encodeStandalone(out, gpa);
        if (n >= 0) {
            return n;
        }
        out.writeLong(gpa | RamRecord.NORMAL);
        if (page == snapshotSegment) {
            out.write(snapshot);
        } else if (out instanceof PartOutput part) {
            part.writeSegment(page, at, PAGE);
        } else {
            MemorySegment.copy(page, ValueLayout.JAVA_BYTE, at, snapshot, 0, PAGE);
            out.write(snapshot);
        }
        counters.normal(8 + PAGE);
        return 8 + PAGE;
    }

    /** Tries the delta codecs; -1 when none could help. */
    private int encodeDelta(DataOutput out, long gpa) throws IOException {
        List<PageCodecs.Codec> list = codecs.list();
        for (int i = 0; i < list.size() && list.get(i).delta(); i++) {
            encoded.clear();
            int n = list.get(i).encoder().encode(gpa, snapshotSegment, encoded);
            if (n == 0) {
                counters.unchanged();
                return 0;
            }
            if (n > 0) {
                return coded(out, gpa, i, n);
            }
        }
        return -1;
    }

    /** Tries the standalone codecs; -1 when none could help. */
    private int encodeStandalone(DataOutput out, long gpa) throws IOException {
        List<PageCodecs.Codec> list = codecs.list();
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).delta()) {
                continue;
            }
            encoded.clear();
            int n = list.get(i).encoder().encode(gpa, snapshotSegment, encoded);
            if (n > 0) {
                return coded(out, gpa, i, n);
            }
        }
        return -1;
    }

    private int coded(DataOutput out, long gpa, int index, int n) throws IOException {
        out.writeLong(gpa | RamRecord.ENCODED);
        out.writeByte(index);
        out.writeShort(n);
        out.write(encoded.array(), 0, n);
        int bytes = 8 + 1 + 2 + n;
        counters.encoded(codecs.list().get(index).id(), bytes);
        return bytes;
    }

    /**
     * Writes the run of round pages from {@code pfn} within region {@code index}, at most one chunk,
     * one-sided; zero pages go along (the transport skips what the receiver still holds as zeros).
     */
    private long sendRun(DataOutput out, long pfn, int index) throws IOException {
        RamRegion r = writable.get(index);
        long gpa = pfn << GuestMemory.PAGE_SHIFT;
        long offset = gpa - r.base();
        long n = Math.min(round.runFrom(pfn, RemoteRam.RUN_PAGES), (r.length() - offset) / PAGE);
        cursor = pfn + n;
        remaining -= n;
        MemorySegment run = r.segment().asSlice(offset, n * PAGE);
        long zeros = 0;
        for (long i = 0; i < n; i++) {
            zeros += zeroPagesAt(run, i * PAGE, 1);
        }
        remote.write(index, offset, run);
        out.writeLong(gpa | RamRecord.REMOTE_RUN);
        out.writeInt((int) n);
        remotePagesWritten += n;
        long bytes = (n - zeros) * PAGE;
        counters.zero(zeros, 0);
        counters.remote(n - zeros, bytes);
        return bytes;
    }

    private int regionIndex(long gpa) {
        for (int i = 0; i < writable.size(); i++) {
            if (writable.get(i).contains(gpa)) {
                return i;
            }
        }
        return -1;
    }

    /** Ends the codec sessions. */
    public void close() {
        codecs.close();
        if (channels != null) {
            channels.close();
        }
    }
}
