package dev.tern.kernel.replay;

/**
 * A replay went a different way from its recording: the machine stops with this report instead of
 * running on (or waiting for input the log does not have).
 */
public final class ReplayDivergence extends RuntimeException {

    private final long instructions;

    public ReplayDivergence(long instructions, String what) {
        super("replay diverged at instruction " + instructions + ": " + what);
        this.instructions = instructions;
    }

    /** vCPU 0's instruction count where the divergence was found. */
    public long instructions() {
        return instructions;
    }
}
