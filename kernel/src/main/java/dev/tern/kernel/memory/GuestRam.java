package dev.tern.kernel.memory;

import dev.tern.spi.Registration;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.memory.RamRegion;
import dev.tern.spi.memory.WriteObserver;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The machine's guest-physical RAM and ROM, built once with {@link #builder()}. Regions are page
 * aligned, sorted and never overlap; addresses between them are holes that read as {@code 0xFF} and
 * drop writes. Writes through {@link #write} mark the dirty log and tell write observers; CPUs
 * writing the segments directly report with {@link #markDirty} (see {@link DirtyLog} for how that
 * stays race-free). All methods are thread-safe; {@link #close()} releases the host memory.
 */
public final class GuestRam implements GuestMemory, AutoCloseable {

    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Arena arena;
    private final List<RamRegion> regions;
    private final RamRegion[] table;
    private final long[] bases;
    private final long[] ends;
    private final DirtyLog dirtyLog;
    private final CopyOnWriteArrayList<WriteObserver> observers = new CopyOnWriteArrayList<>();
    /** Post-copy: the pages still on the source; null when every page is here (the usual case). */
    private volatile PagePresence presence;

    GuestRam(Arena arena, List<RamRegion> sortedRegions) {
        this.arena = arena;
        this.regions = List.copyOf(sortedRegions);
        this.table = regions.toArray(RamRegion[]::new);
        this.bases = new long[table.length];
        this.ends = new long[table.length];
        for (int i = 0; i < table.length; i++) {
            bases[i] = table[i].base();
            ends[i] = table[i].end();
        }
        this.dirtyLog = new DirtyLog(table.length == 0 ? 0 : ends[table.length - 1]);
    }

    /** Starts describing a memory layout. */
    public static GuestRamBuilder builder() {
        return new GuestRamBuilder();
    }

    /** The dirty log covering {@code [0, ramEnd())}. */
    public DirtyLog dirtyLog() {
        return dirtyLog;
    }

    /**
     * Makes every access wait for the pages {@code presence} says are missing (a post-copy
     * destination, before its guest runs); null when all pages are present again.
     */
    public void expectPages(PagePresence presence) {
        this.presence = presence;
    }

    /** The pages being waited for, or null. */
    public PagePresence presence() {
        return presence;
    }

    @Override
    public void awaitPresent(long gpa, long len) {
        PagePresence p = presence;
        if (p != null) {
            p.await(gpa, len);
        }
    }

    /**
     * Post-copy: writes page {@code pfn}'s content (4 KiB from {@code page}, or zeros when null)
     * straight into RAM if it is still missing, and wakes its waiters; a page already present is
     * left as the guest has it. Called by the one thread that receives pages.
     *
     * @return whether the page was missing and is now installed
     * @throws IllegalArgumentException when {@code pfn} is not a writable RAM page
     */
    public boolean installPage(long pfn, MemorySegment page) {
        PagePresence p = presence;
        long gpa = pfn << GuestMemory.PAGE_SHIFT;
        int i = pfn < 0 || pfn >= (1L << (63 - GuestMemory.PAGE_SHIFT)) ? -1 : regionFor(gpa, GuestMemory.PAGE_SIZE);
        if (i < 0 || table[i].readOnly()) {
            throw new IllegalArgumentException("page 0x" + Long.toHexString(gpa) + " is not in writable RAM");
        }
        if (p == null) {
            return false;
        }
        MemorySegment target = table[i].segment().asSlice(gpa - bases[i], GuestMemory.PAGE_SIZE);
        return p.install(pfn, () -> {
            if (page == null) {
                target.fill((byte) 0);
            } else {
                dirtyLog.noteWritten(gpa, GuestMemory.PAGE_SIZE);
                MemorySegment.copy(page, 0, target, 0, GuestMemory.PAGE_SIZE);
            }
        });
    }

    @Override
    public List<RamRegion> regions() {
        return regions;
    }

    @Override
    public long ramEnd() {
        return table.length == 0 ? 0 : ends[table.length - 1];
    }

    @Override
    public RamRegion regionAt(long gpa) {
        int i = indexOf(gpa);
        return i < 0 ? null : table[i];
    }

    @Override
    public void read(long gpa, byte[] dst, int off, int len) {
        checkAccess("read", gpa, dst, off, len);
        awaitPresent(gpa, len);
        long cur = gpa;
        int pos = off;
        int left = len;
        while (left > 0) {
            int i = indexOf(cur);
            int n;
            if (i >= 0) {
                n = chunk(left, ends[i] - cur);
                MemorySegment.copy(table[i].segment(), ValueLayout.JAVA_BYTE, cur - bases[i], dst, pos, n);
            } else {
                n = chunk(left, nextBaseAfter(cur) - cur);
                Arrays.fill(dst, pos, pos + n, (byte) 0xFF);
            }
            cur += n;
            pos += n;
            left -= n;
        }
    }

    @Override
    public void write(long gpa, byte[] src, int off, int len) {
        checkAccess("write", gpa, src, off, len);
        awaitPresent(gpa, len);
        long cur = gpa;
        int pos = off;
        int left = len;
        while (left > 0) {
            int i = indexOf(cur);
            int n;
            if (i >= 0) {
                n = chunk(left, ends[i] - cur);
                if (!table[i].readOnly()) {
                    MemorySegment.copy(src, pos, table[i].segment(), ValueLayout.JAVA_BYTE, cur - bases[i], n);
                    written(cur, n);
                }
            } else {
                n = chunk(left, nextBaseAfter(cur) - cur);
            }
            cur += n;
            pos += n;
            left -= n;
        }
    }

    // Fixed-size accesses (device descriptors, page tables) skip the byte[] round trip of the
    // interface defaults when they fall inside one region; anything else takes the general path.

    @Override
    public int readU8(long gpa) {
        int i = presentRegionFor(gpa, 1);
        return i < 0 ? GuestMemory.super.readU8(gpa) : table[i].segment().get(ValueLayout.JAVA_BYTE, gpa - bases[i]) & 0xFF;
    }

    @Override
    public int readU16(long gpa) {
        int i = presentRegionFor(gpa, 2);
        return i < 0 ? GuestMemory.super.readU16(gpa) : table[i].segment().get(LE16, gpa - bases[i]) & 0xFFFF;
    }

    @Override
    public int readU32(long gpa) {
        int i = presentRegionFor(gpa, 4);
        return i < 0 ? GuestMemory.super.readU32(gpa) : table[i].segment().get(LE32, gpa - bases[i]);
    }

    @Override
    public long readU64(long gpa) {
        int i = presentRegionFor(gpa, 8);
        return i < 0 ? GuestMemory.super.readU64(gpa) : table[i].segment().get(LE64, gpa - bases[i]);
    }

    @Override
    public void writeU8(long gpa, int v) {
        int i = presentRegionFor(gpa, 1);
        if (i < 0) {
            GuestMemory.super.writeU8(gpa, v);
        } else if (!table[i].readOnly()) {
            table[i].segment().set(ValueLayout.JAVA_BYTE, gpa - bases[i], (byte) v);
            written(gpa, 1);
        }
    }

    @Override
    public void writeU16(long gpa, int v) {
        int i = presentRegionFor(gpa, 2);
        if (i < 0) {
            GuestMemory.super.writeU16(gpa, v);
        } else if (!table[i].readOnly()) {
            table[i].segment().set(LE16, gpa - bases[i], (short) v);
            written(gpa, 2);
        }
    }

    @Override
    public void writeU32(long gpa, int v) {
        int i = presentRegionFor(gpa, 4);
        if (i < 0) {
            GuestMemory.super.writeU32(gpa, v);
        } else if (!table[i].readOnly()) {
            table[i].segment().set(LE32, gpa - bases[i], v);
            written(gpa, 4);
        }
    }

    @Override
    public void writeU64(long gpa, long v) {
        int i = presentRegionFor(gpa, 8);
        if (i < 0) {
            GuestMemory.super.writeU64(gpa, v);
        } else if (!table[i].readOnly()) {
            table[i].segment().set(LE64, gpa - bases[i], v);
            written(gpa, 8);
        }
    }

    @Override
    public void markDirty(long gpa, long len) {
        dirtyLog.mark(gpa, len);
    }

    @Override
    public Registration observeWrites(WriteObserver observer) {
        Objects.requireNonNull(observer, "observer");
        observers.add(observer);
        return () -> observers.remove(observer);
    }

    /** Releases the host memory; later accesses fail with {@link IllegalStateException}. */
    @Override
    public void close() {
        arena.close();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("GuestRam[");
        for (RamRegion r : table) {
            sb.append(String.format("%s 0x%x-0x%x%s; ", r.name(), r.base(), r.end() - 1, r.readOnly() ? " ro" : ""));
        }
        return sb.append(']').toString();
    }

    /** Index of the region containing {@code gpa}, or -1. Linear: machines have 1-3 regions. */
    private int indexOf(long gpa) {
        for (int i = 0; i < bases.length; i++) {
            if (gpa < bases[i]) {
                return -1;
            }
            if (gpa < ends[i]) {
                return i;
            }
        }
        return -1;
    }

    private long nextBaseAfter(long gpa) {
        for (long b : bases) {
            if (b > gpa) {
                return b;
            }
        }
        return Long.MAX_VALUE;
    }

    private static int chunk(int left, long available) {
        return (int) Math.min(left, available);
    }

    /**
     * {@link #regionFor}, after waiting for the pages if some are missing (post-copy); the -1
     * fallbacks go through read/write, which wait themselves.
     */
    private int presentRegionFor(long gpa, int size) {
        PagePresence p = presence;
        if (p != null) {
            p.await(gpa, size);
        }
        return regionFor(gpa, size);
    }

    /** Index of the region holding all of {@code [gpa, gpa+size)}, or -1. */
    private int regionFor(long gpa, int size) {
        int i = indexOf(gpa);
        return i >= 0 && ends[i] - gpa >= size ? i : -1;
    }

    private void written(long gpa, long len) {
        dirtyLog.mark(gpa, len);
        for (WriteObserver o : observers) {
            o.written(gpa, len);
        }
    }

    private static void checkAccess(String what, long gpa, byte[] buf, int off, int len) {
        Objects.requireNonNull(buf, "buffer");
        if (len < 0) {
            throw new IllegalArgumentException("guest memory " + what + " at 0x" + Long.toHexString(gpa)
                    + ": negative length " + len);
        }
        if (gpa < 0 || gpa + len < gpa) {
            throw new IllegalArgumentException("guest memory " + what + " at 0x" + Long.toHexString(gpa)
                    + " length " + len + " is outside the 63-bit physical address space");
        }
        Objects.checkFromIndexSize(off, len, buf.length);
    }
}
