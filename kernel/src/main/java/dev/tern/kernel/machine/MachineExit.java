package dev.tern.kernel.machine;

/**
 * How a machine's run ended.
 *
 * @param reason the cause
 * @param status the process exit status it maps to (the guest's for {@link Reason#POWER_OFF})
 * @param detail a human-readable explanation
 */
public record MachineExit(Reason reason, int status, String detail) {

    /** Why the run ended. */
    public enum Reason {
        /** The guest powered off (isa-debug-exit, ACPI, ...). */
        POWER_OFF,
        /** The guest halted for good (HLT with interrupts disabled): how Linux powers off without ACPI. */
        HALTED,
        /** The guest reset the machine and the reset policy is {@link ResetPolicy#EXIT}. */
        RESET,
        /** The CPU shut down (triple fault). */
        CPU_SHUTDOWN,
        /** The configured instruction limit was reached. */
        INSTRUCTION_LIMIT,
        /** The host asked the machine to stop. */
        HOST_STOP,
        /** A replay reached the end of its recording (or of a recording that was cut short). */
        REPLAY_END,
        /** A replay went another way than its recording; {@link #detail} says where and what differs. */
        DIVERGED,
        /** An internal error; {@link #detail} says what. */
        ERROR
    }
}
