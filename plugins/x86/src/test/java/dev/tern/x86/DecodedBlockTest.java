package dev.tern.x86;

import dev.tern.spi.cpu.VcpuExit;
import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.api.Test;

import static dev.tern.x86.TestMachine.CODE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Decoded blocks: code written by the guest (ahead of itself in the running block, on another page)
 * or by a device between runs is executed in its new form, a budget ends a run after exactly N
 * instructions in the middle of a block, and a fault inside a block leaves the state the faulting
 * instruction found.
 */
class DecodedBlockTest {

    private static int[] le32(int v) {
        return new int[] {v & 0xff, v >> 8 & 0xff, v >> 16 & 0xff, v >>> 24};
    }

    private static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    @Test
    void aStoreAheadOfItselfInTheRunningBlockIsExecutedInItsNewForm() {
        // The first block stores to the code page (so a fast write translation exists), then the
        // second block patches its own third instruction from INC ECX (41) to INC EAX (40).
        TestMachine m = new TestMachine().protectedMode();
        int l = CODE + 0x20;
        int p = l + 8;
        m.code(concat(new int[] {0xC6, 0x05}, le32(CODE + 0x800), new int[] {0x01}, // mov byte [CODE+0x800], 1
                new int[] {0xEB, l - (CODE + 9)}));                               // jmp L
        m.poke(l, concat(new int[] {0xC6, 0x05}, le32(p), new int[] {0x40},       // L: mov byte [P], 0x40
                new int[] {0x90,                                                  // nop
                    0x41,                                                         // P: inc ecx
                    0xF4}));
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        CpuCore c = m.cpu.core();
        assertEquals(1, c.r[CpuCore.EAX], "the patched INC EAX ran");
        assertEquals(0, c.r[CpuCore.ECX], "the original INC ECX did not");
        assertEquals(6, m.cpu.instructionCount());
    }

    @Test
    void aDeviceWriteBetweenRunsIsSeen() {
        // L: inc eax; inc ebx; jmp L  — the device turns INC EBX into INC ECX between runs.
        TestMachine m = new TestMachine().protectedMode();
        m.code(0x40, 0x43, 0xEB, 0xFC);
        m.cpu.run(6);
        CpuCore c = m.cpu.core();
        assertEquals(2, c.r[CpuCore.EAX]);
        assertEquals(2, c.r[CpuCore.EBX]);
        m.memory.writeU8(CODE + 1, 0x41);
        m.cpu.run(6);
        assertEquals(4, c.r[CpuCore.EAX]);
        assertEquals(2, c.r[CpuCore.EBX], "INC EBX is gone");
        assertEquals(2, c.r[CpuCore.ECX]);
        assertEquals(CODE, c.eip);
    }

    @Test
    void aStoreToAnotherPagesBlockIsSeenOnTheNextCall() {
        // call F; mov byte [F], 0x43; call F; hlt   with F: inc eax; ret on the next page.
        TestMachine m = new TestMachine().protectedMode();
        int f = CODE + 0x1000;
        m.poke(f, 0x40, 0xC3);
        m.code(concat(new int[] {0xE8}, le32(f - (CODE + 5)),
                new int[] {0xC6, 0x05}, le32(f), new int[] {0x43},
                new int[] {0xE8}, le32(f - (CODE + 17)),
                new int[] {0xF4}));
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        CpuCore c = m.cpu.core();
        assertEquals(1, c.r[CpuCore.EAX], "the first call ran INC EAX");
        assertEquals(1, c.r[CpuCore.EBX], "the second call ran the patched INC EBX");
    }

    @Test
    void aBudgetEndsARunAfterExactlyNInstructionsInsideABlock() {
        int[] code = new int[21];
        java.util.Arrays.fill(code, 0x40);        // 20 x inc eax
        code[20] = 0xF4;
        TestMachine blocks = new TestMachine().protectedMode();
        blocks.code(code);
        TestMachine single = new TestMachine().protectedMode();
        single.code(code);
        long total = 0;
        for (int n : new int[] {3, 1, 7, 2, 5}) {
            blocks.cpu.run(n);
            for (int k = 0; k < n; k++) {
                single.cpu.run(1);
            }
            total += n;
            CpuCore c = blocks.cpu.core();
            assertEquals(total, blocks.cpu.instructionCount());
            assertEquals(total, c.r[CpuCore.EAX]);
            assertEquals(CODE + (int) total, c.eip);
            X86State a = single.cpu.save();
            X86State b = blocks.cpu.save();
            assertEquals(java.util.Arrays.toString(a.gprs()), java.util.Arrays.toString(b.gprs()));
            assertEquals(a.eflags(), b.eflags(), "same EFLAGS as one instruction per run");
            assertEquals(a.eip(), b.eip());
            assertEquals(a.instructionCount(), b.instructionCount());
        }
    }

    @Test
    void aFaultInsideABlockLeavesTheStateTheFaultingInstructionFound() {
        // mov eax,1; cmp eax,2; add [0x7000],eax (read-only page: #PF on the write); inc ecx; hlt
        TestMachine m = new TestMachine().protectedMode().paging();
        m.memory.writeU32(m.pte(0x7000), 0x7000 | 5);
        m.code(concat(new int[] {0xB8}, le32(1),
                new int[] {0x83, 0xF8, 0x02},
                new int[] {0x01, 0x05}, le32(0x7000),
                new int[] {0x41, 0xF4}));
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        CpuCore c = m.cpu.core();
        assertEquals(14, m.handledVector());
        assertEquals(3, m.cpu.instructionCount(), "mov, cmp, then the handler's HLT");
        assertEquals(CODE + 8, m.stack(1), "EIP pushed is the faulting ADD");
        assertEquals(CpuCore.CF | CpuCore.PF | CpuCore.AF | CpuCore.SF, m.stack(3) & CpuCore.STATUS,
                "EFLAGS pushed are CMP's (1-2), not the faulted ADD's");
        assertEquals(0, m.peek32(0x7000), "memory untouched");
        assertEquals(0, c.r[CpuCore.ECX]);
        assertEquals(0x7000, c.cr2);
    }

    @Test
    void aDivideFaultInsideABlockIsTakenAtTheDivide() {
        // mov eax,5; add ebx,7; xor edx,edx; div edx; inc ecx; hlt
        TestMachine m = new TestMachine().protectedMode();
        m.code(concat(new int[] {0xB8}, le32(5),
                new int[] {0x83, 0xC3, 0x07, 0x31, 0xD2, 0xF7, 0xF2, 0x41, 0xF4}));
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        CpuCore c = m.cpu.core();
        assertEquals(0, m.handledVector());
        assertEquals(CODE + 10, m.stack(0), "EIP pushed is the DIV");
        assertEquals(CpuCore.ZF | CpuCore.PF, m.stack(2) & CpuCore.STATUS, "XOR's flags");
        assertEquals(7, c.r[CpuCore.EBX]);
        assertEquals(5, c.r[CpuCore.EAX]);
        assertEquals(0, c.r[CpuCore.ECX]);
        assertEquals(4, m.cpu.instructionCount());
    }
}
