package dev.tern.x86.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;
import dev.tern.x86.debug.DebugRegisters;
import dev.tern.x86.ops.Alu;

/**
 * Linear-address access: 2-level paging (with 4 MiB pages when PSE is on), the A20 gate and a
 * software TLB. The TLB has separate read and write entries per privilege (user accesses use the
 * upper half) so a page can be fast to read while its first write still takes the slow path, which
 * is how dirty logging and the D bit stay exact.
 */
public final class Mmu {

    static final int TLB_BITS = 10;
    static final int TLB_SIZE = 1 << TLB_BITS;
    /** Offset of the user half of the TLB; pass it as {@code user} for CPL 3 accesses. */
    public static final int USER = TLB_SIZE;
    private static final int INVALID = -1;
    private static final java.lang.invoke.VarHandle INT_HANDLE =
            ValueLayout.JAVA_INT.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final java.lang.invoke.VarHandle LONG_HANDLE =
            ValueLayout.JAVA_LONG.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN).varHandle();
    /** Serialises the locked accesses no host compare-and-set can make atomic (see compareAndSet). */
    private static final Object SPLIT_LOCK = new Object();
    private static final ValueLayout.OfLong U64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private final CpuCore cpu;
    private final PhysicalMemory phys;
    private final int[] rTag = new int[2 * TLB_SIZE];
    private final MemorySegment[] rPage = new MemorySegment[2 * TLB_SIZE];
    private final int[] wTag = new int[2 * TLB_SIZE];
    private final MemorySegment[] wPage = new MemorySegment[2 * TLB_SIZE];
    /** The guest-physical page each valid write entry writes (its {@code wTag} is not INVALID). */
    private final long[] wFrame = new long[2 * TLB_SIZE];

    private boolean paging;
    private boolean writeProtect;
    private boolean pse;
    private int pageDirectory;
    private long a20Mask = 0xffffffffL;

    public Mmu(CpuCore cpu, PhysicalMemory phys) {
        this.cpu = cpu;
        this.phys = phys;
        flush();
    }

    public PhysicalMemory physical() {
        return phys;
    }

    /** Takes the paging configuration from the control registers and A20, flushing the TLB. */
    public void configure(int cr0, int cr3, int cr4, boolean a20) {
        paging = (cr0 & 0x80000001) == 0x80000001;
        writeProtect = (cr0 & 0x10000) != 0;
        pse = (cr4 & 0x10) != 0;
        pageDirectory = cr3 & 0xfffff000;
        a20Mask = a20 ? 0xffffffffL : 0xffefffffL;
        flush();
    }

    /** Drops every cached translation. */
    public void flush() {
        Arrays.fill(rTag, INVALID);
        Arrays.fill(wTag, INVALID);
        Arrays.fill(rPage, null);
        Arrays.fill(wPage, null);
    }

    /** Drops only the write permissions, so each page's next write is seen by the slow path. */
    public void flushWrites() {
        Arrays.fill(wTag, INVALID);
        Arrays.fill(wPage, null);
    }

    /**
     * Marks in the dirty log the physical page of every write entry, keeping the entries: each page
     * the fast path can write unreported is then in the dirty log's new round (see
     * {@code Vcpu.markWritableDirty}). Unlike {@link #flushWrites} this takes no store of the running
     * guest down {@link #slowWrite}, so code compiled while the write entries stayed put keeps running.
     */
    public void markWritableDirty() {
        var memory = phys.memory();
        for (int i = 0; i < wTag.length; i++) {
            if (wTag[i] != INVALID) {
                memory.markDirty(wFrame[i], 0x1000);
            }
        }
    }

    /** INVLPG: drops the translations of one page. With 4 MiB pages all 1024 small tags may alias. */
    public void invalidate(int lin) {
        if (pse) {
            flush();
            return;
        }
        dropPage(lin >>> 12);
    }

    /**
     * Drops both translations of linear page {@code page} at every privilege, so its next access
     * takes the slow path (INVLPG; a data breakpoint starting to watch it).
     */
    public void dropPage(int page) {
        int i = page & (TLB_SIZE - 1);
        for (int u : new int[] {0, USER}) {
            if (rTag[i | u] == page) {
                rTag[i | u] = INVALID;
                rPage[i | u] = null;
            }
            if (wTag[i | u] == page) {
                wTag[i | u] = INVALID;
                wPage[i | u] = null;
            }
        }
    }

    /**
     * Drops the write translations of the page holding {@code lin} (a decoded block runs from it), so
     * the next store there takes {@link #slowWrite}, which raises {@link CpuCore#blockBreak}.
     */
    public void protectCode(int lin) {
        int p = lin >>> 12;
        int i = p & (TLB_SIZE - 1);
        if (wTag[i] == p) {
            wTag[i] = INVALID;
        }
        if (wTag[i | USER] == p) {
            wTag[i | USER] = INVALID;
        }
    }

    /** Whether a read of {@code size} bytes at {@code lin} would take the fast path (RAM, no walk). */
    public boolean fastRead(int lin, int size, int user) {
        int p = lin >>> 12;
        return rTag[(p & (TLB_SIZE - 1)) | user] == p && (lin & 0xfff) + size <= 0x1000;
    }

    /** Whether a write of {@code size} bytes at {@code lin} would take the fast path. */
    public boolean fastWrite(int lin, int size, int user) {
        int p = lin >>> 12;
        return wTag[(p & (TLB_SIZE - 1)) | user] == p && (lin & 0xfff) + size <= 0x1000;
    }

    /**
     * The RAM page a read at {@code lin} hits in the TLB, or null on a miss: the fast path translated
     * code inlines (a hit means RAM, not MMIO or a watched page, so the read has no side effect).
     */
    public MemorySegment readHit(int lin, int user) {
        int p = lin >>> 12;
        int i = (p & (TLB_SIZE - 1)) | user;
        return rTag[i] == p ? rPage[i] : null;
    }

    /**
     * The RAM page a write at {@code lin} hits in the TLB, or null on a miss; a page holding a
     * decoded block has no write entry (see {@link #protectCode}), so its stores always miss.
     */
    public MemorySegment writeHit(int lin, int user) {
        int p = lin >>> 12;
        int i = (p & (TLB_SIZE - 1)) | user;
        return wTag[i] == p ? wPage[i] : null;
    }

    public int read8(int lin, int user) {
        int p = lin >>> 12;
        int i = (p & (TLB_SIZE - 1)) | user;
        if (rTag[i] == p) {
            return rPage[i].get(ValueLayout.JAVA_BYTE, lin & 0xfff) & 0xff;
        }
        return slowRead(lin, 1, user);
    }

    public int read16(int lin, int user) {
        int p = lin >>> 12;
        int i = (p & (TLB_SIZE - 1)) | user;
        if (rTag[i] == p && (lin & 0xfff) != 0xfff) {
            return rPage[i].get(PhysicalMemory.U16, lin & 0xfff) & 0xffff;
        }
        return slowRead(lin, 2, user);
    }

    public int read32(int lin, int user) {
        int p = lin >>> 12;
        int i = (p & (TLB_SIZE - 1)) | user;
        if (rTag[i] == p && (lin & 0xfff) <= 0xffc) {
            return rPage[i].get(PhysicalMemory.U32, lin & 0xfff);
        }
        return slowRead(lin, 4, user);
    }

    /**
     * An instruction-fetch byte (or a byte of a read already matched as a whole): like
     * {@link #read8} but never a data-breakpoint access.
     */
    public int fetch8(int lin, int user) {
        int p = lin >>> 12;
        int i = (p & (TLB_SIZE - 1)) | user;
        if (rTag[i] == p) {
            return rPage[i].get(ValueLayout.JAVA_BYTE, lin & 0xfff) & 0xff;
        }
        return slowLoad(lin, 1, user);
    }

    /** Reads 8 bytes within one page (the caller guarantees {@code (lin & 0xfff) <= 0xff8}). */
    public long fetch64(int lin, int user) {
        int p = lin >>> 12;
        int i = (p & (TLB_SIZE - 1)) | user;
        if (rTag[i] != p) {
            slowLoad(lin, 1, user);
            if (rTag[i] != p) {
                long v = 0;
                for (int k = 0; k < 8; k++) {
                    v |= (long) slowLoad(lin + k, 1, user) << (8 * k);
                }
                return v;
            }
        }
        return rPage[i].get(U64, lin & 0xfff);
    }

    /**
     * Whether the code bytes at {@code lin} still equal {@code chunks}: chunk {@code k} holds the 8
     * bytes at {@code lin + min(8k, span - 8)}, all within one page. One translation serves all.
     */
    public boolean codeEquals(int lin, long[] chunks, int span, int user) {
        int p = lin >>> 12;
        int i = (p & (TLB_SIZE - 1)) | user;
        if (rTag[i] != p) {
            fetch64(lin, user);
            if (rTag[i] != p) {
                return slowCodeEquals(lin, chunks, span, user);
            }
        }
        MemorySegment page = rPage[i];
        int base = lin & 0xfff;
        for (int k = 0; k < chunks.length; k++) {
            if (page.get(U64, base + Math.min(8 * k, span - 8)) != chunks[k]) {
                return false;
            }
        }
        return true;
    }

    private boolean slowCodeEquals(int lin, long[] chunks, int span, int user) {
        for (int k = 0; k < chunks.length; k++) {
            if (fetch64(lin + Math.min(8 * k, span - 8), user) != chunks[k]) {
                return false;
            }
        }
        return true;
    }

    public void write8(int lin, int v, int user) {
        int p = lin >>> 12;
        int i = (p & (TLB_SIZE - 1)) | user;
        if (wTag[i] == p) {
            wPage[i].set(ValueLayout.JAVA_BYTE, lin & 0xfff, (byte) v);
            return;
        }
        slowWrite(lin, 1, v, user);
    }

    public void write16(int lin, int v, int user) {
        int p = lin >>> 12;
        int i = (p & (TLB_SIZE - 1)) | user;
        if (wTag[i] == p && (lin & 0xfff) != 0xfff) {
            wPage[i].set(PhysicalMemory.U16, lin & 0xfff, (short) v);
            return;
        }
        slowWrite(lin, 2, v, user);
    }

    public void write32(int lin, int v, int user) {
        int p = lin >>> 12;
        int i = (p & (TLB_SIZE - 1)) | user;
        if (wTag[i] == p && (lin & 0xfff) <= 0xffc) {
            wPage[i].set(PhysicalMemory.U32, lin & 0xfff, v);
            return;
        }
        slowWrite(lin, 4, v, user);
    }

    /**
     * Atomically replaces the {@code size}-byte value at {@code lin} with {@code value} if it still
     * equals {@code expected}. A RAM operand inside one aligned qword is updated by a host
     * compare-and-set of its dword (or of the qword, when it straddles two dwords), atomic against
     * every access of the other vCPUs, locked or not. Other operands (MMIO, spans across a qword)
     * are compared and written under {@link #SPLIT_LOCK}: atomic against each other, not against
     * plain stores (a split lock; Linux avoids them).
     */
    public boolean compareAndSet(int lin, int size, int expected, int value, int user) {
        long pa = lockedOperand(lin, size, user);
        int off = lin & 0xfff;
        long mask = Alu.mask(size);
        MemorySegment page = (off & 7) + size <= 8 ? phys.page(pa, true) : null;
        if (page != null) {
            phys.memory().markDirty(pa & ~0xfffL, 0x1000);
            return (off & 3) + size <= 4
                    ? casInDword(page, off, mask, expected, value)
                    : casInQword(page, off, mask, expected, value);
        }
        synchronized (SPLIT_LOCK) {
            int cur = size == 1 ? read8(lin, user) : size == 2 ? read16(lin, user) : read32(lin, user);
            if (((cur ^ expected) & mask) != 0) {
                return false;
            }
            switch (size) {
                case 1 -> write8(lin, value, user);
                case 2 -> write16(lin, value, user);
                default -> write32(lin, value, user);
            }
            return true;
        }
    }

    /**
     * CMPXCHG8B's locked access: returns the qword at {@code lin} and, if it equalled
     * {@code expected}, has replaced it with {@code value}, in one host compare-and-exchange when
     * the operand is an aligned qword of RAM (as Linux's 64-bit atomics are), else under
     * {@link #SPLIT_LOCK} as {@link #compareAndSet} does.
     */
    public long compareAndExchange64(int lin, long expected, long value, int user) {
        long pa = lockedOperand(lin, 8, user);
        MemorySegment page = (lin & 7) == 0 ? phys.page(pa, true) : null;
        if (page != null) {
            phys.memory().markDirty(pa & ~0xfffL, 0x1000);
            return (long) LONG_HANDLE.compareAndExchange(page, (long) (lin & 0xfff), expected, value);
        }
        synchronized (SPLIT_LOCK) {
            long cur = (read32(lin, user) & 0xffffffffL) | ((long) read32(lin + 4, user) << 32);
            if (cur == expected) {
                write32(lin, (int) value, user);
                write32(lin + 4, (int) (value >>> 32), user);
            }
            return cur;
        }
    }

    /** A locked operand's physical address, once its write is known not to fault. */
    private long lockedOperand(int lin, int size, int user) {
        // The host compare-and-set bypasses the write entries that protect decoded code pages.
        cpu.blockBreak = true;
        probeWrite(lin, size, user);
        DebugRegisters debug = cpu.debug;
        if (debug.watchingData()) {
            // The RAM paths write the page directly, past slowWrite's breakpoint match.
            debug.dataAccess(lin, size, true);
        }
        return translate(lin, true, user != 0);
    }

    private static boolean casInDword(MemorySegment page, int off, long mask, int expected, int value) {
        int shift = (off & 3) * 8;
        long word = off & ~3;
        while (true) {
            int cur = (int) INT_HANDLE.getVolatile(page, word);
            if ((((cur >>> shift) ^ expected) & mask) != 0) {
                return false;
            }
            int next = (int) ((cur & ~(mask << shift)) | ((value & mask) << shift));
            if (INT_HANDLE.compareAndSet(page, word, cur, next)) {
                return true;
            }
        }
    }

    private static boolean casInQword(MemorySegment page, int off, long mask, int expected, int value) {
        int shift = (off & 7) * 8;
        long word = off & ~7;
        while (true) {
            long cur = (long) LONG_HANDLE.getVolatile(page, word);
            if ((((cur >>> shift) ^ expected) & mask) != 0) {
                return false;
            }
            long next = (cur & ~(mask << shift)) | ((value & mask) << shift);
            if (LONG_HANDLE.compareAndSet(page, word, cur, next)) {
                return true;
            }
        }
    }

    /** Checks that a write of {@code size} bytes at {@code lin} would not fault (sets A/D bits). */
    public void probeWrite(int lin, int size, int user) {
        translate(lin, true, user != 0);
        if (((lin & 0xfff) + size - 1) > 0xfff) {
            translate(lin + size - 1, true, user != 0);
        }
    }

    /** A data read that missed the TLB: the one place reads meet the data breakpoints. */
    private int slowRead(int lin, int size, int user) {
        DebugRegisters debug = cpu.debug;
        if (debug.watchingData()) {
            debug.dataAccess(lin, size, false);
        }
        return slowLoad(lin, size, user);
    }

    /** A read that missed the TLB (data or instruction fetch), refilling the TLB where allowed. */
    private int slowLoad(int lin, int size, int user) {
        if ((lin & 0xfff) + size > 0x1000) {
            int v = 0;
            for (int k = 0; k < size; k++) {
                v |= fetch8(lin + k, user) << (8 * k);
            }
            return v;
        }
        long pa = translate(lin, false, user != 0);
        MemorySegment page = phys.page(pa, false);
        if (page != null && !cpu.debug.watchesPage(lin >>> 12)) {
            int p = lin >>> 12;
            int i = (p & (TLB_SIZE - 1)) | user;
            rTag[i] = p;
            rPage[i] = page;
        } else {
            // MMIO: a device read may have side effects a running block must not run past.
            cpu.blockBreak = true;
        }
        return phys.read(pa, size);
    }

    private void slowWrite(int lin, int size, int v, int user) {
        cpu.blockBreak = true;
        DebugRegisters debug = cpu.debug;
        if (debug.watchingData()) {
            debug.dataAccess(lin, size, true);
        }
        if ((lin & 0xfff) + size > 0x1000) {
            // Both pages must be writable before any byte lands, so a fault leaves memory intact.
            long first = translate(lin, true, user != 0);
            long second = translate(lin + size - 1, true, user != 0);
            for (int k = 0; k < size; k++) {
                int l = lin + k;
                long pa = ((l & 0xfff) >= (lin & 0xfff)) ? first + k : (second & ~0xfffL) | (l & 0xfff);
                phys.write(pa, 1, v >>> (8 * k));
            }
            return;
        }
        long pa = translate(lin, true, user != 0);
        MemorySegment page = phys.page(pa, true);
        if (page != null && !debug.watchesPage(lin >>> 12)) {
            int p = lin >>> 12;
            int i = (p & (TLB_SIZE - 1)) | user;
            // The first fast write to a page after writeProtectAll() must be in the dirty log.
            phys.memory().markDirty(pa & ~0xfffL, 0x1000);
            wTag[i] = p;
            wPage[i] = page;
            wFrame[i] = pa & ~0xfffL;
            rTag[i] = p;
            rPage[i] = page;
        }
        phys.write(pa, size, v);
    }

    /**
     * Linear to physical for a debugger: no fault, no accessed/dirty bits, no TLB change; -1 when the
     * page is not present.
     */
    public long peek(int lin) {
        if (!paging) {
            return lin & a20Mask;
        }
        int pde = phys.read(((pageDirectory & 0xffffffffL) | ((lin >>> 22) << 2)) & a20Mask, 4);
        if ((pde & 1) == 0) {
            return -1;
        }
        if (pse && (pde & 0x80) != 0) {
            return ((pde & 0xffc00000L) | (lin & 0x3fffff)) & a20Mask;
        }
        int pte = phys.read(((pde & 0xfffff000L) | (((lin >>> 12) & 0x3ff) << 2)) & a20Mask, 4);
        if ((pte & 1) == 0) {
            return -1;
        }
        return ((pte & 0xfffff000L) | (lin & 0xfff)) & a20Mask;
    }

    /** Linear to physical, raising #PF (with CR2 and error code) and setting A/D bits. */
    public long translate(int lin, boolean write, boolean user) {
        if (!paging) {
            return lin & a20Mask;
        }
        long pdeAddr = (pageDirectory & 0xffffffffL) | ((lin >>> 22) << 2);
        int pde = phys.read(pdeAddr & a20Mask, 4);
        if ((pde & 1) == 0) {
            throw pageFault(lin, false, write, user);
        }
        if (pse && (pde & 0x80) != 0) {
            checkRights(pde, lin, write, user);
            int upd = pde | 0x20 | (write ? 0x40 : 0);
            if (upd != pde && !setAccessedOrDirty(pdeAddr, pde, upd)) {
                return translate(lin, write, user);
            }
            return ((pde & 0xffc00000L) | (lin & 0x3fffff)) & a20Mask;
        }
        long pteAddr = (pde & 0xfffff000L) | (((lin >>> 12) & 0x3ff) << 2);
        int pte = phys.read(pteAddr & a20Mask, 4);
        if ((pte & 1) == 0) {
            throw pageFault(lin, false, write, user);
        }
        checkRights(pde & pte, lin, write, user);
        if ((pde & 0x20) == 0 && !setAccessedOrDirty(pdeAddr, pde, pde | 0x20)) {
            return translate(lin, write, user);
        }
        int upd = pte | 0x20 | (write ? 0x40 : 0);
        if (upd != pte && !setAccessedOrDirty(pteAddr, pte, upd)) {
            return translate(lin, write, user);
        }
        return ((pte & 0xfffff000L) | (lin & 0xfff)) & a20Mask;
    }

    /**
     * Writes a page-directory or page-table entry with its A/D bits set, as a compare-and-set
     * against the value the walk read (the processor's update is a locked one): returns false,
     * writing nothing, when another vCPU changed the entry meanwhile — the walk must start over, or
     * it would bring back an entry the guest has just cleared. The store bypasses the write entries
     * that protect decoded code pages, so it ends their trust period like any slow-path store
     * (tables sharing a page with code are rare, and this runs once per page).
     */
    private boolean setAccessedOrDirty(long entryAddr, int read, int entry) {
        cpu.blockBreak = true;
        long pa = entryAddr & a20Mask;
        MemorySegment page = phys.page(pa, true);
        if (page == null) {
            phys.write(pa, 4, entry); // not RAM: nothing else can race with this store
            return true;
        }
        phys.memory().markDirty(pa, 4);
        return INT_HANDLE.compareAndSet(page, pa & 0xfff, read, entry);
    }

    private void checkRights(int combined, int lin, boolean write, boolean user) {
        if (user && (combined & 4) == 0) {
            throw pageFault(lin, true, write, user);
        }
        if (write && (combined & 2) == 0 && (user || writeProtect)) {
            throw pageFault(lin, true, write, user);
        }
    }

    private CpuFault pageFault(int lin, boolean present, boolean write, boolean user) {
        cpu.cr2 = lin;
        return CpuFault.withCode(CpuFault.PF, (present ? 1 : 0) | (write ? 2 : 0) | (user ? 4 : 0));
    }
}
