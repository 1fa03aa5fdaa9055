package dev.tern.kernel.machine;

import dev.tern.spi.irq.CpuInterruptPort;

/**
 * A vCPU's interrupt inputs as the machine hands them to its local controller: the CPU's own, and
 * a wake-up of the EMT when the event comes from another thread (a device back-end) while the
 * machine may be idle. From the EMT itself — an IPI, a timer — nothing more is needed: the target
 * takes the event at its next instruction boundary in its own turn.
 */
record WakingCpuPort(CpuInterruptPort cpu, Runnable wake) implements CpuInterruptPort {

    @Override
    public void setInterruptRequest(boolean asserted) {
        cpu.setInterruptRequest(asserted);
        if (asserted) {
            wake.run();
        }
    }

    @Override
    public void nmi() {
        cpu.nmi();
        wake.run();
    }

    @Override
    public void init() {
        cpu.init();
        wake.run();
    }

    @Override
    public void startup(int vector) {
        cpu.startup(vector);
        wake.run();
    }
}
