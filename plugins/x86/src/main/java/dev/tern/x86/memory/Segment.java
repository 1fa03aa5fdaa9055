package dev.tern.x86.memory;

/**
 * A segment register with its hidden descriptor cache. {@link #attr} holds descriptor bits 40..55
 * (access byte in bits 0..7, AVL/D-B/G in bits 12..15) so that LAR and saved state use one format.
 */
public final class Segment {

    /** Access byte bits. */
    public static final int ACCESSED = 0x01, RW = 0x02, DC = 0x04, CODE = 0x08, S = 0x10, PRESENT = 0x80;
    /** D/B and granularity bits inside {@link #attr}. */
    public static final int DB = 0x4000, G = 0x8000;

    public int selector;
    public int base;
    /** Effective limit in bytes (already scaled by granularity). */
    public int limit;
    public int attr;
    /** False for a null selector loaded in protected mode: any access faults. */
    public boolean usable = true;

    // Derived from the above by refresh(): the valid offset range and rights, for a fast check.
    // Expand-up: offsets 0..hi. Expand-down: limit + 1 ..hi, where hi is 0xFFFF or 0xFFFFFFFF by
    // the B bit — empty when the limit is that top itself (limit + 1 does not fit in 32 bits).
    private boolean expandDown;
    private int hi;
    public boolean readable;
    public boolean writable;

    /**
     * Loads a real-mode style segment: base = selector * 16. Limit and D/B/G stay as cached (so
     * "unreal" mode works); real mode checks no segment types, so the access rights become present
     * read/write data, which also repairs a null or system cache left over from protected mode.
     */
    public void loadReal(int sel) {
        selector = sel & 0xffff;
        base = selector << 4;
        usable = true;
        attr = (attr & 0xf000) | 0x93;
        refresh();
    }

    /** Sets every cached field and recomputes the derived checks. */
    public void set(int sel, int base, int limit, int attr, boolean usable) {
        this.selector = sel & 0xffff;
        this.base = base;
        this.limit = limit;
        this.attr = attr & 0xf0ff;
        this.usable = usable;
        refresh();
    }

    public boolean big() {
        return (attr & DB) != 0;
    }

    public int dpl() {
        return (attr >> 5) & 3;
    }

    public boolean isCode() {
        return (attr & (S | CODE)) == (S | CODE);
    }

    /** Recomputes the offset range and rights after a field changed. */
    public void refresh() {
        boolean code = (attr & CODE) != 0;
        boolean system = (attr & S) == 0;
        expandDown = !code && !system && (attr & DC) != 0;
        hi = expandDown ? (big() ? -1 : 0xffff) : limit;
        readable = usable && !system && (!code || (attr & RW) != 0);
        writable = usable && !system && !code && (attr & RW) != 0;
    }

    /** Whether {@code size} bytes at {@code off} lie within the limits. */
    public boolean inLimit(int off, int size) {
        long last = (off & 0xffffffffL) + (size - 1);
        if (!expandDown) {
            // Every segment but expand-down data: one unsigned compare.
            return last <= (hi & 0xffffffffL);
        }
        // Compared as longs: with limit 0xFFFF (B=0) or 0xFFFFFFFF (B=1) no offset is valid.
        return (off & 0xffffffffL) > (limit & 0xffffffffL) && last <= (hi & 0xffffffffL);
    }

    /** Copies another segment's state. */
    public void copyFrom(Segment o) {
        set(o.selector, o.base, o.limit, o.attr, o.usable);
    }
}
