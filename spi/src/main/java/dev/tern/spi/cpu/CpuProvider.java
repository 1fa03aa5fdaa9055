package dev.tern.spi.cpu;

import dev.tern.spi.Provider;

/** Supplies a CPU model (e.g. {@code "x86"}). */
public interface CpuProvider extends Provider {

    /** Creates vCPU number {@code context.vcpuId()} of a machine. */
    Vcpu create(CpuContext context);
}
