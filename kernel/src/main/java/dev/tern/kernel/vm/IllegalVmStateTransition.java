package dev.tern.kernel.vm;

/** A requested VM state change that the lifecycle's transition table does not allow. */
public final class IllegalVmStateTransition extends IllegalStateException {

    private final VmState from;
    private final VmState to;

    /** The change {@code from → to} was refused. */
    public IllegalVmStateTransition(VmState from, VmState to) {
        super("cannot go from " + from + " to " + to);
        this.from = from;
        this.to = to;
    }

    /** The state the VM was in. */
    public VmState from() {
        return from;
    }

    /** The state that was requested. */
    public VmState to() {
        return to;
    }
}
