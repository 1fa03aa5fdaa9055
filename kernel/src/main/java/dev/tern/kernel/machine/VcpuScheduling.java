package dev.tern.kernel.machine;

/**
 * How the vCPUs of a machine share the host (docs/smp.md). With one vCPU both are the same.
 */
public enum VcpuScheduling {

    /**
     * The vCPUs take deterministic turns of {@link VcpuSet#QUANTUM} instructions on one thread: the
     * interleaving is a function of the guest alone, so record/replay and fault tolerance reproduce
     * it. The default.
     */
    TURNS,

    /**
     * Each vCPU runs on its own host thread, at the same time as the others: N vCPUs can use N host
     * cores, but the order in which they touch shared memory is the host scheduler's, so such a run
     * can be neither recorded, replayed nor protected by fault tolerance.
     */
    PARALLEL
}
