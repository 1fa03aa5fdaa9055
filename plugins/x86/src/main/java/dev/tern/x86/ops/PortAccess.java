package dev.tern.x86.ops;

import dev.tern.spi.io.PortIoSpace;

import static dev.tern.x86.core.CpuCore.IOPL;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;
import dev.tern.x86.memory.Segment;

/** IN/OUT with the protected-mode I/O permission checks (IOPL, then the TSS I/O bitmap). */
public final class PortAccess {

    private final CpuCore c;
    private final PortIoSpace ports;

    public PortAccess(CpuCore c, PortIoSpace ports) {
        this.c = c;
        this.ports = ports;
    }

    /** #GP(0) unless the current privilege may access {@code size} ports at {@code port}. */
    void check(int port, int size) {
        if (!c.protectedMode()) {
            return;
        }
        if (!c.v86() && c.cpl <= (c.flags(IOPL) >> 12)) {
            return;
        }
        Segment tr = c.tr;
        if (!tr.usable || (tr.attr & 0xf) != 0xb || Integer.compareUnsigned(tr.limit, 0x67) < 0) {
            throw CpuFault.gp(0);
        }
        int map = c.readSys16(tr.base + 0x66);
        int first = map + (port >>> 3);
        if (Integer.compareUnsigned(first + 1, tr.limit) > 0) {
            throw CpuFault.gp(0);
        }
        int bits = c.readSys16(tr.base + first);
        int mask = ((1 << size) - 1) << (port & 7);
        if ((bits & mask) != 0) {
            throw CpuFault.gp(0);
        }
    }

    public int in(int port, int size) {
        check(port, size);
        c.debug.portAccess(port, size);
        int v = ports == null ? -1 : ports.read(port & 0xffff, size);
        return size == 4 ? v : v & ((1 << (size * 8)) - 1);
    }

    public void out(int port, int size, int value) {
        check(port, size);
        c.debug.portAccess(port, size);
        if (ports != null) {
            ports.write(port & 0xffff, size, size == 4 ? value : value & ((1 << (size * 8)) - 1));
        }
    }
}
