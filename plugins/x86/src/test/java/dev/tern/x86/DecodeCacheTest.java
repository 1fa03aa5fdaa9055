package dev.tern.x86;

import dev.tern.spi.cpu.VcpuExit;
import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.api.Test;

import static dev.tern.x86.TestMachine.CODE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** Cached instruction decodes are replayed only while the code bytes are unchanged. */
class DecodeCacheTest {

    @Test
    void codeRewrittenByTheGuestRunsInItsNewForm() {
        // L: add eax,[ebx+0x10]  (03 43 10)   executed twice; after the first pass the guest
        // patches the displacement byte to 0x14 and the opcode to SUB (2B).
        TestMachine m = new TestMachine().protectedMode();
        m.memory.writeU32(0x6010, 5);
        m.memory.writeU32(0x6014, 2);
        int l = CODE + 16;
        m.code(0xBB, 0x00, 0x60, 0, 0,                 // mov ebx, 0x6000
                0xB9, 2, 0, 0, 0,                      // mov ecx, 2
                0x31, 0xC0,                            // xor eax, eax
                0x90, 0x90, 0x90, 0x90);               // pad to L
        m.poke(l, 0x03, 0x43, 0x10,                            // L: add eax,[ebx+0x10]
                0xC6, 0x05, (l + 2) & 0xff, (l + 2) >> 8 & 0xff, l >> 16 & 0xff, 0, 0x14, // mov byte [L+2],0x14
                0xC6, 0x05, l & 0xff, l >> 8 & 0xff, l >> 16 & 0xff, 0, 0x2B,              // mov byte [L],0x2B
                0x49,                                  // dec ecx
                0x75, 0xEB,                            // jnz L
                0xF4);
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        assertEquals(5 - 2, m.cpu.core().r[CpuCore.EAX], "add [0x6010], then sub [0x6014]");
    }

    @Test
    void theSameBytesDecodeByTheCodeSegmentSize() {
        // B8 imm: mov eax, imm32 in a 32-bit segment, mov ax, imm16 in a 16-bit one. The same
        // offset runs first as 32-bit code and then, after a far jump, as 16-bit code.
        TestMachine m = new TestMachine().protectedMode();
        int l = 0x200;
        m.poke(l, 0xB8, 0x34, 0x12, 0x78, 0x56, 0xF4);
        m.code(0xE8, l - (CODE + 5) & 0xff, (l - (CODE + 5)) >> 8 & 0xff, (l - (CODE + 5)) >> 16 & 0xff,
                (l - (CODE + 5)) >> 24 & 0xff);       // call l (32-bit): eax = 0x56781234, then HLT
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        assertEquals(0x56781234, m.cpu.core().r[CpuCore.EAX]);
        CpuCore c = m.cpu.core();
        c.r[CpuCore.EAX] = 0;
        c.seg[CpuCore.CS].set(TestMachine.CODE16, 0, 0xffff, 0x9b, true);
        c.eip = l;
        X86State st = m.cpu.save();
        m.cpu.load(new X86State(st.gprs(), l, st.eflags(), st.segments(), st.ldtr(), st.tr(), st.gdtBase(),
                st.gdtLimit(), st.idtBase(), st.idtLimit(), st.cr0(), st.cr2(), st.cr3(), st.cr4(), st.dr(),
                st.cpl(), st.tscOffset(), st.apicBase(), st.instructionCount(), false, false, false, st.a20(),
                st.fpu()));
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        assertEquals(0x1234, m.cpu.core().r[CpuCore.EAX], "16-bit: mov ax, 0x1234, then 78 56 (js) and HLT");
    }
}
