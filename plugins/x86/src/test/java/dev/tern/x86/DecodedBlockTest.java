package dev.tern.x86;

import dev.tern.spi.cpu.VcpuExit;
import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.api.Test;

import static dev.tern.x86.GuestCode.concat;
import static dev.tern.x86.GuestCode.le32;
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

    // Blocks are decoded once an address has come round a few times, so every scenario below loops
    // enough for its decisive pass to run as a block.

    @Test
    void aStoreAheadOfItselfInTheRunningBlockIsExecutedInItsNewForm() {
        // Ten passes over L. Each pass stores AL over the instruction at P and flips AL between
        // INC EDX (42) and INC ESI (46), so from the second pass on every pass rewrites the
        // instruction just ahead of itself — inside a block decoded from the previous pass's bytes
        // once blocks are in use. The stores also leave fast write translations for the code page,
        // which entering a block must drop.
        TestMachine m = new TestMachine().protectedMode();
        int l = CODE + 7;
        int p = l + 6;
        m.code(concat(new int[] {0xB0, 0x42,                  // mov al, 0x42
                    0xBB, 10, 0, 0, 0},                         // mov ebx, 10
                new int[] {0xA2}, le32(p),                      // L: mov [P], al
                new int[] {0x90,                                // nop
                    0x42,                                       // P: inc edx
                    0x34, 0x04,                                 // xor al, 4
                    0x4B,                                       // dec ebx
                    0x75, 0xF4,                                 // jnz L
                    0xF4}));
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        CpuCore c = m.cpu.core();
        assertEquals(5, c.r[CpuCore.EDX], "odd passes: INC EDX");
        assertEquals(5, c.r[CpuCore.ESI], "even passes: the freshly patched INC ESI, never a stale decode");
        assertEquals(2 + 10 * 6 + 1, m.cpu.instructionCount());
    }

    @Test
    void aDeviceWriteBetweenRunsIsSeen() {
        // L: inc eax; inc ebx; jmp L  — the device turns INC EBX into INC ECX between runs.
        TestMachine m = new TestMachine().protectedMode();
        m.code(0x40, 0x43, 0xEB, 0xFC);
        m.cpu.run(30);
        CpuCore c = m.cpu.core();
        assertEquals(10, c.r[CpuCore.EAX]);
        assertEquals(10, c.r[CpuCore.EBX]);
        m.memory.writeU8(CODE + 1, 0x41);
        m.cpu.run(30);
        assertEquals(20, c.r[CpuCore.EAX]);
        assertEquals(10, c.r[CpuCore.EBX], "INC EBX is gone");
        assertEquals(10, c.r[CpuCore.ECX]);
        assertEquals(CODE, c.eip);
    }

    @Test
    void aStoreToAnotherPagesBlockIsSeenOnTheNextCall() {
        //     mov ecx, 6
        // L:  call F; dec ecx; jnz L
        //     mov byte [F], 0x43; call F; hlt         with F: inc eax; ret on the next page.
        TestMachine m = new TestMachine().protectedMode();
        int f = CODE + 0x1000;
        m.poke(f, 0x40, 0xC3);
        m.code(concat(new int[] {0xB9}, le32(6),
                new int[] {0xE8}, le32(f - (CODE + 10)),
                new int[] {0x49, 0x75, 0xF8},
                new int[] {0xC6, 0x05}, le32(f), new int[] {0x43},
                new int[] {0xE8}, le32(f - (CODE + 25)),
                new int[] {0xF4}));
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        CpuCore c = m.cpu.core();
        assertEquals(6, c.r[CpuCore.EAX], "the first six calls ran INC EAX");
        assertEquals(1, c.r[CpuCore.EBX], "the last call ran the patched INC EBX");
    }

    /**
     * Blocks validated earlier in a trust period skip comparing their bytes; stores that bypass the
     * MMU's write path must end the period. Here a loop calls F on another page until F's block is
     * trusted, then F's INC EAX becomes INC EBX by a device's DMA during an OUT, or by a locked
     * XCHG (a compare-and-set on guest memory), and the next call must run the new instruction.
     */
    @Test
    void aDmaWriteDuringPortIoIsSeenByTheNextCall() {
        // mov edx, eax; mov al, 0x43; out 0xE0, al
        TestMachine m = callLoopThenPatch(new int[] {0x89, 0xC2, 0xB0, 0x43, 0xE6, 0xE0});
        m.ports.effects.put(0xE0, v -> m.memory.writeU8(CODE + 0x1000, v));
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        assertEquals(8, m.cpu.core().r[CpuCore.EDX], "the eight calls in the loop ran INC EAX");
        assertEquals(0x43, m.cpu.core().r[CpuCore.EAX], "the call after the DMA did not");
        assertEquals(1, m.cpu.core().r[CpuCore.EBX], "it ran INC EBX");
    }

    @Test
    void aLockedStoreToCodeIsSeenByTheNextCall() {
        TestMachine m = callLoopThenPatch(concat(new int[] {0xB3, 0x43, 0x86, 0x1D}, le32(CODE + 0x1000))); // mov bl, 0x43; xchg [F], bl
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        assertEquals(8, m.cpu.core().r[CpuCore.EAX], "the eight calls in the loop ran INC EAX");
        assertEquals(0x41, m.cpu.core().r[CpuCore.EBX], "BL got F's old byte 0x40, then the patched INC EBX ran");
    }

    @Test
    void blocksThatEvictEachOtherFromOneSlotStillRunThroughTheirLinks() {
        // L (CODE + 5) and F (0x30004) share a table slot, so each evicts the other as the loop
        // alternates between them; the block after the call reaches L through its link, even while
        // L is out of the table. mov ecx, 40; L: call F; dec ecx; jnz L; hlt — F: inc eax; ret.
        TestMachine m = new TestMachine().protectedMode();
        int f = 0x20000 + ((CODE + 5) ^ 1);
        m.poke(f, 0x40, 0xC3);
        m.code(concat(new int[] {0xB9}, le32(40),
                new int[] {0xE8}, le32(f - (CODE + 10)),
                new int[] {0x49, 0x75, 0xF8, 0xF4}));
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        assertEquals(40, m.cpu.core().r[CpuCore.EAX]);
        assertEquals(0, m.cpu.core().r[CpuCore.ECX]);
        assertEquals(1 + 40 * 5 + 1, m.cpu.instructionCount());
    }

    /** {@code mov ecx, 8; L: call F; dec ecx; jnz L; PATCH; call F; hlt} with F: inc eax; ret on the next page. */
    private static TestMachine callLoopThenPatch(int[] patch) {
        TestMachine m = new TestMachine().protectedMode();
        int f = CODE + 0x1000;
        m.poke(f, 0x40, 0xC3);
        int secondCall = CODE + 13 + patch.length;
        m.code(concat(new int[] {0xB9}, le32(8),
                new int[] {0xE8}, le32(f - (CODE + 10)),
                new int[] {0x49, 0x75, 0xF8},
                patch,
                new int[] {0xE8}, le32(f - (secondCall + 5)),
                new int[] {0xF4}));
        return m;
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
        for (int n : new int[] {3, 1, 7, 2, 5, 11, 13, 4, 9, 22, 6, 40, 3, 17, 8, 30}) {
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
        //     mov esi, 0x6fe8
        // L:  mov eax, 1; cmp eax, 2; add [esi], eax; add esi, 4; jmp L
        // The seventh pass runs as a block and its ADD faults on the read-only page 0x7000.
        TestMachine m = new TestMachine().protectedMode().paging();
        m.memory.writeU32(m.pte(0x7000), 0x7000 | 5);
        int l = CODE + 5;
        m.code(concat(new int[] {0xBE}, le32(0x6fe8),
                new int[] {0xB8}, le32(1),
                new int[] {0x83, 0xF8, 0x02, 0x01, 0x06, 0x83, 0xC6, 0x04, 0xEB, -15 & 0xff}));
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        CpuCore c = m.cpu.core();
        assertEquals(14, m.handledVector());
        assertEquals(1 + 6 * 5 + 2 + 1, m.cpu.instructionCount(), "mov esi, six passes, mov and cmp, the HLT");
        assertEquals(l + 8, m.stack(1), "EIP pushed is the faulting ADD");
        assertEquals(CpuCore.CF | CpuCore.PF | CpuCore.AF | CpuCore.SF, m.stack(3) & CpuCore.STATUS,
                "EFLAGS pushed are CMP's (1-2), not the faulted ADD's");
        assertEquals(1, m.peek32(0x6ffc), "the sixth pass added");
        assertEquals(0, m.peek32(0x7000), "memory untouched");
        assertEquals(0x7000, c.r[CpuCore.ESI]);
        assertEquals(0x7000, c.cr2);
    }

    @Test
    void aDivideFaultInsideABlockIsTakenAtTheDivide() {
        //     mov ecx, 6
        // L:  mov eax, 5; add ebx, 7; xor edx, edx; div ecx; dec ecx; jmp L
        TestMachine m = new TestMachine().protectedMode();
        int l = CODE + 5;
        m.code(concat(new int[] {0xB9}, le32(6), new int[] {0xB8}, le32(5),
                new int[] {0x83, 0xC3, 0x07, 0x31, 0xD2, 0xF7, 0xF1, 0x49, 0xEB, -15 & 0xff}));
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        CpuCore c = m.cpu.core();
        assertEquals(0, m.handledVector());
        assertEquals(l + 10, m.stack(0), "EIP pushed is the DIV");
        assertEquals(CpuCore.ZF | CpuCore.PF, m.stack(2) & CpuCore.STATUS, "XOR's flags");
        assertEquals(7 * 7, c.r[CpuCore.EBX]);
        assertEquals(5, c.r[CpuCore.EAX]);
        assertEquals(0, c.r[CpuCore.ECX]);
        assertEquals(1 + 6 * 6 + 3 + 1, m.cpu.instructionCount());
    }
}
