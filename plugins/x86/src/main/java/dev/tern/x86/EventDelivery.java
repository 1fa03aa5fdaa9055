package dev.tern.x86;

import dev.tern.x86.block.BlockTable;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;
import dev.tern.x86.transfer.InterruptDelivery;

import java.util.function.Supplier;

/**
 * Hands events to the guest: exceptions raised by instructions, external interrupts and NMIs, and
 * the debug unit's #DB, with the double-fault rules (a contributory fault or #PF while delivering
 * one escalates to #DF, a fault while delivering #DF shuts the vCPU down). Every method returns the
 * shutdown reason, or null when the event was delivered.
 */
final class EventDelivery {

    private final CpuCore core;
    private final BlockTable blocks;
    /** The vCPU's state for a shutdown message. */
    private final Supplier<String> where;
    private int firstException = -1;

    EventDelivery(CpuCore core, BlockTable blocks, Supplier<String> where) {
        this.core = core;
        this.blocks = blocks;
        this.where = where;
    }

    /** Vector of the first exception raised by an instruction since {@link #forget()} (-1 if none). */
    int firstException() {
        return firstException;
    }

    /** Starts counting exceptions afresh (reset, a loaded state). */
    void forget() {
        firstException = -1;
    }

    /** An exception raised by an instruction (fault or trap as the fault says). */
    String exception(CpuFault f) {
        if (firstException < 0) {
            firstException = f.vector();
        }
        return deliver(f.vector(), f.hasErrorCode(), f.errorCode(), f);
    }

    /** An external interrupt or NMI. */
    String interrupt(int vector) {
        return deliver(vector, false, 0, null);
    }

    /**
     * A #DB raised by the debug unit with {@code causes} for DR6: an instruction breakpoint (fault
     * class, pushing RF as it is) or a trap after an instruction.
     */
    String debug(int causes) {
        core.debug.report(causes);
        return deliver(CpuFault.DB, false, 0, null);
    }

    private String deliver(int vector, boolean hasError, int error, CpuFault first) {
        // Delivery may switch tasks (a new CR3) or load a new CS: blocks' code must be compared again.
        blocks.distrust();
        String fatal;
        try {
            fatal = withEscalation(vector, hasError, error, first);
        } finally {
            // Data breakpoints hit by the delivery's own stack and table accesses are not reported.
            core.debug.discardPending();
        }
        // What is left is a task gate's switch to a task with the TSS T flag: its #DB comes
        // before the new task's first instruction.
        int taskTrap = core.debug.takePending();
        return fatal != null || taskTrap == 0 ? fatal : debug(taskTrap);
    }

    private String withEscalation(int vector, boolean hasError, int error, CpuFault first) {
        int vec = vector;
        boolean he = hasError;
        int code = error;
        CpuFault current = first;
        for (int attempt = 0; attempt < 4; attempt++) {
            int savedFlags = core.flags();
            if (current != null) {
                // Fault-class exceptions push RF = 1, so returning to the faulting instruction
                // does not stop at an instruction breakpoint on it a second time.
                core.setFlag(CpuCore.RF, true);
            }
            try {
                InterruptDelivery.deliver(core, vec, core.eip, false, he, code);
                return null;
            } catch (CpuFault second) {
                core.setFlags(savedFlags);
                if (vec == CpuFault.DF) {
                    return "triple fault (exception " + second.vector() + " while delivering #DF) at " + where.get();
                }
                boolean firstContributory = current != null && current.contributory();
                boolean firstPf = current != null && current.vector() == CpuFault.PF;
                boolean escalate = (firstContributory && second.contributory())
                        || (firstPf && (second.contributory() || second.vector() == CpuFault.PF));
                if (escalate) {
                    vec = CpuFault.DF;
                    he = true;
                    code = 0;
                    current = CpuFault.withCode(CpuFault.DF, 0);
                } else {
                    vec = second.vector();
                    he = second.hasErrorCode();
                    code = second.errorCode();
                    current = second;
                }
            }
        }
        return "unrecoverable exception loop at " + where.get();
    }
}
