package dev.tern.x86.interp;

/**
 * Thrown when the compare-and-set ending a locked read-modify-write finds that another vCPU changed
 * the operand in between; the instruction is then executed again from its decoded state.
 */
public final class LockRetry extends RuntimeException {

    public static final LockRetry INSTANCE = new LockRetry();

    private LockRetry() {
        super("locked operand changed concurrently", null, false, false);
    }
}
