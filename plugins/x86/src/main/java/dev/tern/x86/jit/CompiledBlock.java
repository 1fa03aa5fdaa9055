package dev.tern.x86.jit;

import dev.tern.x86.core.CpuCore;

/**
 * A decoded block translated to JVM bytecode. {@link #run} executes the block's instructions and,
 * while the block branches back to its own start and {@code budget} allows a whole further pass
 * (and nothing set {@link CpuCore#blockBreak}), runs it again without returning. It never faults and
 * never takes an MMU slow path: an access that cannot take the soft TLB's fast path stops it at that
 * instruction, with EIP on it and nothing of it done.
 */
public interface CompiledBlock {

    /**
     * Runs the block on {@code c}, retiring at most {@code budget} instructions (at least the
     * block's size). Returns the number retired, or its complement ({@code ~n}, negative) when it
     * stopped at an instruction the interpreter must run: that is instruction {@code n % size} of
     * the block.
     */
    int run(CpuCore c, int budget);
}
