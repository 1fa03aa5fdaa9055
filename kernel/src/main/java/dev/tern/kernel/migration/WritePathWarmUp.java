package dev.tern.kernel.migration;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.memory.DirtyLog;
import dev.tern.kernel.vm.VmState;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Lets the running guest write for a moment with the dirty log on, long before any migration. The
 * first time the log is on, the vCPU's write path takes branches it never took before, and the JIT
 * throws its compiled run loop away and compiles it again: a flight recording of dirty-writer
 * migrations showed {@code X86Cpu.runBlock} and {@code Mmu.write32} deoptimised at the migration's
 * start and recompiled for 140 ms on the compiler thread, on the one core the vCPU leaves free,
 * through the rounds and the pause. Done here, that happens while nothing waits for it.
 *
 * <p>The log is claimed as yielding: a migration, checkpoint or dirty-rate measurement that starts
 * meanwhile ends this at once and takes the log.
 */
final class WritePathWarmUp {

    /** How long the guest writes with the log on: enough writes for the JIT's branch profile. */
    private static final long LOGGED_MS = 50;
    private static final String WHO = "the migration warm-up";

    private WritePathWarmUp() {
    }

    /** Does nothing when the log is in use or the guest does not run. */
    static void run(Machine machine) {
        if (machine.lifecycle().state() != VmState.RUNNING) {
            return;
        }
        var wanted = new CountDownLatch(1);
        DirtyLog log = machine.memory().dirtyLog();
        try {
            log.claimYielding(WHO, wanted::countDown);
        } catch (IllegalStateException busy) {
            return;
        }
        try {
            // every vCPU drops its cached write permissions: its next writes take the logged path
            machine.syncDirtyLog();
            // a period of guest execution, not synchronisation: a claimer ends it early
            wanted.await(LOGGED_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // only a warm-up: the machine stopped or ended meanwhile
        } finally {
            log.release(WHO);
        }
    }
}
