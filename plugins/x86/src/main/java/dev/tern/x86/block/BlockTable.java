package dev.tern.x86.block;

import java.util.Arrays;
import java.util.function.Consumer;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;
import dev.tern.x86.decode.DecodedBlock;
import dev.tern.x86.interp.Interpreter;

/**
 * Where a vCPU's decoded blocks live, when an address gets one, and when a block's code bytes must
 * be compared with memory again before it runs.
 *
 * <p>Blocks sit in a direct-mapped table keyed by EIP (checked against CS base, limit and code
 * size). An address gets a block on its {@link #DECODE_AFTER_VISITS}th visit in a row at its slot:
 * most of a boot runs a few times at most, and stepping through such code is cheaper than decoding
 * it. A block of size zero records "no block starts here" and is never re-validated, since running
 * one instruction at a time is always correct.
 *
 * <p><b>Trust periods.</b> A block whose bytes were compared in the current period is entered again
 * without comparing them: entering a block drops the soft-TLB write entries of its page, and only the
 * MMU slow path puts write entries back — setting {@link CpuCore#blockBreak}, which ends the period at
 * the next entry — so no store through that linear page can have happened since. Whatever else may
 * change code without that path calls {@link #distrust()}: a new run slice (devices act between
 * slices), event delivery, and the one-at-a-time instructions {@link BlockRules#breaksCodeTrust}
 * names (port I/O, system instructions, far transfers, CPUID). Page-table A/D updates and LOCKed
 * compare-and-set, which store past the write entries, set {@code blockBreak}.
 *
 * <p><b>Links.</b> Each block remembers up to two blocks entered right after it (fall-through and
 * branch target, or the last targets of a RET). When the next entry's EIP matches a link and that
 * block was validated in the current trust period, it is entered without the table lookup, key check
 * or page protection: nothing that could change its bytes, its page's protection or CS has happened
 * since (each would have ended the period).
 */
public final class BlockTable {

    private static final int BITS = 17;
    private static final int SLOTS = 1 << BITS;
    static final int DECODE_AFTER_VISITS = 4;

    private final Interpreter decoder;
    private final DecodedBlock[] blocks = new DecodedBlock[SLOTS];
    /** EIP last seen at each slot without a block there, and how often in a row. */
    private final int[] visited = new int[SLOTS];
    private final byte[] visits = new byte[SLOTS];
    /** Counts trust periods (a long: an int could wrap round to a stale block's period). */
    private long trustEpoch;
    /** The block entered last, whose successor links are tried before the table. */
    private DecodedBlock last;
    /** Told of every block leaving the table (the compiling tier drops its translation). */
    private Consumer<DecodedBlock> onDrop = b -> { };

    public BlockTable(Interpreter decoder) {
        this.decoder = decoder;
    }

    /** Sets what is told of each block leaving the table: its code changed, or another took its slot. */
    public void onDrop(Consumer<DecodedBlock> listener) {
        onDrop = listener;
    }

    /**
     * The decoded block starting at the current CS:EIP, decoded now if needed, or null when no block
     * starts here (the instruction must run through {@link Interpreter#step()}). Entering a block
     * write-protects its code page in the soft TLB and clears {@link CpuCore#blockBreak}.
     */
    public DecodedBlock enter() {
        DecodedBlock linked = enterLinked();
        if (linked != null) {
            return linked;
        }
        CpuCore c = decoder.core();
        int start = c.eip;
        boolean d = c.code32();
        if (c.blockBreak) {
            distrust();
        }
        int slot = (start ^ (start >>> BITS)) & (SLOTS - 1);
        DecodedBlock b = blocks[slot];
        try {
            if (b == null || !b.sameKey(c, start, d)) {
                if (visited[slot] != start) {
                    visited[slot] = start;
                    visits[slot] = 1;
                    return null;
                }
                if (++visits[slot] < DECODE_AFTER_VISITS) {
                    return null;
                }
                b = rebuild(c, slot, start, d);
            } else if (b.size() == 0) {
                return null;
            } else if (b.trustEpoch != trustEpoch && !b.matches(c, start, d)) {
                b = rebuild(c, slot, start, d);
            }
        } catch (CpuFault f) {
            // The one-at-a-time path raises this fault for the instruction itself.
            return null;
        }
        if (b == null || b.size() == 0) {
            return null;
        }
        if (c.blockBreak) {
            // Decoding or comparing walked the page tables and set an A bit: a new period.
            distrust();
        }
        b.trustEpoch = trustEpoch;
        c.blockBreak = false;
        c.mmu.protectCode(b.csBase + start);
        if (last != null) {
            last.link(b);
        }
        this.last = b;
        return b;
    }

    /**
     * The block {@link #enter()} would return at the current CS:EIP when that is a linked successor
     * of the block entered last, validated in the current trust period, entered as {@code enter()}
     * enters it; null otherwise (then nothing changed). Its bytes are unchanged, its page still
     * write-protected, and CS the same: anything that loads CS ends the period.
     */
    public DecodedBlock enterLinked() {
        CpuCore c = decoder.core();
        DecodedBlock last = this.last;
        if (c.blockBreak || last == null) {
            return null;
        }
        DecodedBlock next = last.successor(c.eip);
        if (next == null || next.trustEpoch != trustEpoch) {
            return null;
        }
        this.last = next;
        return next;
    }

    private DecodedBlock rebuild(CpuCore c, int slot, int start, boolean d) {
        DecodedBlock b = DecodedBlock.build(decoder, c, start, d);
        if (b != null) {
            DecodedBlock old = blocks[slot];
            if (old != null) {
                // An evicted block keeps no links, so links never hold a chain of dead blocks.
                old.unlink();
                onDrop.accept(old);
            }
            blocks[slot] = b;
        }
        return b;
    }

    /** Ends the current trust period: every block compares its bytes again on its next entry. */
    public void distrust() {
        trustEpoch++;
    }

    /** Forgets every block (after the way blocks are built has changed). */
    public void clear() {
        for (DecodedBlock b : blocks) {
            if (b != null) {
                onDrop.accept(b);
            }
        }
        Arrays.fill(blocks, null);
        last = null;
    }
}
