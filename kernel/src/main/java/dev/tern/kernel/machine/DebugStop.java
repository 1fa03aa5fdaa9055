package dev.tern.kernel.machine;

/** Why vCPU 0 stopped for an attached debugger (the machine is paused when a listener hears it). */
public sealed interface DebugStop {

    /** The vCPU reported a debug event: a breakpoint at {@code address}, or a watchpoint hit by the instruction before it. */
    record CpuEvent(long address) implements DebugStop { }

    /** {@link Machine#requestDebugStop()} asked for a stop (the debugger's Ctrl-C). */
    record Interrupted() implements DebugStop { }

    /** A replay reached the end of its recording; with a debugger attached it pauses there instead of ending. */
    record ReplayEnd() implements DebugStop { }
}
