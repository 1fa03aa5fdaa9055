package dev.tern.x86;

import dev.tern.spi.state.StateSection;

import java.util.Optional;

/** The saved-state section "x86-cpu": one instance per vCPU, named by the vCPU id. */
final class CpuStateSection implements StateSection<X86State> {

    private final X86Cpu cpu;
    private final int vcpuId;

    CpuStateSection(X86Cpu cpu, int vcpuId) {
        this.cpu = cpu;
        this.vcpuId = vcpuId;
    }

    @Override
    public String name() {
        return "x86-cpu";
    }

    @Override
    public String instance() {
        return Integer.toString(vcpuId);
    }

    @Override
    public Class<X86State> stateType() {
        return X86State.class;
    }

    @Override
    public X86State save() {
        return cpu.save();
    }

    @Override
    public void load(X86State state) {
        cpu.load(state);
    }

    @Override
    public Optional<String> validate(X86State state) {
        return state.problem();
    }
}
