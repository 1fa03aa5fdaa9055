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
        // Two passes over L (blocks are decoded when code comes round again). Each pass stores AL
        // over the instruction at P: the first pass leaves INC EDX (42) there and adds 4 to AL,
        // so the second pass — running as a block decoded with INC EDX — turns P into INC ESI (46)
        // just ahead of itself. The first pass's store also left a fast write translation for the
        // code page, which entering the block must drop.
        TestMachine m = new TestMachine().protectedMode();
        int l = CODE + 7;
        int p = l + 6;
        m.code(concat(new int[] {0xB0, 0x42,                  // mov al, 0x42
                    0xBB, 2, 0, 0, 0},                          // mov ebx, 2
                new int[] {0xA2}, le32(p),                      // L: mov [P], al
                new int[] {0x90,                                // nop
                    0x42,                                       // P: inc edx
                    0x04, 0x04,                                 // add al, 4
                    0x4B,                                       // dec ebx
                    0x75, 0xF4,                                 // jnz L
                    0xF4}));
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        CpuCore c = m.cpu.core();
        assertEquals(1, c.r[CpuCore.EDX], "first pass: INC EDX");
        assertEquals(1, c.r[CpuCore.ESI], "second pass: the patched INC ESI ran, not the decoded INC EDX");
        assertEquals(2 + 2 * 6 + 1, m.cpu.instructionCount());
    }

    @Test
    void aDeviceWriteBetweenRunsIsSeen() {
        // L: inc eax; inc ebx; jmp L  — the device turns INC EBX into INC ECX between runs.
        TestMachine m = new TestMachine().protectedMode();
        m.code(0x40, 0x43, 0xEB, 0xFC);
        m.cpu.run(9);
        CpuCore c = m.cpu.core();
        assertEquals(3, c.r[CpuCore.EAX]);
        assertEquals(3, c.r[CpuCore.EBX]);
        m.memory.writeU8(CODE + 1, 0x41);
        m.cpu.run(6);
        assertEquals(5, c.r[CpuCore.EAX]);
        assertEquals(3, c.r[CpuCore.EBX], "INC EBX is gone");
        assertEquals(2, c.r[CpuCore.ECX]);
        assertEquals(CODE, c.eip);
    }

    @Test
    void aStoreToAnotherPagesBlockIsSeenOnTheNextCall() {
        // call F; call F; mov byte [F], 0x43; call F; hlt   with F: inc eax; ret on the next page.
        TestMachine m = new TestMachine().protectedMode();
        int f = CODE + 0x1000;
        m.poke(f, 0x40, 0xC3);
        m.code(concat(new int[] {0xE8}, le32(f - (CODE + 5)),
                new int[] {0xE8}, le32(f - (CODE + 10)),
                new int[] {0xC6, 0x05}, le32(f), new int[] {0x43},
                new int[] {0xE8}, le32(f - (CODE + 22)),
                new int[] {0xF4}));
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        CpuCore c = m.cpu.core();
        assertEquals(2, c.r[CpuCore.EAX], "the first two calls ran INC EAX");
        assertEquals(1, c.r[CpuCore.EBX], "the third call ran the patched INC EBX");
    }

    @Test
    void aBudgetEndsARunAfterExactlyNInstructionsInsideABlock() {
        int[] code = new int[12];
        java.util.Arrays.fill(code, 0x40);        // L: 10 x inc eax; jmp L
        code[10] = 0xEB;
        code[11] = -12 & 0xff;
        TestMachine blocks = new TestMachine().protectedMode();
        blocks.code(code);
        TestMachine single = new TestMachine().protectedMode();
        single.code(code);
        long total = 0;
        for (int n : new int[] {3, 1, 7, 2, 5, 11, 13, 4, 9, 22, 6}) {
            blocks.cpu.run(n);
            for (int k = 0; k < n; k++) {
                single.cpu.run(1);
            }
            total += n;
            X86State a = single.cpu.save();
            X86State b = blocks.cpu.save();
            assertEquals(total, b.instructionCount());
            assertEquals(java.util.Arrays.toString(a.gprs()), java.util.Arrays.toString(b.gprs()), "after " + total);
            assertEquals(a.eflags(), b.eflags(), "same EFLAGS as one instruction per run");
            assertEquals(a.eip(), b.eip());
        }
        assertEquals(total - total / 11, blocks.cpu.core().r[CpuCore.EAX]);
    }

    @Test
    void aFaultInsideABlockLeavesTheStateTheFaultingInstructionFound() {
        //     mov esi, 0x6000
        // L:  mov eax, 1; cmp eax, 2; add [esi], eax; add esi, 0x1000; jmp L
        // The second pass runs as a block and its ADD faults on the read-only page 0x7000.
        TestMachine m = new TestMachine().protectedMode().paging();
        m.memory.writeU32(m.pte(0x7000), 0x7000 | 5);
        int l = CODE + 5;
        m.code(concat(new int[] {0xBE}, le32(0x6000),
                new int[] {0xB8}, le32(1),
                new int[] {0x83, 0xF8, 0x02, 0x01, 0x06, 0x81, 0xC6, 0x00, 0x10, 0x00, 0x00, 0xEB, -18 & 0xff}));
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        CpuCore c = m.cpu.core();
        assertEquals(14, m.handledVector());
        assertEquals(1 + 5 + 2 + 1, m.cpu.instructionCount(), "mov esi, a pass, mov and cmp, the handler's HLT");
        assertEquals(l + 8, m.stack(1), "EIP pushed is the faulting ADD");
        assertEquals(CpuCore.CF | CpuCore.PF | CpuCore.AF | CpuCore.SF, m.stack(3) & CpuCore.STATUS,
                "EFLAGS pushed are CMP's (1-2), not the faulted ADD's");
        assertEquals(1, m.peek32(0x6000), "the first pass added");
        assertEquals(0, m.peek32(0x7000), "memory untouched");
        assertEquals(0x7000, c.r[CpuCore.ESI]);
        assertEquals(0x7000, c.cr2);
    }

    @Test
    void aDivideFaultInsideABlockIsTakenAtTheDivide() {
        //     mov ecx, 1
        // L:  mov eax, 5; add ebx, 7; xor edx, edx; div ecx; dec ecx; jmp L
        TestMachine m = new TestMachine().protectedMode();
        int l = CODE + 5;
        m.code(concat(new int[] {0xB9}, le32(1), new int[] {0xB8}, le32(5),
                new int[] {0x83, 0xC3, 0x07, 0x31, 0xD2, 0xF7, 0xF1, 0x49, 0xEB, -15 & 0xff}));
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        CpuCore c = m.cpu.core();
        assertEquals(0, m.handledVector());
        assertEquals(l + 10, m.stack(0), "EIP pushed is the DIV");
        assertEquals(CpuCore.ZF | CpuCore.PF, m.stack(2) & CpuCore.STATUS, "XOR's flags");
        assertEquals(14, c.r[CpuCore.EBX]);
        assertEquals(5, c.r[CpuCore.EAX]);
        assertEquals(0, c.r[CpuCore.ECX]);
        assertEquals(1 + 6 + 3 + 1, m.cpu.instructionCount());
    }
}
