package dev.tern.kernel.plugin;

import dev.tern.spi.cpu.CpuContext;
import dev.tern.spi.cpu.CpuProvider;
import dev.tern.spi.cpu.Vcpu;

/** A class-path CPU provider registered in the test resources; only its identity is exercised. */
public final class TestCpuProvider implements CpuProvider {

    @Override
    public String id() {
        return "test-cpu";
    }

    @Override
    public String description() {
        return "CPU fixture for registry tests";
    }

    @Override
    public Vcpu create(CpuContext context) {
        throw new UnsupportedOperationException("test-cpu is a discovery fixture and creates no vCPUs");
    }
}
