package dev.tern.kernel.state;

import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.memory.RamRegion;
import dev.tern.spi.state.LiveSection;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Guest RAM as the {@code "ram"} live section of a snapshot. Read-only regions (ROM) are not
 * saved: their contents come from the machine configuration.
 *
 * <p>Every part is a sequence of 8-byte big-endian records, {@code address | flag} (addresses are
 * page aligned, so the low 12 bits carry exactly one flag), ending with {@link #END_OF_PART}:
 * <ul>
 *   <li>{@link #LAYOUT} (address 0): the writable regions follow; the receiver checks they equal its
 *       own, then zero-fills them, which is why a full pass never sends all-zero pages at all;</li>
 *   <li>{@link #ZERO}: the page is all zeros, nothing follows (for later rounds, when a page sent
 *       earlier has become zero);</li>
 *   <li>{@link #NORMAL}: 4096 page bytes follow.</li>
 * </ul>
 * One pass walks every writable page in address order; {@link #setup} starts a new pass. The
 * guest must be paused for the pass to be a consistent snapshot (iterative rounds over the dirty
 * log belong to live migration).
 */
public final class RamSection implements LiveSection, LivePartCheck {

    /** The layout record. */
    public static final int LAYOUT = 0x1;
    /** A zero page. */
    public static final int ZERO = 0x2;
    /** A page with contents. */
    public static final int NORMAL = 0x4;
    /** End of the part. */
    public static final int END_OF_PART = 0x8;

    private static final int PAGE = GuestMemory.PAGE_SIZE;
    private static final long FLAG_MASK = PAGE - 1;
    private static final MemorySegment ZERO_PAGE = MemorySegment.ofArray(new byte[PAGE]);

    private final GuestMemory memory;
    private final List<RamRegion> writable;
    private final byte[] page = new byte[PAGE];
    private int region;
    private long cursor;

    /** RAM section over {@code memory}. */
    public RamSection(GuestMemory memory) {
        this.memory = memory;
        this.writable = RamLayout.writable(memory);
        this.region = writable.size();
    }

    @Override
    public String name() {
        return "ram";
    }

    @Override
    public void setup(DataOutput out) throws IOException {
        out.writeLong(LAYOUT);
        RamLayout.write(out, writable);
        out.writeLong(END_OF_PART);
        region = 0;
        cursor = 0;
    }

    /** Bytes of writable RAM one pass walks. */
    public long totalBytes() {
        long total = 0;
        for (RamRegion r : writable) {
            total += r.length();
        }
        return total;
    }

    /** Bytes of RAM this pass has walked so far, zero pages (which it skips) included. */
    public long walkedBytes() {
        long done = 0;
        for (int i = 0; i < Math.min(region, writable.size()); i++) {
            done += writable.get(i).length();
        }
        return region < writable.size() ? done + cursor : done;
    }

    /** An upper bound: every page not yet visited in this pass, if none were zero. */
    @Override
    public long pendingBytes() {
        long pages = 0;
        for (int i = region; i < writable.size(); i++) {
            pages += (writable.get(i).length() - (i == region ? cursor : 0)) / PAGE;
        }
        return pages * (8 + PAGE);
    }

    @Override
    public boolean iterate(DataOutput out, long maxBytes) throws IOException {
        long sent = 0;
        while (region < writable.size() && sent < maxBytes) {
            sent += sendPage(out);
        }
        out.writeLong(END_OF_PART);
        return region >= writable.size();
    }

    @Override
    public void complete(DataOutput out) throws IOException {
        while (region < writable.size()) {
            sendPage(out);
        }
        out.writeLong(END_OF_PART);
    }

    /** Sends the page at the cursor unless it is zero; returns bytes written. */
    private int sendPage(DataOutput out) throws IOException {
        RamRegion r = writable.get(region);
        long off = cursor;
        cursor += PAGE;
        if (cursor >= r.length()) {
            region++;
            cursor = 0;
        }
        MemorySegment seg = r.segment();
        if (MemorySegment.mismatch(seg, off, off + PAGE, ZERO_PAGE, 0, PAGE) == -1) {
            return 0;
        }
        out.writeLong((r.base() + off) | NORMAL);
        if (out instanceof PartOutput part) {
            part.payload().segment(seg, off, PAGE);
        } else {
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, off, page, 0, PAGE);
            out.write(page);
        }
        return 8 + PAGE;
    }

    @Override
    public void receive(DataInput in) throws IOException {
        walk(in, true);
    }

    @Override
    public void check(DataInput in) throws IOException {
        walk(in, false);
    }

    private void walk(DataInput in, boolean apply) throws IOException {
        byte[] buf = apply ? page : new byte[PAGE];
        while (true) {
            long word = in.readLong();
            long flag = word & FLAG_MASK;
            long addr = word & ~FLAG_MASK;
            if (flag == END_OF_PART && addr == 0) {
                return;
            }
            if (flag == LAYOUT && addr == 0) {
                checkLayout(in);
                if (apply) {
                    clear();
                }
            } else if (flag == ZERO || flag == NORMAL) {
                requireWritable(addr);
                if (flag == NORMAL) {
                    in.readFully(buf);
                } else {
                    java.util.Arrays.fill(buf, (byte) 0);
                }
                if (apply) {
                    memory.write(addr, buf, 0, PAGE);
                }
            } else {
                throw new IOException(String.format("ram: record 0x%016x has unknown flags", word));
            }
        }
    }

    private void checkLayout(DataInput in) throws IOException {
        RamLayout.check(in, writable);
    }

    private void requireWritable(long addr) throws IOException {
        for (RamRegion r : writable) {
            if (r.contains(addr)) {
                return;
            }
        }
        throw new IOException(String.format("ram: page 0x%x is outside this machine's writable RAM", addr));
    }

    private void clear() {
        byte[] zeros = new byte[1 << 16];
        for (RamRegion r : writable) {
            for (long off = 0; off < r.length(); off += zeros.length) {
                memory.write(r.base() + off, zeros, 0, (int) Math.min(zeros.length, r.length() - off));
            }
        }
    }
}
