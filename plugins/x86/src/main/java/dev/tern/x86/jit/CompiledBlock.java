package dev.tern.x86.jit;

import dev.tern.x86.core.CpuCore;

/**
 * A decoded block translated to JVM bytecode. {@link #run} executes the block's instructions and,
 * while the block branches back to its own start and {@code budget} allows a whole further pass
 * (and nothing set {@link CpuCore#blockBreak}), runs it again without returning. It never faults and
 * never takes an MMU slow path: an access that cannot take the soft TLB's fast path stops it at that
 * instruction, with EIP on it and nothing of it done.
 *
 * <p>The generated classes extend this one; the fields are the {@link CodeCache}'s bookkeeping.
 */
public abstract class CompiledBlock {

    /** Set on every run, cleared by the code cache's clock hand: a translation in use is kept. */
    public boolean used;
    /** The code cache slot holding this translation (-1: not in a cache). */
    int slot = -1;
    /** Class-file bytes of the translation. */
    int bytes;
    /** Instructions of the block the translation covers (a prefix when fewer than the block's). */
    int covered;

    protected CompiledBlock() {
    }

    /**
     * Runs the block on {@code c}, retiring at most {@code budget} instructions (at least the
     * block's size). Returns the number retired, or its complement ({@code ~n}, negative) when it
     * stopped at an instruction the interpreter must run: that is instruction {@code n % size} of
     * the block.
     */
    public abstract int run(CpuCore c, int budget);
}
