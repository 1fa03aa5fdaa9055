package dev.tern.kernel.io;

import dev.tern.spi.Registration;
import dev.tern.spi.io.MmioHandler;
import dev.tern.spi.io.MmioSpace;

/**
 * One vCPU's view of the MMIO space: the mappings only this vCPU sees (its local APIC page) in front
 * of the machine's shared ones. A machine without per-vCPU mappings pays one array-length test.
 */
final class CpuMmioView implements MmioSpace {

    private final MmioBus shared;
    private final MmioBus own;

    CpuMmioView(MmioBus shared, MmioBus own) {
        this.shared = shared;
        this.own = own;
    }

    MmioBus own() {
        return own;
    }

    @Override
    public Registration map(String owner, long base, long length, MmioHandler handler) {
        return shared.map(owner, base, length, handler);
    }

    @Override
    public Registration mapForCpu(int vcpu, String owner, long base, long length, MmioHandler handler) {
        return shared.mapForCpu(vcpu, owner, base, length, handler);
    }

    @Override
    public long read(long gpa, int size) {
        return ownMaps(gpa) ? own.read(gpa, size) : shared.read(gpa, size);
    }

    @Override
    public void write(long gpa, int size, long value) {
        if (ownMaps(gpa)) {
            own.write(gpa, size, value);
        } else {
            shared.write(gpa, size, value);
        }
    }

    @Override
    public boolean isMapped(long gpa) {
        return ownMaps(gpa) || shared.isMapped(gpa);
    }

    private boolean ownMaps(long gpa) {
        return !own.isEmpty() && own.isMapped(gpa);
    }
}
