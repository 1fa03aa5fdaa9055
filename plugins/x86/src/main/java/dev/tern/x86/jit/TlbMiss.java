package dev.tern.x86.jit;

/**
 * Thrown by {@link TlbPath} when an access cannot take the fast path; translated code catches it at
 * the instruction that made the access, before that instruction changed anything, and leaves the
 * block there. One shared instance without a stack trace: it is control flow, never reported.
 */
final class TlbMiss extends RuntimeException {

    static final TlbMiss INSTANCE = new TlbMiss();

    private TlbMiss() {
        super("soft-TLB miss in translated code", null, false, false);
    }
}
