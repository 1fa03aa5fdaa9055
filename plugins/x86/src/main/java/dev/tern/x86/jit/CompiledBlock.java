package dev.tern.x86.jit;

import dev.tern.x86.core.CpuCore;

/**
 * A decoded block translated to JVM bytecode. {@link #run} executes every instruction of the block
 * and leaves EIP where the block goes next; it retires exactly the block's instruction count, and
 * cannot fault, touch memory or set {@link CpuCore#blockBreak}, so the caller counts the
 * instructions and decides what follows as it does after an interpreted pass.
 */
public interface CompiledBlock {

    /** Runs the whole block on {@code c}. */
    void run(CpuCore c);
}
