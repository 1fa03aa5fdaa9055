package dev.tern.x86;

import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.api.Test;

import static dev.tern.x86.TestMachine.DATA0;
import static dev.tern.x86.TestMachine.DATA16;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stack pointer width (SS.B) versus operand size, where a stack operation changes SS itself. */
class StackSizeTest {

    /** Loads SS with {@code ss} and ESP with {@code esp}, then runs {@code code} from CODE. */
    private static TestMachine withStack(int ss, int esp, int... code) {
        TestMachine m = new TestMachine().protectedMode();
        int[] prologue = {0x66, 0xB8, ss, 0x00, 0x8E, 0xD0, 0xBC, esp & 0xff, (esp >>> 8) & 0xff,
                (esp >>> 16) & 0xff, esp >>> 24};   // mov ax, ss; mov ss, ax; mov esp, imm32
        int[] all = new int[prologue.length + code.length + 1];
        System.arraycopy(prologue, 0, all, 0, prologue.length);
        System.arraycopy(code, 0, all, prologue.length, code.length);
        all[all.length - 1] = 0xF4;
        m.code(all);
        return m;
    }

    @Test
    void popSsFromSixteenBitStackIncrementsSpOnly() {
        // SS.B = 0, ESP = 0x2FFFC: the pop reads SS:0xFFFC and SP wraps to 0 while ESP's high half stays.
        TestMachine m = withStack(DATA16, 0x2fffc, 0x17);   // pop ss (32-bit operand)
        m.memory.writeU32(0xfffc, DATA0);
        m.run();
        CpuCore c = m.cpu.core();
        assertEquals(DATA0, c.seg[CpuCore.SS].selector);
        assertTrue(c.seg[CpuCore.SS].big(), "the new SS is a 32-bit stack");
        assertEquals(0x20000, m.esp(), "SP incremented at the old, 16-bit stack size");
    }

    @Test
    void popSsFromThirtyTwoBitStackIncrementsWholeEsp() {
        TestMachine m = withStack(DATA0, 0x1fffe, 0x66, 0x17);   // o16 pop ss
        m.memory.writeU16(0x1fffe, DATA16);
        m.run();
        CpuCore c = m.cpu.core();
        assertEquals(DATA16, c.seg[CpuCore.SS].selector);
        assertFalse(c.seg[CpuCore.SS].big(), "the new SS is a 16-bit stack");
        assertEquals(0x20000, m.esp(), "ESP incremented at the old, 32-bit stack size");
    }

    @Test
    void faultingPopSsLeavesEspUnchanged() {
        TestMachine m = withStack(DATA0, 0x1fffc, 0x17);   // pop ss with a null selector: #GP(0)
        m.memory.writeU32(0x1fffc, 0);
        m.run();
        assertEquals(13, m.handledVector());
        assertEquals(0x1fffc - 16, m.esp(), "the #GP frame (error code, EIP, CS, EFLAGS) sits right below the unchanged ESP");
    }

    @Test
    void thirtyTwoBitEnterOnSixteenBitStackCopiesAllOfEspIntoEbp() {
        // mov ebp, 0x12345678; enter 8, 0 (32-bit operand): the push moves SP only, ESP's high half stays.
        TestMachine m = withStack(DATA16, 0x10000, 0xBD, 0x78, 0x56, 0x34, 0x12, 0xC8, 0x08, 0x00, 0x00);
        m.run();
        CpuCore c = m.cpu.core();
        assertEquals(0x1fffc, c.r[CpuCore.EBP], "EBP = ESP after the push, high half included");
        assertEquals(0x1fff4, m.esp());
        assertEquals(0x12345678, m.peek32(0xfffc), "old EBP pushed at SS:SP");
    }

    @Test
    void sixteenBitEnterOnThirtyTwoBitStackSetsBpOnly() {
        // mov ebp, 0xaaaa5555; o16 enter 8, 0: BP = SP, EBP's high half stays.
        TestMachine m = withStack(DATA0, 0x20000, 0xBD, 0x55, 0x55, 0xAA, 0xAA, 0x66, 0xC8, 0x08, 0x00, 0x00);
        m.run();
        CpuCore c = m.cpu.core();
        assertEquals(0xaaaafffe, c.r[CpuCore.EBP]);
        assertEquals(0x1fff6, m.esp());
        assertEquals(0x5555, m.memory.readU16(0x1fffe));
    }
}
