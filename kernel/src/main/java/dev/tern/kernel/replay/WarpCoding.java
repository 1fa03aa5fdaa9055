package dev.tern.kernel.replay;

/**
 * The state the compact clock-warp entries of one entries block are coded against (format version
 * 3, {@code docs/formats/replay-log.md}): the previous entry's instruction count, the previous
 * compact warp's target, and the four warp steps (nanoseconds between two compact warps) seen most
 * recently, most recent first. An idle guest's warps repeat a few steps (the timer period, one PIT
 * tick), so most warps name a step by its slot instead of spelling it out.
 *
 * <p>Writer and reader each keep one per block and update it identically, entry by entry: a block
 * decodes on its own, and nothing carries over from the block before.
 */
final class WarpCoding {

    /** Slots of the recent-step table. */
    static final int STEPS = 4;
    /** The low nibble of a compact warp tag that says the step follows as a varint. */
    static final int EXPLICIT_STEP = STEPS;
    /** Halt rounds 0..2 fit the tag; this value says the round follows as a varint. */
    static final int EXPLICIT_ROUND = 3;

    private final long[] steps = new long[STEPS];
    private int known;
    private long lastInstructions;
    private long lastWarp;

    long lastInstructions() {
        return lastInstructions;
    }

    long lastWarp() {
        return lastWarp;
    }

    /** How many slots hold a step so far (0 at the start of a block). */
    int known() {
        return known;
    }

    /** Any entry of the block reached {@code instructions}. */
    void entry(long instructions) {
        lastInstructions = instructions;
    }

    /** The slot holding {@code step}, or -1. */
    int slotOf(long step) {
        for (int i = 0; i < known; i++) {
            if (steps[i] == step) {
                return i;
            }
        }
        return -1;
    }

    /** The step in {@code slot} (which must hold one). */
    long step(int slot) {
        return steps[slot];
    }

    /** A compact warp to {@code nanos} was coded with {@code step}: that step moves to the front. */
    void warp(long nanos, long step) {
        int at = slotOf(step);
        int from = at >= 0 ? at : Math.min(known, STEPS - 1);
        System.arraycopy(steps, 0, steps, 1, from);
        steps[0] = step;
        if (at < 0 && known < STEPS) {
            known++;
        }
        lastWarp = nanos;
    }
}
