package dev.tern.x86.jit;

import dev.tern.x86.decode.DecodedBlock;

/**
 * The translations one vCPU keeps, bounded in number and in class-file bytes. When full, a clock
 * hand passes over the slots: a translation run since the hand last passed ({@link CompiledBlock#used})
 * gets another round, the first one not run is dropped. A dropped block counts its entries toward
 * translation again from zero, so code that turns hot again is translated again.
 *
 * <p>Dropping a translation only clears the block's reference: the hidden class has no other strong
 * reference, so the JVM unloads it once no frame runs it. Used on the vCPU thread only.
 */
final class CodeCache {

    private final DecodedBlock[] slots;
    private final int[] free;
    private int freeCount;
    private final long maxBytes;
    private int hand;
    private long liveBytes;
    private long evicted;
    private long invalidated;

    CodeCache(int maxBlocks, long maxBytes) {
        if (maxBlocks < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("code cache of " + maxBlocks + " blocks, " + maxBytes + " bytes: both at least 1");
        }
        this.slots = new DecodedBlock[maxBlocks];
        this.free = new int[maxBlocks];
        for (int i = 0; i < maxBlocks; i++) {
            free[i] = maxBlocks - 1 - i;
        }
        this.freeCount = maxBlocks;
        this.maxBytes = maxBytes;
    }

    /** Makes {@code code} the translation of {@code b}, first dropping unused translations until it fits. */
    void install(DecodedBlock b, CompiledBlock code) {
        while (freeCount == 0 || freeCount < slots.length && liveBytes + code.bytes > maxBytes) {
            evictOne();
        }
        int slot = free[--freeCount];
        slots[slot] = b;
        code.slot = slot;
        code.used = true;
        liveBytes += code.bytes;
        b.compiled = code;
    }

    /** Drops the translation of a block leaving the block table (its code changed, or its slot was reused). */
    void drop(DecodedBlock b) {
        CompiledBlock code = b.compiled;
        if (code != null && code.slot >= 0 && slots[code.slot] == b) {
            remove(code.slot);
            invalidated++;
        }
    }

    private void evictOne() {
        while (true) {
            DecodedBlock b = slots[hand];
            int at = hand;
            hand = (hand + 1) % slots.length;
            if (b == null) {
                continue;
            }
            if (b.compiled.used) {
                b.compiled.used = false;
                continue;
            }
            remove(at);
            b.visits = 0;
            evicted++;
            return;
        }
    }

    private void remove(int slot) {
        DecodedBlock b = slots[slot];
        liveBytes -= b.compiled.bytes;
        b.compiled.slot = -1;
        b.compiled = null;
        slots[slot] = null;
        free[freeCount++] = slot;
    }

    int live() {
        return slots.length - freeCount;
    }

    long liveBytes() {
        return liveBytes;
    }

    long evicted() {
        return evicted;
    }

    long invalidated() {
        return invalidated;
    }
}
