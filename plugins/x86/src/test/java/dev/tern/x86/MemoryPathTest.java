package dev.tern.x86;

import dev.tern.spi.Registration;
import dev.tern.spi.io.MmioHandler;
import dev.tern.spi.io.MmioSpace;
import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dirty logging, ROM, MMIO and the cross-page paths of the software TLB. */
class MemoryPathTest {

    /** One MMIO window at 0xA0000..0xA0FFF that echoes reads and records writes. */
    static final class WindowMmio implements MmioSpace {
        final List<long[]> writes = new ArrayList<>();

        @Override
        public Registration map(String owner, long base, long length, MmioHandler handler) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long read(long gpa, int size) {
            return isMapped(gpa) ? 0x1234_5678L & ((1L << (size * 8)) - 1) : -1;
        }

        @Override
        public void write(long gpa, int size, long value) {
            writes.add(new long[] {gpa, size, value});
        }

        @Override
        public boolean isMapped(long gpa) {
            return gpa >= 0xa0000 && gpa < 0xa1000;
        }
    }

    private final RegionListMemory memory = new RegionListMemory()
            .add("ram", 0, 0x80000, false)
            .add("bios", 0xf0000, 0x10000, true);
    private final WindowMmio mmio = new WindowMmio();
    private final X86Cpu cpu = new X86Cpu(0, memory, mmio, null, null, () -> 0L, 1_000_000_000L, 0x611);

    private void realModeProgram(int... code) {
        CpuCore c = cpu.core();
        c.seg[CpuCore.CS].loadReal(0);
        c.seg[CpuCore.DS].loadReal(0);
        c.seg[CpuCore.ES].loadReal(0xa000);
        c.seg[CpuCore.FS].loadReal(0xf000);
        c.eip = 0x1000;
        for (int i = 0; i < code.length; i++) {
            memory.writeU8(0x1000 + i, code[i]);
        }
    }

    @Test
    void firstWriteAfterWriteProtectAllIsReportedDirty() {
        realModeProgram(0xC6, 0x06, 0x00, 0x30, 0x11,     // mov byte [0x3000], 0x11
                0xC6, 0x06, 0x01, 0x30, 0x22,               // mov byte [0x3001], 0x22
                0xF4);
        cpu.run(1);
        memory.dirty.clear();
        cpu.writeProtectAll();
        cpu.run(10);
        assertTrue(memory.dirtied(0x3000), "the write after writeProtectAll must reach the dirty log");
        assertEquals(0x2211, memory.readU16(0x3000));
    }

    /**
     * markWritableDirty reports a page the TLB can write without the dirty log and keeps the entry,
     * so the next write there stays on the fast path yet lands in a page already reported.
     */
    @Test
    void markWritableDirtyReportsTheWritablePagesAndKeepsThem() {
        realModeProgram(0xC6, 0x06, 0x00, 0x30, 0x11,     // mov byte [0x3000], 0x11
                0xC6, 0x06, 0x01, 0x30, 0x22,               // mov byte [0x3001], 0x22
                0xF4);
        cpu.run(1);
        memory.dirty.clear();
        cpu.markWritableDirty();
        assertTrue(memory.dirtied(0x3000), "the writable page must be reported");
        assertFalse(memory.dirtied(0x5000), "a page the TLB cannot write is not reported");
        assertTrue(cpu.core().mmu.fastWrite(0x3001, 1, 0), "the write entry must be kept");
        cpu.run(10);
        assertEquals(0x2211, memory.readU16(0x3000));
    }

    @Test
    void romIgnoresWritesButReads() {
        memory.regions.get(1).segment().set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0x10, (byte) 0x5a);
        realModeProgram(0x64, 0xC6, 0x06, 0x10, 0x00, 0x99,   // mov byte fs:[0x10], 0x99
                0x64, 0xA0, 0x10, 0x00,                         // mov al, fs:[0x10]
                0xF4);
        cpu.run(10);
        assertEquals(0x5a, cpu.core().r[CpuCore.EAX] & 0xff);
    }

    @Test
    void mmioAccessesGoToTheMmioSpace() {
        realModeProgram(0x26, 0xC7, 0x06, 0x04, 0x00, 0xCD, 0xAB,  // mov word es:[4], 0xabcd
                0x26, 0xA1, 0x08, 0x00,                              // mov ax, es:[8]
                0xF4);
        cpu.run(10);
        assertEquals(1, mmio.writes.size());
        assertEquals(0xa0004, mmio.writes.getFirst()[0]);
        assertEquals(0xabcd, mmio.writes.getFirst()[2]);
        assertEquals(0x5678, cpu.core().r[CpuCore.EAX] & 0xffff);
    }

    @Test
    void unbackedAddressesReadAllOnes() {
        realModeProgram(0xB8, 0x00, 0x90, 0x8E, 0xD8,    // mov ax, 0x9000; mov ds, ax
                0xA1, 0x00, 0x00, 0xF4);                  // mov ax, [0] (0x90000: no region)
        cpu.run(10);
        assertEquals(0xffff, cpu.core().r[CpuCore.EAX] & 0xffff);
    }

    @Test
    void wordAccessAcrossPagesUsesBothPages() {
        realModeProgram(0xC7, 0x06, 0xFF, 0x3F, 0x34, 0x12,   // mov word [0x3fff], 0x1234
                0x8B, 0x1E, 0xFF, 0x3F, 0xF4);                  // mov bx, [0x3fff]
        cpu.run(10);
        assertEquals(0x34, memory.readU8(0x3fff));
        assertEquals(0x12, memory.readU8(0x4000));
        assertEquals(0x1234, cpu.core().r[CpuCore.EBX] & 0xffff);
        assertFalse(cpu.core().r[CpuCore.EBX] != 0x1234);
    }
}
