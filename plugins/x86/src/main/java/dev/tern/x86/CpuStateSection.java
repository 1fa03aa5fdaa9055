package dev.tern.x86;

import dev.tern.spi.state.StateSection;
import dev.tern.spi.state.Subsection;
import dev.tern.x86.ops.ModelSpecificRegisters;

import java.util.List;

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

    /**
     * "apic-inputs": written only for a vCPU whose local APIC left it waiting, blocked or with events
     * pending; "msrs": only once the guest set an MSR of {@link ModelSpecificRegisters}, so a state
     * without it (and every state of a Tern before it) loads them as RESET left them.
     */
    @Override
    public List<Subsection<?>> subsections() {
        return List.of(apicInputs(), msrs());
    }

    private Subsection<ModelSpecificRegisters> msrs() {
        return new Subsection<>() {
            @Override
            public String name() {
                return "msrs";
            }

            @Override
            public Class<ModelSpecificRegisters> stateType() {
                return ModelSpecificRegisters.class;
            }

            @Override
            public boolean needed() {
                return !cpu.systemOps().msrs().equals(ModelSpecificRegisters.RESET);
            }

            @Override
            public ModelSpecificRegisters save() {
                return cpu.systemOps().msrs();
            }

            @Override
            public void load(ModelSpecificRegisters m) {
                cpu.systemOps().setMsrs(m);
            }
        };
    }

    private Subsection<X86Cpu.ApicInputState> apicInputs() {
        return new Subsection<X86Cpu.ApicInputState>() {
            @Override
            public String name() {
                return "apic-inputs";
            }

            @Override
            public Class<X86Cpu.ApicInputState> stateType() {
                return X86Cpu.ApicInputState.class;
            }

            @Override
            public boolean needed() {
                return !cpu.apicInputs().idle();
            }

            @Override
            public X86Cpu.ApicInputState save() {
                return cpu.apicInputs();
            }

            @Override
            public Optional<String> validate(X86Cpu.ApicInputState s) {
                if ((s.pending() & ~7) != 0 || s.sipiVector() < 0 || s.sipiVector() > 0xff) {
                    return Optional.of("x86-cpu " + vcpuId + " apic-inputs: pending events 0x" + Integer.toHexString(s.pending())
                            + " (bits 0-2) or startup vector " + s.sipiVector() + " (0..255) out of range");
                }
                return Optional.empty();
            }

            @Override
            public void load(X86Cpu.ApicInputState s) {
                cpu.loadApicInputs(s);
            }
        };
    }
}
