package dev.tern.x86.debug;

/**
 * The breakpoints and watchpoints of a host debugger (the kernel's GDB stub), kept apart from the
 * guest's own DR0-DR7 so neither sees the other. They use the same machinery as
 * {@link DebugRegisters}: a block holding a breakpoint runs one instruction at a time, and a watched
 * page gets no soft-TLB entry, so every access to it reaches {@link #dataAccess} on the MMU slow path.
 * Nothing is written into guest memory, and stops are decided between instructions only, so the
 * instruction count is never perturbed.
 */
public final class DebuggerStops {

    private int[] code = new int[0];
    private int[] watchStart = new int[0];
    private int[] watchLength = new int[0];
    /** Per watchpoint: 1 stops on reads, 2 on writes (3 on both). */
    private int[] watchKinds = new int[0];
    /** Linear address of the watched range the last instruction touched, or -1. */
    private long hit = -1;
    /** The count and linear address of the last breakpoint stop: resuming there does not stop again. */
    private long stoppedCount = -1;
    private int stoppedAt;

    /** Whether any breakpoint or watchpoint is set. */
    boolean armed() {
        return code.length + watchStart.length != 0;
    }

    boolean watching() {
        return watchStart.length != 0;
    }

    /** Replaces the breakpoints (linear addresses). */
    public void setBreakpoints(long[] linear) {
        int[] c = new int[linear.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = (int) linear[i];
        }
        code = c;
    }

    /** Replaces the watchpoints; {@code kinds[i]} is 1 (read), 2 (write) or 3 (access). */
    public void setWatchpoints(int[] start, int[] length, int[] kinds) {
        watchStart = start.clone();
        watchLength = length.clone();
        watchKinds = kinds.clone();
        hit = -1;
    }

    /** Whether the instruction at linear {@code lin}, about to run as instruction {@code count}, stops here. */
    public boolean breaksAt(int lin, long count) {
        for (int a : code) {
            if (a == lin) {
                if (count == stoppedCount && lin == stoppedAt) {
                    return false;
                }
                stoppedCount = count;
                stoppedAt = lin;
                return true;
            }
        }
        return false;
    }

    /** Whether a breakpoint lies in the linear range {@code [first, last]}. */
    boolean breaksIn(int first, int last) {
        for (int a : code) {
            if (Integer.compareUnsigned(a - first, last - first) <= 0) {
                return true;
            }
        }
        return false;
    }

    /** Whether a watched range touches linear page {@code page}. */
    boolean watchesPage(int page) {
        for (int k = 0; k < watchStart.length; k++) {
            int first = watchStart[k] >>> 12;
            int last = (watchStart[k] + watchLength[k] - 1) >>> 12;
            if (Integer.compareUnsigned(page - first, last - first) <= 0) {
                return true;
            }
        }
        return false;
    }

    /** The linear pages the watchpoints touch (their TLB entries must go). */
    int[] watchedPages() {
        var pages = new java.util.ArrayList<Integer>();
        for (int k = 0; k < watchStart.length; k++) {
            for (int p = watchStart[k] >>> 12; ; p++) {
                pages.add(p);
                if (p == (watchStart[k] + watchLength[k] - 1) >>> 12) {
                    break;
                }
            }
        }
        return pages.stream().mapToInt(Integer::intValue).toArray();
    }

    /** An access on the MMU slow path; returns whether it hit a watchpoint. */
    boolean dataAccess(int lin, int size, boolean write) {
        int want = write ? 2 : 1;
        for (int k = 0; k < watchStart.length; k++) {
            if ((watchKinds[k] & want) != 0 && overlaps(lin, size, watchStart[k], watchLength[k])) {
                if (hit < 0) {
                    // the first watched byte the access touched
                    hit = Integer.toUnsignedLong(Integer.compareUnsigned(lin, watchStart[k]) > 0 ? lin : watchStart[k]);
                }
                return true;
            }
        }
        return false;
    }

    /** Takes the watch hit of the instruction that just completed (-1: none). */
    public long takeHit() {
        long h = hit;
        hit = -1;
        return h;
    }

    /** Forgets a watch hit made by an event delivery or a faulting instruction. */
    void discardHit() {
        hit = -1;
    }

    /** Forgets the last breakpoint stop (after a reset or a state load the count means another place). */
    public void forgetStop() {
        stoppedCount = -1;
    }

    private static boolean overlaps(int a, int n, int b, int m) {
        return Integer.compareUnsigned(b - a, n) < 0 || Integer.compareUnsigned(a - b, m) < 0;
    }
}
