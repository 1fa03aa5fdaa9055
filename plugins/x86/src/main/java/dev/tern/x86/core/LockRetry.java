package dev.tern.x86.core;

/**
 * Thrown when the compare-and-set ending a locked read-modify-write finds that another vCPU changed
 * the operand in between; the instruction is then executed again from its decoded state.
 */
final class LockRetry extends RuntimeException {

    static final LockRetry INSTANCE = new LockRetry();

    private LockRetry() {
        super("locked operand changed concurrently", null, false, false);
    }
}
