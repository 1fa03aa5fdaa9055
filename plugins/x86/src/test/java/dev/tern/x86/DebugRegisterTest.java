package dev.tern.x86;

import dev.tern.spi.cpu.VcpuExit;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.debug.DebugRegisters;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;

import static dev.tern.x86.TestMachine.CODE;
import static dev.tern.x86.TestMachine.IDT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DR0-DR7 breakpoints (Intel SDM vol. 3, "Debug Registers"/"Debug Exceptions") on guest code:
 * instruction breakpoints (fault class, RF resume) inside loops that already run as decoded
 * blocks, data breakpoints of every length (trap class, exact instruction count), REP strings in
 * 32- and 16-bit code, general detect, I/O breakpoints, and the enables that must keep them quiet.
 */
class DebugRegisterTest {

    /** Where the tests' own #DB handlers go. */
    private static final int HANDLER = CODE + 0x1000;
    private static final int WRITE = 1, READ_WRITE = 3, IO = 2;
    private static final int DR6_FIXED = 0xffff0ff0;

    /** #DB handler: counts in EDI, records DR6, the pushed EIP and EFLAGS, resumes with RF set. */
    private static final int[] RESUMING_HANDLER = {
        0x47,                                    // inc edi
        0x0F, 0x21, 0xF0,                        // mov eax, dr6
        0xA3, 0x00, 0x50, 0x00, 0x00,            // mov [0x5000], eax
        0x8B, 0x04, 0x24,                        // mov eax, [esp]
        0xA3, 0x04, 0x50, 0x00, 0x00,            // mov [0x5004], eax
        0x8B, 0x44, 0x24, 0x08,                  // mov eax, [esp+8]
        0xA3, 0x08, 0x50, 0x00, 0x00,            // mov [0x5008], eax
        0x81, 0x4C, 0x24, 0x08, 0x00, 0x00, 0x01, 0x00, // or dword [esp+8], 0x10000
        0xCF,                                    // iret
    };

    /**
     * #DB handler: counts in ESI; the first time records pushed EIP, EFLAGS and ECX (through EBX);
     * IRETs as is.
     */
    private static final int[] RECORDING_HANDLER = {
        0x46,                                    // inc esi
        0x83, 0xFE, 0x01,                        // cmp esi, 1
        0x75, 0x19,                              // jne .n
        0x8B, 0x1C, 0x24,                        // mov ebx, [esp]
        0x89, 0x1D, 0x04, 0x50, 0x00, 0x00,      // mov [0x5004], ebx
        0x8B, 0x5C, 0x24, 0x08,                  // mov ebx, [esp+8]
        0x89, 0x1D, 0x08, 0x50, 0x00, 0x00,      // mov [0x5008], ebx
        0x89, 0x0D, 0x0C, 0x50, 0x00, 0x00,      // mov [0x500c], ecx
        0xCF,                                    // .n: iret
    };

    /** mov edi, 0x6000; mov ecx, 16; mov al, 0x5a; w: rep stosb; hlt (w at CODE + 12). */
    private static final int[] REP_STOSB = {
        0xBF, 0x00, 0x60, 0x00, 0x00, 0xB9, 0x10, 0x00, 0x00, 0x00, 0xB0, 0x5A, 0xF3, 0xAA, 0xF4,
    };

    private static TestMachine machine(int... code) {
        TestMachine m = new TestMachine().protectedMode();
        m.code(code);
        return m;
    }

    private static void handler(TestMachine m, int[] code) {
        m.poke(HANDLER, code);
        m.descriptor(IDT, 1, TestMachine.gate(TestMachine.CODE0, HANDLER, 0xe, 0, 0));
    }

    /** Enables breakpoint {@code n} (G bit) from the host, as a debugger stub would. */
    private static void arm(TestMachine m, int n, int address, int rw, int len) {
        CpuCore c = m.cpu.core();
        c.dr[n] = address;
        c.dr[7] = c.dr[7] & ~(0xf << (16 + 4 * n)) | 2 << (2 * n) | rw << (16 + 4 * n) | len << (18 + 4 * n);
        c.debug.configure();
    }

    private static int lengthCode(int bytes) {
        return switch (bytes) {
            case 1 -> 0;
            case 2 -> 1;
            case 8 -> 2;
            default -> 3;
        };
    }

    // ---------------------------------------------------------------- instruction breakpoints

    /** DR0 = target; pass 1 runs the loop 50 times unarmed, then G0 is set and pass 2 runs it again. */
    private static final int[] HOT_LOOP = {
        0xB8, 0x10, 0x00, 0x01, 0x00,            // mov eax, target
        0x0F, 0x23, 0xC0,                        // mov dr0, eax
        0x31, 0xF6,                              // xor esi, esi
        0xB9, 0x32, 0x00, 0x00, 0x00,            // outer: mov ecx, 50
        0x42,                                    // again: inc edx
        0x43,                                    // target: inc ebx (CODE + 0x10)
        0x49,                                    // dec ecx
        0x75, 0xFB,                              // jnz again
        0x46,                                    // inc esi
        0x83, 0xFE, 0x01,                        // cmp esi, 1
        0x75, 0x0A,                              // jne done
        0xB8, 0x02, 0x00, 0x00, 0x00,            // mov eax, 2 (G0, execute)
        0x0F, 0x23, 0xF8,                        // mov dr7, eax
        0xEB, 0xE6,                              // jmp outer
        0xF4,                                    // done: hlt
    };

    private static void assertHotLoopResult(TestMachine m) {
        CpuCore c = m.cpu.core();
        assertEquals(50, c.r[CpuCore.EDI], "one #DB per armed pass over the target");
        assertEquals(100, c.r[CpuCore.EBX], "the target ran exactly once per iteration (RF resume)");
        assertEquals(100, c.r[CpuCore.EDX]);
        assertEquals(CODE + 0x25, c.eip, "halted after done: hlt");
        assertEquals(DR6_FIXED | 1, m.peek32(0x5000), "DR6.B0");
        assertEquals(CODE + 0x10, m.peek32(0x5004), "fault class: EIP of the target");
        assertEquals(0, m.peek32(0x5008) & CpuCore.RF, "instruction-breakpoint #DB pushes RF as it was (0)");
        // 3 + 2 passes of (1 + 50 * 4 + 3) + 3 to arm + hlt + 50 handler runs of 9.
        assertEquals(3 + 2 * 204 + 3 + 1 + 50 * 9, m.cpu.instructionCount());
    }

    @Test
    void instructionBreakpointInAHotLoopFiresOncePerPassAndResumesWithRf() {
        TestMachine m = machine(HOT_LOOP);
        handler(m, RESUMING_HANDLER);
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        assertHotLoopResult(m);
    }

    @Test
    void instructionBreakpointResultsDoNotDependOnWhereBudgetsEnd() {
        for (int slice : new int[] {1, 3, 7, 64}) {
            TestMachine m = machine(HOT_LOOP);
            handler(m, RESUMING_HANDLER);
            VcpuExit exit;
            int runs = 0;
            do {
                exit = m.cpu.run(slice);
                assertTrue(++runs < 2000, "slice " + slice + " did not finish");
            } while (exit instanceof VcpuExit.BudgetExhausted);
            assertInstanceOf(VcpuExit.Halted.class, exit);
            assertHotLoopResult(m);
        }
    }

    @Test
    void instructionBreakpointOnARepStringFiresOnceBeforeTheFirstIteration() {
        TestMachine m = machine(REP_STOSB);
        int[] handler = {
            0x46,                                        // inc esi
            0x81, 0x4C, 0x24, 0x08, 0x00, 0x00, 0x01, 0x00, // or dword [esp+8], 0x10000
            0xCF,                                        // iret
        };
        handler(m, handler);
        arm(m, 0, CODE + 12, 0, 0);
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        CpuCore c = m.cpu.core();
        assertEquals(1, c.r[CpuCore.ESI], "no new #DB between iterations");
        assertEquals(0, c.r[CpuCore.ECX]);
        assertStoredAll16(m);
        assertEquals(3 + 3 + 16 + 1, m.cpu.instructionCount());
    }

    @Test
    void disabledBreakpointsNeverFireAndOnlyEnabledOnesReportBBits() {
        TestMachine m = machine(HOT_LOOP);
        handler(m, RESUMING_HANDLER);
        // Pass 1 loads DR7 = 0xfff00000: R/W and LEN of DR1-DR3 set, DR0 an execute breakpoint,
        // but no L or G enable.
        m.poke(CODE + 27, 0x00, 0x00, 0xF0, 0xFF);
        CpuCore c = m.cpu.core();
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        assertEquals(0, c.r[CpuCore.EDI], "DR0 names the target but is not enabled");
        assertEquals(CODE + 0x25, c.eip);

        // DR0 (disabled) and DR1 (enabled) watch the same dword: DR6 names only DR1.
        TestMachine w = machine(0x89, 0x1D, 0x00, 0x60, 0x00, 0x00, 0x90);  // mov [0x6000], ebx; nop
        w.cpu.core().dr[0] = 0x6000;
        arm(w, 1, 0x6000, WRITE, 3);
        w.cpu.core().dr[7] |= 0x3 << 16 | 0x3 << 18;   // DR0 R/W and LEN, still no L0/G0
        w.cpu.core().debug.configure();
        w.run();
        assertEquals(1, w.handledVector());
        assertEquals(DR6_FIXED | 2, w.cpu.core().dr[6]);
    }

    // ---------------------------------------------------------------- data breakpoints

    /**
     * Two passes of 64 accesses at 0x6000 + i * EDX. Between them the guest loads DR0 = EBX and
     * DR7 = EBP, so pass 2 runs as decoded blocks over pages pass 1 left in the soft TLB.
     */
    private static int[] dataLoop(int[] access) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rel = -(access.length + 5);
        for (int pass = 0; pass < 2; pass++) {
            emit(out, 0xBF, 0x00, 0x60, 0x00, 0x00);  // mov edi, 0x6000
            emit(out, 0xB9, 0x40, 0x00, 0x00, 0x00);  // mov ecx, 64
            emit(out, access);                         // p: access [edi]
            emit(out, 0x01, 0xD7, 0x49, 0x75, rel & 0xff); // add edi, edx; dec ecx; jnz p
            if (pass == 0) {
                emit(out, 0x0F, 0x23, 0xC3, 0x0F, 0x23, 0xFD); // mov dr0, ebx; mov dr7, ebp
            }
        }
        emit(out, 0xF4);
        byte[] bytes = out.toByteArray();
        int[] code = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            code[i] = bytes[i] & 0xff;
        }
        return code;
    }

    private static void emit(ByteArrayOutputStream out, int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
    }

    private record Access(String name, int[] bytes, int size, boolean write) { }

    private static final Access[] ACCESSES = {
        new Access("mov [edi], al", new int[] {0x88, 0x07}, 1, true),
        new Access("mov [edi], ax", new int[] {0x66, 0x89, 0x07}, 2, true),
        new Access("mov [edi], eax", new int[] {0x89, 0x07}, 4, true),
        new Access("mov al, [edi]", new int[] {0x8A, 0x07}, 1, false),
        new Access("mov eax, [edi]", new int[] {0x8B, 0x07}, 4, false),
        new Access("add [edi], eax", new int[] {0x01, 0x07}, 4, true),
    };

    @Test
    void dataBreakpointsOfEveryLengthTrapAfterTheFirstOverlappingAccess() {
        int watch = 0x6000 + 0x25;
        for (Access a : ACCESSES) {
            for (int len : new int[] {1, 2, 4, 8}) {
                for (int stride : new int[] {1, 3, 4}) {
                    for (int rw : new int[] {WRITE, READ_WRITE}) {
                        checkDataBreakpoint(a, len, stride, rw, watch);
                    }
                }
            }
        }
    }

    private static void checkDataBreakpoint(Access a, int len, int stride, int rw, int watch) {
        String what = a.name() + " len " + len + " stride " + stride + " rw " + rw;
        TestMachine m = machine(dataLoop(a.bytes()));
        CpuCore c = m.cpu.core();
        c.r[CpuCore.EDX] = stride;
        c.r[CpuCore.EBX] = watch;
        c.r[CpuCore.EBP] = 0x2 | rw << 16 | lengthCode(len) << 18;
        int start = watch & -len;
        int hit = -1;
        for (int i = 0; i < 64 && hit < 0 && (a.write() || rw == READ_WRITE); i++) {
            int at = 0x6000 + i * stride;
            if (at < start + len && start < at + a.size()) {
                hit = i;
            }
        }
        m.cpu.run(100_000);
        int pass2 = 10 + a.bytes().length + 5 + 6;
        if (hit < 0) {
            assertEquals(-1, m.handledVector(), what);
            assertEquals(CODE + pass2 + 10 + a.bytes().length + 5 + 1, c.eip, what + ": ran to the end");
            return;
        }
        assertEquals(1, m.handledVector(), what);
        assertEquals(CODE + pass2 + 10 + a.bytes().length, m.stack(0), what + ": trap after the access");
        assertEquals(0x6000 + hit * stride, c.r[CpuCore.EDI], what);
        assertEquals(DR6_FIXED | 1, c.dr[6], what);
        // pass 1 (2 + 64 * 4), arming (2), pass 2 up to and including the access, the handler's HLT
        assertEquals(258 + 2 + 2 + hit * 4L + 1 + 1, m.cpu.instructionCount(), what);
    }

    @Test
    void unalignedAccessOverlappingTheWatchedWordTraps() {
        // mov [0x6021], eax writes 0x6021..0x6024: it overlaps a 2-byte watch at 0x6024 by one byte.
        TestMachine m = machine(0x90, 0xA3, 0x21, 0x60, 0x00, 0x00, 0x90);
        arm(m, 2, 0x6024, WRITE, 1);
        m.run();
        assertEquals(1, m.handledVector());
        assertEquals(CODE + 6, m.stack(0));
        assertEquals(DR6_FIXED | 4, m.cpu.core().dr[6]);
        assertEquals(3, m.cpu.instructionCount());
    }

    @Test
    void writeOnlyBreakpointIgnoresReadsAndCatchesLockedWrites() {
        TestMachine m = machine(
                0xBB, 0x04, 0x60, 0x00, 0x00,            // mov ebx, 0x6004
                0x8B, 0x03,                              // mov eax, [ebx]
                0xF0, 0x01, 0x03,                        // lock add [ebx], eax
                0x90);                                   // nop
        m.memory.writeU32(0x6004, 21);
        arm(m, 0, 0x6004, WRITE, 3);
        m.run();
        assertEquals(1, m.handledVector());
        assertEquals(CODE + 10, m.stack(0), "after the LOCK ADD, not after the read");
        assertEquals(42, m.peek32(0x6004));
    }

    @Test
    void singleStepAndDataBreakpointAreReportedInOneDebugException() {
        TestMachine m = machine(
                0x9C,                                    // pushfd
                0x81, 0x0C, 0x24, 0x00, 0x01, 0x00, 0x00, // or dword [esp], 0x100
                0x9D,                                    // popfd
                0xA3, 0x01, 0x60, 0x00, 0x00,            // mov [0x6001], eax
                0x90);                                   // nop
        arm(m, 0, 0x6000, WRITE, 3);
        m.run();
        assertEquals(1, m.handledVector());
        assertEquals(CODE + 14, m.stack(0));
        assertEquals(DR6_FIXED | DebugRegisters.BS | 1, m.cpu.core().dr[6]);
        assertEquals(5, m.cpu.instructionCount(), "four instructions and the handler's HLT");
    }

    // ---------------------------------------------------------------- REP strings

    @Test
    void repStringTrapsAfterTheIterationAndResumesWithRf() {
        TestMachine m = machine(REP_STOSB);
        handler(m, RECORDING_HANDLER);
        arm(m, 0, 0x6005, WRITE, 0);
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        CpuCore c = m.cpu.core();
        assertEquals(1, c.r[CpuCore.ESI]);
        assertEquals(CODE + 12, m.peek32(0x5004), "more iterations left: EIP is the REP instruction");
        assertTrue((m.peek32(0x5008) & CpuCore.RF) != 0, "RF pushed after an iteration that is not the last");
        assertEquals(10, m.peek32(0x500c), "six iterations done");
        assertStoredAll16(m);
        assertEquals(3 + 16 + 1 + 9, m.cpu.instructionCount());
    }

    @Test
    void repStringTrapAfterTheLastIterationPointsPastIt() {
        TestMachine m = machine(REP_STOSB);
        handler(m, RECORDING_HANDLER);
        arm(m, 3, 0x600f, READ_WRITE, 0);
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        assertEquals(CODE + 14, m.peek32(0x5004));
        assertEquals(0, m.peek32(0x5008) & CpuCore.RF);
        assertEquals(DR6_FIXED | 8, m.cpu.core().dr[6]);
    }

    @Test
    void sixteenBitRepStoswTrapsOnTheWatchedWord() {
        TestMachine m = new TestMachine().protectedMode();
        handler(m, RECORDING_HANDLER);
        m.poke(0x8000,
                0xBF, 0x00, 0x60,                        // mov di, 0x6000
                0xB9, 0x08, 0x00,                        // mov cx, 8
                0xB8, 0x34, 0x12,                        // mov ax, 0x1234
                0xF3, 0xAB,                              // w: rep stosw
                0xF4);                                   // hlt
        CpuCore c = m.cpu.core();
        c.seg[CpuCore.CS].set(TestMachine.CODE16, 0, 0xffff, 0x9b, true);
        c.eip = 0x8000;
        arm(m, 1, 0x6006, WRITE, 1);
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        assertEquals(0x8000 + 12, c.eip);
        assertEquals(1, c.r[CpuCore.ESI]);
        assertEquals(0x8009, m.peek32(0x5004));
        assertEquals(4, m.peek32(0x500c) & 0xffff, "four words stored when the fourth hit");
        assertTrue((m.peek32(0x5008) & CpuCore.RF) != 0);
        assertEquals(0x6010, c.r[CpuCore.EDI] & 0xffff);
        assertEquals(0x1234, m.memory.readU16(0x600e));
    }

    @Test
    void interruptBetweenRepIterationsPushesRf() {
        for (boolean restored : new boolean[] {false, true}) {
            int[] code = new int[REP_STOSB.length + 1];
            code[0] = 0xFB;                             // sti
            System.arraycopy(REP_STOSB, 0, code, 1, REP_STOSB.length);
            TestMachine m = machine(code);
            m.cpu.run(1 + 3 + 5);
            assertEquals(CODE + 13, m.cpu.core().eip);
            if (restored) {
                // The state between iterations survives a snapshot: a fresh CPU pushes RF too.
                TestMachine fresh = machine(code);
                fresh.memory.writeU32(0x6000, m.peek32(0x6000));
                fresh.cpu.load(m.cpu.save());
                m = fresh;
            }
            assertInterruptPushesRf(m);
        }
    }

    private static void assertInterruptPushesRf(TestMachine m) {
        m.vectors.add(0x20);
        m.cpu.setInterruptRequest(true);
        m.run();
        assertEquals(0x20, m.handledVector());
        assertEquals(CODE + 13, m.stack(0));
        assertTrue((m.stack(2) & CpuCore.RF) != 0);
    }

    // ---------------------------------------------------------------- GD, I/O, CR4.DE, task switch, state

    @Test
    void generalDetectFaultsOnMovDrAndClearsGd() {
        TestMachine m = machine(
                0xB8, 0x00, 0x20, 0x00, 0x00,            // mov eax, 0x2000 (GD)
                0x0F, 0x23, 0xF8,                        // mov dr7, eax
                0xBB, 0x11, 0x00, 0x00, 0x00,            // mov ebx, 0x11
                0x0F, 0x21, 0xC3);                       // mov ebx, dr0
        m.run();
        CpuCore c = m.cpu.core();
        assertEquals(1, m.handledVector());
        assertEquals(CODE + 13, m.stack(0), "fault class: EIP of the MOV");
        assertEquals(0x11, c.r[CpuCore.EBX], "the MOV did not execute");
        assertEquals(DR6_FIXED | DebugRegisters.BD, c.dr[6]);
        assertEquals(0, c.dr[7] & DebugRegisters.GD, "GD cleared for the handler");
        assertTrue((m.stack(2) & CpuCore.RF) != 0, "fault-class #DB other than a code breakpoint pushes RF");
    }

    private static int[] ioProgram(int cr4Bits) {
        return new int[] {
            0x0F, 0x20, 0xE0,                        // mov eax, cr4
            0x83, 0xC8, cr4Bits,                     // or eax, DE?
            0x0F, 0x22, 0xE0,                        // mov cr4, eax
            0xB8, 0x80, 0x00, 0x00, 0x00,            // mov eax, 0x80
            0x0F, 0x23, 0xC0,                        // mov dr0, eax
            0xB8, 0x02, 0x00, 0x02, 0x00,            // mov eax, 0x20002 (G0, R/W0 = 10)
            0x0F, 0x23, 0xF8,                        // mov dr7, eax
            0xE6, 0x84,                              // out 0x84, al
            0xE6, 0x80,                              // out 0x80, al
            0x90,                                    // nop
            0xF4,                                    // hlt
        };
    }

    @Test
    void ioBreakpointNeedsCr4De() {
        TestMachine m = machine(ioProgram(8));
        m.run();
        assertEquals(1, m.handledVector());
        assertEquals(CODE + 29, m.stack(0), "trap after OUT 0x80");
        assertEquals(DR6_FIXED | 1, m.cpu.core().dr[6]);

        TestMachine off = machine(ioProgram(0));
        assertInstanceOf(VcpuExit.Halted.class, off.run());
        assertEquals(-1, off.handledVector(), "R/W = 10 without CR4.DE never fires");
        assertEquals(CODE + 31, off.cpu.core().eip);
    }

    @Test
    void dr4IsUndefinedWithCr4DeAndAliasesDr6Without() {
        int[] code = {
            0x0F, 0x20, 0xE0,                        // mov eax, cr4
            0x83, 0xC8, 0x08,                        // or eax, 8
            0x0F, 0x22, 0xE0,                        // mov cr4, eax
            0x0F, 0x21, 0xE0,                        // mov eax, dr4
        };
        TestMachine m = machine(code);
        m.run();
        assertEquals(6, m.handledVector());
        assertEquals(CODE + 9, m.stack(0));

        code[5] = 0;
        TestMachine alias = machine(code);
        alias.poke(CODE + code.length, 0xF4);
        alias.run();
        assertEquals(DR6_FIXED, alias.cpu.core().r[CpuCore.EAX], "DR4 reads DR6");
    }

    @Test
    void taskSwitchClearsTheLocalEnables() {
        TestMachine m = doubleFaultTask();
        int handler = TestMachine.HANDLERS + 0x1200;
        CpuCore c = m.cpu.core();
        c.dr[0] = handler;
        c.dr[1] = handler;
        c.dr[7] = 0x400 | 0x1 | 0x8 | 0x100;            // L0 (execute at the handler), G1, LE
        c.debug.configure();
        m.run();
        assertEquals(0x50, c.tr.selector);
        assertEquals(0x400 | 0x8, c.dr[7], "L0 and LE cleared, G1 kept");
        assertEquals(1, m.handledVector());
        assertEquals(DR6_FIXED | 2, c.dr[6], "the global DR1 still fired at the new task's handler");
    }

    @Test
    void tssDebugTrapFlagRaisesDebugBeforeTheNewTasksFirstInstruction() {
        TestMachine m = doubleFaultTask();
        int handler = TestMachine.HANDLERS + 0x1200;
        m.memory.writeU32(0x3800 + 0x64, 1);            // T flag of the #DF task
        m.run();
        CpuCore c = m.cpu.core();
        assertEquals(0x50, c.tr.selector);
        assertEquals(1, m.handledVector(), "#DB, not the handler's HLT");
        assertEquals(handler, m.stack(0), "trap before the new task's first instruction");
        assertEquals(DR6_FIXED | DebugRegisters.BT, c.dr[6]);
    }

    /** A #GP that escalates to #DF, whose IDT entry is a task gate to a TSS at 0x3800 (selector 0x50). */
    private static TestMachine doubleFaultTask() {
        int tss2 = 0x3800;
        int handler = TestMachine.HANDLERS + 0x1200;
        TestMachine m = new TestMachine().protectedMode().doubleFaultTask(tss2, handler);
        m.poke(handler, 0x90, 0xF4);                    // nop; hlt
        m.code(0x66, 0xB8, 0x5B, 0x00, 0x8E, 0xD8);     // mov ds, 0x5b -> #GP -> #NP -> #DF task
        return m;
    }

    @Test
    void loadedStateArmsItsBreakpoints() {
        TestMachine source = machine(0xA3, 0x00, 0x60, 0x00, 0x00, 0x90);  // mov [0x6000], eax; nop
        CpuCore s = source.cpu.core();
        s.dr[0] = 0x6000;
        s.dr[7] = 0x400 | 0x2 | WRITE << 16 | 3 << 18;  // no configure(): only load() may arm it
        TestMachine target = machine(0xA3, 0x00, 0x60, 0x00, 0x00, 0x90);
        target.cpu.load(source.cpu.save());
        target.run();
        assertEquals(1, target.handledVector());
        assertEquals(CODE + 5, target.stack(0));
    }

    /** The REP STOSB of these tests stored 0x5a in all 16 bytes at 0x6000. */
    private static void assertStoredAll16(TestMachine m) {
        for (int i = 0; i < 16; i++) {
            assertEquals(0x5a, m.memory.readU8(0x6000 + i), "byte " + i);
        }
    }
}
