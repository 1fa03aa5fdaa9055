package dev.tern.x86.decode;

import java.util.ArrayList;
import java.util.List;
import dev.tern.x86.block.BlockRules;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;
import dev.tern.x86.interp.Interpreter;
import dev.tern.x86.jit.BlockCompiler;
import dev.tern.x86.jit.CompiledBlock;
import dev.tern.x86.memory.Segment;
import dev.tern.x86.block.BlockTable;

/**
 * A straight-line run of instructions decoded once: up to {@link #MAX_INSTRUCTIONS} headers ending
 * at the first control transfer, at the first instruction {@link BlockRules} does not admit, or
 * where an instruction's 8-byte fetch window would leave the page or the CS limit.
 *
 * <p>The block keeps the code bytes it was decoded from. Entering it compares them with memory as
 * seen now through CS and paging (a few 8-byte reads), so writes made while the block was not
 * running — DMA, other vCPUs, this vCPU's own stores, a remapped page — need no invalidation
 * messages. Stores made while the block runs are caught by the MMU instead: entering a block
 * drops the write translation of its page, so a store to it takes the slow path, which ends the
 * block after the storing instruction (see {@link CpuCore#blockBreak}).
 *
 * <p>A block of size zero records "no block starts here" so the lookup stays cheap for
 * instructions that always run one at a time.
 */
public final class DecodedBlock {

    static final int MAX_INSTRUCTIONS = 32;

    final int eip;
    public final int csBase;
    final int csLimit;
    public final boolean code32;
    public final DecodedHeader[] insns;
    /** Each instruction's 8 code bytes starting at its first byte (the fetch window). */
    public final long[] windows;
    /** Where instruction {@code i + 1} starts (what EIP must be to go on after instruction i). */
    public final int[] nextEip;
    /** Each instruction's pre-decoded fast form, or null where it takes the generic path. */
    public final FastForm[] fast;
    /**
     * At the index of a flag-setting instruction followed by a Jcc, the two fused into one form
     * (see {@link FastForm#fuse}); null elsewhere.
     */
    public final FastForm[] pairs;
    /** Bytes from {@link #eip} covered by the windows; validated on entry. */
    private final int span;
    private final long[] chunks;

    private DecodedBlock(int eip, Segment cs, boolean code32, DecodedHeader[] insns, long[] windows, int span,
                         long[] chunks, boolean fastForms) {
        this.eip = eip;
        this.csBase = cs.base;
        this.csLimit = cs.limit;
        this.code32 = code32;
        this.insns = insns;
        this.windows = windows;
        this.nextEip = new int[insns.length];
        for (int i = 0; i + 1 < insns.length; i++) {
            nextEip[i] = insns[i + 1].eip;
        }
        this.span = span;
        this.chunks = chunks;
        this.fast = new FastForm[insns.length];
        for (int i = 0; fastForms && i < insns.length; i++) {
            fast[i] = FastForm.of(insns[i], windows[i]);
        }
        this.pairs = new FastForm[insns.length];
        for (int i = 0; i + 1 < insns.length; i++) {
            if (fast[i] != null && fast[i + 1] != null) {
                pairs[i] = FastForm.fuse(fast[i], fast[i + 1], csLimit);
            }
        }
    }

    /** Whether the block's first instruction is at offset {@code at} (in the same code segment). */
    public boolean startsAt(int at) {
        return eip == at;
    }

    /** Number of instructions. */
    public int size() {
        return insns.length;
    }

    /** The linear address of the first instruction. */
    public int firstLinear() {
        return csBase + eip;
    }

    /** The linear address of the last instruction's first byte. */
    public int lastLinear() {
        return csBase + insns[insns.length - 1].eip;
    }

    /** Whether one of the block's fused compare-and-branch pairs accesses memory. */
    public boolean fusesMemoryAccess() {
        for (int i = 0; i + 1 < pairs.length; i++) {
            if (pairs[i] != null && (insns[i].memOp || insns[i + 1].memOp)) {
                return true;
            }
        }
        return false;
    }

    /** Entries counted toward translation by the compiling tier (see {@link BlockCompiler}). */
    public int visits;
    /** The block's translation, or null (not translated, or not translatable). */
    public CompiledBlock compiled;

    /** The trust period of {@link BlockTable} in which the bytes were last compared. */
    public long trustEpoch = -1;
    /** Blocks entered right after this one (see {@link BlockTable}), or null. */
    private DecodedBlock next0;
    private DecodedBlock next1;

    /** The linked successor starting at {@code at}, or null. */
    public DecodedBlock successor(int at) {
        DecodedBlock n = next0;
        if (n != null && n.eip == at) {
            return n;
        }
        n = next1;
        return n != null && n.eip == at ? n : null;
    }

    /** Remembers {@code b} as a successor: the first link stays, the second follows the latest. */
    public void link(DecodedBlock b) {
        if (next0 == null) {
            next0 = b;
        } else if (next0 != b) {
            next1 = b;
        }
    }

    public void unlink() {
        next0 = null;
        next1 = null;
    }

    /** Whether this block was decoded at this CS:EIP with this code segment. */
    public boolean sameKey(CpuCore c, int at, boolean d) {
        Segment cs = c.seg[CpuCore.CS];
        return eip == at && code32 == d && csBase == cs.base && csLimit == cs.limit;
    }

    /** Whether this block was decoded at this CS:EIP in this mode from the bytes there now. */
    public boolean matches(CpuCore c, int at, boolean d) {
        if (!sameKey(c, at, d)) {
            return false;
        }
        return chunks.length == 0 || c.mmu.codeEquals(csBase + at, chunks, span, c.user());
    }

    private static int chunkOffset(int k, int span) {
        return Math.min(8 * k, span - 8);
    }

    /**
     * Decodes the block starting at CS:{@code start}. Decoding has no architectural effect; when the
     * first instruction cannot be decoded here (it faults, or is not admitted) the block is empty and
     * the instruction runs, and faults, on the one-at-a-time path.
     */
    public static DecodedBlock build(Interpreter in, CpuCore c, int start, boolean d) {
        Segment cs = c.seg[CpuCore.CS];
        List<DecodedHeader> list = new ArrayList<>();
        int pos = start;
        while (list.size() < MAX_INSTRUCTIONS && windowFits(cs, pos, start)) {
            DecodedHeader h;
            try {
                h = in.decodeHeader(pos, d);
            } catch (CpuFault f) {
                break;
            }
            if (h == null || !BlockRules.admitted(h)) {
                break;
            }
            list.add(h);
            if (BlockRules.endsBlock(h)) {
                break;
            }
            int next = pos + h.length + BlockRules.immediateBytes(h);
            if (!d && (next & 0xffff) != next) {
                break;
            }
            pos = next;
        }
        int span = list.isEmpty() ? (windowFits(cs, start, start) ? 8 : 0) : list.getLast().eip - start + 8;
        long[] chunks = new long[(span + 7) / 8];
        try {
            for (int k = 0; k < chunks.length; k++) {
                chunks[k] = c.mmu.fetch64(cs.base + start + chunkOffset(k, span), c.user());
            }
        } catch (CpuFault f) {
            return null;
        }
        long[] windows = new long[list.size()];
        for (int i = 0; i < windows.length; i++) {
            windows[i] = window(chunks, span, list.get(i).eip - start);
            DecodedHeader h = list.get(i);
            if ((windows[i] & h.mask) != h.bytes) {
                return null;
            }
        }
        return new DecodedBlock(start, cs, d, list.toArray(new DecodedHeader[0]), windows, span, chunks,
                in.fastForms());
    }

    /** Whether 8 bytes at offset {@code pos} stay inside the CS limit and the page of {@code start}. */
    private static boolean windowFits(Segment cs, int pos, int start) {
        int lin = cs.base + pos;
        long room = (cs.limit & 0xffffffffL) - (pos & 0xffffffffL) + 1;
        return room >= 8 && (lin & 0xfff) <= 0xff8 && (lin >>> 12) == ((cs.base + start) >>> 12);
    }

    /** The 8 bytes at {@code offset} of the span, assembled from the chunk reads. */
    private static long window(long[] chunks, int span, int offset) {
        long v = 0;
        for (int j = 7; j >= 0; j--) {
            int at = offset + j;
            int k = Math.min(at / 8, chunks.length - 1);
            int base = chunkOffset(k, span);
            v = (v << 8) | ((chunks[k] >>> (8 * (at - base))) & 0xff);
        }
        return v;
    }
}
