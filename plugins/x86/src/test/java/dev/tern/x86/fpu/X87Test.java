package dev.tern.x86.fpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class X87Test {

    private X87 fpu;
    private ByteMemory mem;

    @BeforeEach
    void setUp() {
        fpu = new X87();
        mem = new ByteMemory(512);
    }

    private void run(int opcode, int modrm) {
        fpu.execute(opcode, modrm, modrm < 0xC0 ? mem : null);
    }

    private void fildInt(int v) {
        mem.writeU32(0, v);
        run(0xDB, 0x00);
    }

    private void fldDouble(double d) {
        mem.writeU64(0, Double.doubleToRawLongBits(d));
        run(0xDD, 0x00);
    }

    private void setControlWord(int cw) {
        mem.writeU16(0, cw);
        run(0xD9, 0x28);
    }

    private Float80 st0() {
        return fpu.save().registers().get((fpu.statusWord() >> 11) & 7);
    }

    private double st0AsDouble() {
        mem.writeU64(0, 0);
        run(0xDD, 0x10); // FST m64
        return Double.longBitsToDouble(mem.readU64(0));
    }

    private int storeInt32(int rounding) {
        setControlWord(0x037F | rounding << 10);
        run(0xDB, 0x10); // FIST m32
        return mem.readU32(0);
    }

    @Test
    void fldpiRoundsTheConstantPerRoundingControl() {
        run(0xD9, 0xEB);
        assertEquals(new Float80(0x4000, 0xC90FDAA22168C235L), st0());
        fpu.reset();
        setControlWord(0x077F); // round down
        run(0xD9, 0xEB);
        assertEquals(new Float80(0x4000, 0xC90FDAA22168C234L), st0());
        run(0xD9, 0xED); // FLDLN2 rounded down
        assertEquals(new Float80(0x3FFE, 0xB17217F7D1CF79ABL), st0());
    }

    @Test
    void oneThirdIsCorrectlyRoundedInEachPrecision() {
        run(0xD9, 0xE8); // FLD1
        fildInt(3);
        run(0xDE, 0xF9); // FDIVP ST(1), ST(0)
        assertEquals(new Float80(0x3FFD, 0xAAAAAAAAAAAAAAABL), st0());
        assertEquals(X87.C1, fpu.statusWord() & X87.C1, "rounded up");
        assertEquals(0x20, fpu.statusWord() & 0x20, "precision exception");

        fpu.reset();
        setControlWord(0x027F); // 53-bit precision
        run(0xD9, 0xE8);
        fildInt(3);
        run(0xDE, 0xF9);
        assertEquals(new Float80(0x3FFD, 0xAAAAAAAAAAAAA800L), st0());
        assertEquals(0, fpu.statusWord() & X87.C1, "rounded down");
        assertEquals(1.0 / 3.0, st0AsDouble());
    }

    @Test
    void sqrtOfTwoMatchesTheExtendedBitPattern() {
        fildInt(2);
        run(0xD9, 0xFA);
        assertEquals(new Float80(0x3FFF, 0xB504F333F9DE6484L), st0());
    }

    @Test
    void integerStoresHonourEveryRoundingMode() {
        int[][] expected = {{2, 2, 3, 2}, {-2, -3, -2, -2}};
        double[] inputs = {2.5, -2.5};
        for (int i = 0; i < 2; i++) {
            for (int rc = 0; rc < 4; rc++) {
                fpu.reset();
                fldDouble(inputs[i]);
                assertEquals(expected[i][rc], storeInt32(rc), "input " + inputs[i] + " rc " + rc);
            }
        }
        fpu.reset();
        fldDouble(-2.75);
        run(0xDB, 0x08); // FISTTP m32 truncates regardless of RC
        assertEquals(-2, mem.readU32(0));
    }

    @Test
    void outOfRangeIntegerStoreGivesIntegerIndefinite() {
        fldDouble(40000.0);
        run(0xDF, 0x10); // FIST m16
        assertEquals(0x8000, mem.readU16(0));
        assertEquals(1, fpu.statusWord() & 1, "IE");
        fldDouble(-9.3e18);
        run(0xDF, 0x38); // FISTP m64
        assertEquals(Long.MIN_VALUE, mem.readU64(0));
    }

    @Test
    void storesToSingleAndDoubleRoundCorrectly() {
        fldDouble(0.1);
        run(0xD9, 0x10); // FST m32
        assertEquals(0x3DCCCCCD, mem.readU32(0));
        setControlWord(0x0F7F); // truncate
        run(0xD9, 0x10);
        assertEquals(0x3DCCCCCC, mem.readU32(0));
        fldDouble(1e300);
        run(0xD9, 0x18); // FSTP m32 overflow -> masked: max finite under truncation
        assertEquals(0x7F7FFFFF, mem.readU32(0));
        assertEquals(0x28, fpu.statusWord() & 0x28, "OE and PE");
    }

    @Test
    void denormalDoubleLoadsExactlyAndRaisesDenormal() {
        mem.writeU64(0, 1L); // smallest positive double denormal, 2^-1074
        run(0xDD, 0x00);
        assertEquals(new Float80(16383 - 1074, 1L << 63), st0());
        assertEquals(0x02, fpu.statusWord() & 0x02);
        assertEquals(Double.MIN_VALUE, st0AsDouble());
    }

    @Test
    void compareSetsConditionCodesAndEflags() {
        fildInt(2);
        fildInt(1); // ST0 = 1, ST1 = 2
        run(0xD8, 0xD1); // FCOM ST(1)
        assertEquals(X87.C0, fpu.statusWord() & X87.CONDITION_CODES);
        run(0xDB, 0xF1); // FCOMI ST(1)
        assertEquals(0x01, fpu.comiFlags());
        run(0xD9, 0xC9); // FXCH
        run(0xDB, 0xF1);
        assertEquals(0x00, fpu.comiFlags());
        run(0xD9, 0xC0); // FLD ST0
        run(0xDF, 0xE9); // FUCOMIP ST(1): equal
        assertEquals(0x40, fpu.comiFlags());
        assertTrue(X87.writesEflags(0xDF, 0xE9));
        assertFalse(X87.writesEflags(0xD8, 0xD1));
    }

    @Test
    void unorderedCompareDistinguishesQuietAndSignalingForms() {
        mem.writeU64(0, 0x7FF8000000000000L); // QNaN
        run(0xDD, 0x00);
        fildInt(1);
        run(0xDB, 0xE9); // FUCOMI ST(1)
        assertEquals(0x45, fpu.comiFlags());
        assertEquals(0, fpu.statusWord() & 1, "FUCOMI ignores QNaN");
        run(0xD8, 0xD1); // FCOM ST(1)
        assertEquals(X87.C3 | X87.C2 | X87.C0, fpu.statusWord() & X87.CONDITION_CODES);
        assertEquals(1, fpu.statusWord() & 1, "FCOM raises IE on QNaN");
    }

    @Test
    void stackUnderflowAndOverflowGiveIndefiniteWithStackFault() {
        run(0xD8, 0xC1); // FADD ST0, ST1 on an empty stack
        assertEquals(0x41, fpu.statusWord() & 0x41);
        assertEquals(0, fpu.statusWord() & X87.C1, "underflow clears C1");
        assertEquals(Float80.INDEFINITE, st0());

        fpu.reset();
        for (int i = 0; i < 9; i++) {
            run(0xD9, 0xE8);
        }
        assertEquals(0x41, fpu.statusWord() & 0x41);
        assertEquals(X87.C1, fpu.statusWord() & X87.C1, "overflow sets C1");
        assertEquals(Float80.INDEFINITE, st0());
    }

    @Test
    void unmaskedExceptionIsReportedByTheNextWaitingInstruction() {
        setControlWord(0x037B); // unmask ZE
        fildInt(1);
        run(0xD9, 0xEE); // FLDZ
        run(0xDE, 0xF9); // FDIVP: 1/0, unmasked -> no write, no pop
        assertTrue(fpu.unmaskedExceptionPending());
        assertEquals(0x8084, fpu.statusWord() & 0x80FF);
        X87Fault fault = assertThrows(X87Fault.class, () -> run(0xD9, 0xE8));
        assertEquals(X87Fault.MF, fault.vector());
        run(0xDF, 0xE0); // FNSTSW AX does not wait
        run(0xDB, 0xE2); // FNCLEX
        assertFalse(fpu.unmaskedExceptionPending());
        assertEquals(Float80.POSITIVE_ZERO, st0(), "destination untouched");
    }

    @Test
    void undefinedEncodingsRaiseInvalidOpcode() {
        assertEquals(X87Fault.UD, assertThrows(X87Fault.class, () -> run(0xD9, 0xD1)).vector());
        assertEquals(X87Fault.UD, assertThrows(X87Fault.class, () -> run(0xDB, 0x20)).vector());
        assertThrows(IllegalArgumentException.class, () -> fpu.execute(0xD7, 0, null));
        assertThrows(IllegalArgumentException.class, () -> fpu.execute(0xD8, 0x00, null));
    }

    @Test
    void fsaveFrstorRoundTripAndFsaveReinitialises() {
        fpu.setLastInstruction(0x08, 0x1234, 0x10, 0x5678);
        fldDouble(-1.5);
        run(0xD9, 0xEB);
        setControlWord(0x0A7F);
        X87State before = fpu.save();
        run(0xDD, 0x30); // FNSAVE
        assertEquals(0x0A7F, mem.readU16(0));
        assertEquals(0x1234, mem.readU32(12));
        assertEquals(0x08 | (0x1EB << 16), mem.readU32(16), "FCS and FOP of FLDPI");
        assertEquals(0x5678, mem.readU32(20), "operand offset of FLD m64");
        assertEquals(0xFFFF, fpu.tagWord(), "FNSAVE ends with FNINIT");
        assertEquals(0x037F, fpu.controlWord());
        run(0xDD, 0x20); // FRSTOR
        assertEquals(before, fpu.save());
        assertEquals(new Float80(0x4000, 0xC90FDAA22168C235L), Float80.load(mem, 28), "ST0 image");
    }

    @Test
    void fxsaveUsesTheAbridgedTagAndStOrder() {
        fildInt(7);
        fildInt(-1);
        fpu.fxsave(mem);
        assertEquals(0x037F, mem.readU16(0));
        assertEquals(6 << 11, mem.readU16(2) & 0x3800);
        assertEquals(0xC0, mem.readU8(4), "R6 and R7 valid");
        assertEquals(new Float80(0xBFFF, 1L << 63), Float80.load(mem, 32));
        assertEquals(Float80.fromLong(7), Float80.load(mem, 48));
        assertEquals(0x1F80, mem.readU32(24));
        X87State saved = fpu.save();
        fpu.reset();
        fpu.fxrstor(mem);
        assertEquals(saved.registers().subList(6, 8), fpu.save().registers().subList(6, 8));
        assertEquals(saved.tagWord(), fpu.tagWord());
    }

    @Test
    void fstenvStoresRealModeLinearPointersAndMasksExceptions() {
        ByteMemory real = new ByteMemory(64, false, true);
        setControlWord(0x0360);
        fpu.setLastInstruction(0xF000, 0x1234, 0, 0x20);
        fpu.execute(0xD9, 0x05, real); // FLD m32 of 0.0
        fpu.execute(0xD9, 0x30, real); // FNSTENV (16-bit, real mode)
        assertEquals(0x0360, real.readU16(0));
        assertEquals(0x1234, real.readU16(6), "IP bits 0..15 of F1234");
        assertEquals(0xF << 12 | 0x105, real.readU16(8), "IP bits 16..19 and FOP");
        assertEquals(0x37F, fpu.controlWord() & 0x37F, "all exceptions masked");
    }

    @Test
    void bcdRoundTrip() {
        mem.writeU64(0, -1234567890123L);
        run(0xDF, 0x28); // FILD m64
        run(0xDF, 0x30); // FBSTP
        assertArrayEquals(new byte[] {0x23, 0x01, (byte) 0x89, 0x67, 0x45, 0x23, 0x01, 0, 0,
                (byte) 0x80}, java.util.Arrays.copyOf(mem.bytes, 10));
        run(0xDF, 0x20); // FBLD
        assertEquals(Float80.fromLong(-1234567890123L), st0());
    }

    @Test
    void partialRemainderReportsQuotientBits() {
        fildInt(3);
        fildInt(11); // 11 = 3*3 + 2
        run(0xD9, 0xF8); // FPREM
        assertEquals(Float80.fromLong(2), st0());
        assertEquals(X87.C3 | X87.C1, fpu.statusWord() & X87.CONDITION_CODES, "Q=3");
        fpu.reset();
        fildInt(3);
        fildInt(11);
        run(0xD9, 0xF5); // FPREM1: quotient rounds to 4, remainder -1
        assertEquals(Float80.fromLong(-1), st0());
        assertEquals(X87.C0, fpu.statusWord() & X87.CONDITION_CODES, "Q=4");
    }

    @Test
    void fxamClassifiesRegisters() {
        run(0xD9, 0xE5);
        assertEquals(X87.C3 | X87.C0, fpu.statusWord() & X87.CONDITION_CODES, "empty");
        fldDouble(Double.NEGATIVE_INFINITY);
        run(0xD9, 0xE5);
        assertEquals(X87.C2 | X87.C0 | X87.C1, fpu.statusWord() & X87.CONDITION_CODES);
        mem.writeU64(0, 1L);
        run(0xDD, 0x00);
        run(0xD9, 0xE5);
        assertEquals(X87.C2, fpu.statusWord() & X87.CONDITION_CODES, "double denormal is normal here");
    }

    @Test
    void transcendentalsAndRangeLimit() {
        fldDouble(0.5);
        run(0xD9, 0xFE); // FSIN
        assertEquals(Math.sin(0.5), st0AsDouble(), 1e-16);
        fldDouble(1e19);
        run(0xD9, 0xFF); // FCOS out of range
        assertEquals(X87.C2, fpu.statusWord() & X87.C2);
        assertEquals(1e19, st0AsDouble());
        fpu.reset();
        fildInt(3);
        fildInt(8);
        run(0xD9, 0xF1); // FYL2X: 3 * log2(8)
        assertEquals(9.0, st0AsDouble());
    }

    @Test
    void fscaleAndFxtract() {
        fildInt(-3);
        fldDouble(1.5);
        run(0xD9, 0xFD); // 1.5 * 2^-3
        assertEquals(0.1875, st0AsDouble());
        run(0xD9, 0xF4); // FXTRACT
        assertEquals(1.5, st0AsDouble());
        run(0xDD, 0xD8); // FSTP ST0
        assertEquals(-3.0, st0AsDouble());
    }

    @Test
    void fcmovFollowsEflags() {
        fildInt(5);
        fildInt(9);
        fpu.setEflags(0x40); // ZF
        run(0xDA, 0xC9); // FCMOVE ST0, ST1
        assertEquals(5.0, st0AsDouble());
        fildInt(9);
        run(0xDB, 0xC9); // FCMOVNE: not taken
        assertEquals(9.0, st0AsDouble());
    }

    @Test
    void addRoundsInDirectedModesAndSignsExactZero() {
        setControlWord(0x077F); // round down
        fildInt(1);
        fildInt(-1);
        run(0xDE, 0xC1); // FADDP
        assertEquals(Float80.NEGATIVE_ZERO, st0());
        fpu.reset();
        setControlWord(0x0B7F); // round up
        run(0xD9, 0xE8);
        mem.writeU64(0, Double.doubleToRawLongBits(0x1p-70));
        run(0xDC, 0x00); // FADD m64: 1 + 2^-70 rounds up to 1 + 2^-63
        assertEquals(new Float80(0x3FFF, 0x8000000000000001L), st0());
    }
}
