package dev.tern.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * RCR's OF: the SDM defines it for one-bit rotates only (MSB of the operand XOR the incoming CF);
 * for other counts this model gives what the 386 gives, the XOR of the result's two top bits, which
 * equals the SDM's value for a one-bit rotate.
 */
class RotateFlagsTest {

    private static final int OF = 0x800, CF = 1;

    /** Runs {@code mov eax, value; clc/stc; <rotate>; pushfd; hlt} and returns {EAX, EFLAGS}. */
    private static int[] run(int value, boolean carry, int... rotate) {
        TestMachine m = new TestMachine().protectedMode();
        int[] code = new int[7 + rotate.length + 2];
        code[0] = 0xB8;
        for (int b = 0; b < 4; b++) {
            code[1 + b] = (value >>> (8 * b)) & 0xff;
        }
        code[5] = carry ? 0xF9 : 0xF8;
        code[6] = 0x90;
        System.arraycopy(rotate, 0, code, 7, rotate.length);
        code[code.length - 2] = 0x9C;
        code[code.length - 1] = 0xF4;
        m.code(code);
        m.run();
        return new int[] {m.cpu.core().r[0], m.stack(0)};
    }

    @Test
    void oneBitRcrSetsOfFromTheOperandMsbAndIncomingCarry() {
        int[] r = run(0x80, false, 0xD0, 0xD8);   // rcr al, 1: 0x80 -> 0x40, OF = 1 XOR 0
        assertEquals(0x40, r[0] & 0xff);
        assertEquals(OF, r[1] & OF);
        r = run(0x80, true, 0xD0, 0xD8);          // 0x80 with CF -> 0xC0, OF = 1 XOR 1
        assertEquals(0xC0, r[0] & 0xff);
        assertEquals(0, r[1] & OF);
    }

    @Test
    void multiBitRcrSetsOfFromTheTopTwoResultBits() {
        int[] r = run(0x7E, false, 0xC0, 0xD8, 7);   // rcr al, 7: 0x7E -> 0xF8, CF = old bit 6, top bits 1 1
        assertEquals(0xF8, r[0] & 0xff);
        assertEquals(CF, r[1] & (OF | CF));
        r = run(0x0001, false, 0x66, 0xC1, 0xD8, 7);   // rcr ax, 7: 0x0001 -> 0x0400, top bits 0 0
        assertEquals(0x0400, r[0] & 0xffff);
        assertEquals(0, r[1] & OF);
        r = run(0x00, true, 0xC0, 0xD8, 7);          // rcr al, 7 with CF: the carry lands in bit 1
        assertEquals(0x02, r[0] & 0xff);
        assertEquals(0, r[1] & OF, "MSB(operand) XOR CF would be 1; the 386 gives 0");
        r = run(0x80000000, false, 0xC1, 0xD8, 7);   // rcr eax, 7: -> 0x01000000; top bits 0 0
        assertEquals(0x01000000, r[0]);
        assertEquals(0, r[1] & OF, "MSB(operand) XOR CF would be 1; the 386 gives 0");
        r = run(0x00000080, false, 0xC1, 0xD8, 7);   // rcr eax, 7: bit 7 -> bit 0
        assertEquals(0x00000001, r[0]);
        assertEquals(0, r[1] & OF);
        r = run(0x00000020, true, 0xC1, 0xD8, 7);    // bit 5 -> bit 31, the incoming CF -> bit 25
        assertEquals(0x82000000, r[0]);
        assertEquals(OF, r[1] & (OF | CF), "bit 31 set, bit 30 clear; CF = old bit 6 = 0");
    }
}
