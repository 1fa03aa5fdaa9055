package dev.tern.x86;

import dev.tern.spi.irq.CpuInterruptPort;
import dev.tern.x86.core.CpuCore;

/**
 * The vCPU's side of its local APIC: the INTR line, and NMI, INIT and startup IPIs, which any
 * thread may send; they are posted to {@link ApicEvents} and taken at the next instruction
 * boundary, so each one also ends the decoded block running now.
 */
final class LocalInterruptPort implements CpuInterruptPort {

    private final X86Cpu cpu;
    private final ApicEvents events;
    private final CpuCore core;

    LocalInterruptPort(X86Cpu cpu, ApicEvents events, CpuCore core) {
        this.cpu = cpu;
        this.events = events;
        this.core = core;
    }

    @Override
    public void setInterruptRequest(boolean asserted) {
        cpu.setInterruptRequest(asserted);
    }

    @Override
    public void nmi() {
        events.post(ApicEvents.NMI, 0);
        core.blockBreak = true;
    }

    @Override
    public void init() {
        events.post(ApicEvents.INIT, 0);
        core.blockBreak = true;
    }

    @Override
    public void startup(int vector) {
        events.post(ApicEvents.SIPI, vector);
        core.blockBreak = true;
    }
}
