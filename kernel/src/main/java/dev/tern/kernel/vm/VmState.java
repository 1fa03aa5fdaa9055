package dev.tern.kernel.vm;

/**
 * The run state of a virtual machine. Which states may follow which is fixed by
 * {@link VmLifecycle#allowedTransitions()}.
 */
public enum VmState {
    /** Built but never started; devices are at power-on state and no vCPU has run. */
    CREATED,
    /** Waiting for and receiving an incoming migration stream; vCPUs have not run here. */
    INMIGRATE,
    /** Loading a snapshot into a stopped machine. */
    LOADING,
    /** vCPUs are executing guest code. */
    RUNNING,
    /** Stopped by the user or management; resumable with no loss. */
    PAUSED,
    /** Stopped while a snapshot is written; returns to running or paused when done. */
    SAVING,
    /** Source side of a migration in its final, stopped phase: remaining state is being sent. */
    MIGRATING,
    /** Source side after a completed migration: the guest now lives elsewhere; resuming here is a deliberate choice. */
    POSTMIGRATE,
    /** Powered off by the guest or quit by the user; terminal. */
    SHUTDOWN,
    /** Stopped by an error the machine cannot continue from (bad guest state, device fault, failed load); only shutdown follows. */
    FAILED
}
