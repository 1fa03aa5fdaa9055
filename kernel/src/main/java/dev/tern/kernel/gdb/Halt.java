package dev.tern.kernel.gdb;

import dev.tern.kernel.machine.MachineExit;

/** Why the debugged machine stopped running, as a GDB stop reply reports it. */
sealed interface Halt {

    /** What a stop with a signal was. */
    enum Cause {
        /** A software breakpoint (Z0). */
        SOFTWARE_BREAKPOINT,
        /** A hardware breakpoint (Z1). */
        HARDWARE_BREAKPOINT,
        /** A write watchpoint (Z2). */
        WATCH,
        /** A read watchpoint (Z3). */
        READ_WATCH,
        /** An access watchpoint (Z4). */
        ACCESS_WATCH,
        /** A step ended, or the machine was stopped where it starts. */
        STEP,
        /** GDB's Ctrl-C. */
        INTERRUPT,
        /** Reverse execution reached the start of the replay history. */
        HISTORY_BEGIN,
        /** Execution reached the end of the recording being replayed. */
        HISTORY_END
    }

    /** The machine is paused; {@code address} is the watched data address for watchpoints. */
    record Stopped(Cause cause, long address) implements Halt {
        Stopped(Cause cause) {
            this(cause, 0);
        }
    }

    /** The run ended. */
    record Exited(MachineExit exit) implements Halt { }

    /** Going back failed (the machine stays paused where it was left); {@code why} was logged. */
    record Failed(String why) implements Halt { }
}
