package dev.tern.x86.fpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Instruction-level behaviour beyond the basics: environments, stack ops, special cases. */
class X87InstructionTest {

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

    private void push(long value) {
        mem.writeU64(0, value);
        run(0xDF, 0x28); // FILD m64
    }

    private void pushDouble(double d) {
        mem.writeU64(0, Double.doubleToRawLongBits(d));
        run(0xDD, 0x00);
    }

    private Float80 st(int i) {
        return fpu.save().registers().get(((fpu.statusWord() >> 11) + i) & 7);
    }

    private int codes() {
        return fpu.statusWord() & X87.CONDITION_CODES;
    }

    @Test
    void protectedMode16BitEnvironmentRoundTrips() {
        ByteMemory env = new ByteMemory(64, false, false);
        fpu.setLastInstruction(0x1B, 0x4321, 0x23, 0x8765);
        push(5);
        mem.writeU16(0, 0x0C7F);
        run(0xD9, 0x28); // FLDCW (does not touch the pointers)
        fpu.execute(0xD9, 0x30, env); // FNSTENV, 14 bytes
        assertEquals(0x0C7F, env.readU16(0));
        assertEquals(7 << 11, env.readU16(2) & 0x3800);
        assertEquals(0x3FFF, env.readU16(4), "R7 valid, others empty");
        assertEquals(0x4321, env.readU16(6));
        assertEquals(0x1B, env.readU16(8));
        assertEquals(0x8765, env.readU16(10));
        assertEquals(0x23, env.readU16(12));
        X87State stored = fpu.save();
        fpu.reset();
        fpu.execute(0xD9, 0x20, env); // FLDENV
        assertEquals(stored.controlWord() | 0x3F, fpu.controlWord(), "FNSTENV masked all");
        // Only "empty" is loaded; tags are recomputed from contents: R7 now holds reset's +0.
        assertEquals(0x7FFF, fpu.tagWord());
        assertEquals(stored.statusWord(), fpu.statusWord());
        assertEquals(0x4321, fpu.save().fip());
    }

    @Test
    void realMode32BitEnvironmentUsesLinearPointers() {
        ByteMemory env = new ByteMemory(64, true, true);
        fpu.setLastInstruction(0x1234, 0x5678, 0x2000, 0x0010);
        fpu.execute(0xDD, 0x06, env); // FLD m64 (zeros): updates FIP/FDP and FOP 0x506
        fpu.execute(0xD9, 0x30, env);
        int ip = 0x1234 * 16 + 0x5678;
        assertEquals(ip & 0xFFFF, env.readU32(12));
        assertEquals((ip >>> 16) << 12 | 0x506, env.readU32(16));
        assertEquals((0x2000 * 16 + 0x10) & 0xFFFF, env.readU32(20));
        assertEquals(((0x2000 * 16 + 0x10) >>> 16) << 12, env.readU32(24));
        fpu.reset();
        fpu.execute(0xD9, 0x20, env);
        assertEquals(ip, fpu.save().fip());
        assertEquals(0x506, fpu.save().fop());
    }

    @Test
    void statePersistsThroughSaveAndLoad() {
        push(-3);
        pushDouble(0.1);
        run(0xD9, 0xEB);
        mem.writeU16(0, 0x0E72);
        run(0xD9, 0x28);
        X87State s = fpu.save();
        X87 other = new X87();
        other.load(s);
        assertEquals(s, other.save());
        assertThrows(IllegalArgumentException.class, () -> new X87State(0, 0, 0, 0, 0, 0, 0, 0,
                List.of(Float80.ONE)));
    }

    @Test
    void fxrstorRestoresTopTagsAndPointers() {
        fpu.setLastInstruction(0x10, 0xABCD, 0x18, 0x100);
        push(1);
        push(2);
        push(3);
        fpu.fxsave(mem);
        assertEquals(0xE0, mem.readU8(4));
        assertEquals(0x728, mem.readU16(6) & 0x7FF, "FOP of FILD m64: (DF & 7) << 8 | modrm 0x28");
        assertEquals(0xABCD, mem.readU32(8));
        assertEquals(0x100, mem.readU32(16));
        X87State before = fpu.save();
        fpu.reset();
        fpu.fxrstor(mem);
        X87State after = fpu.save();
        assertEquals(before.statusWord(), after.statusWord());
        assertEquals(before.tagWord(), after.tagWord());
        assertEquals(before.registers().subList(5, 8), after.registers().subList(5, 8));
    }

    @Test
    void exchangeFreeAndStackPointerMoves() {
        push(1);
        push(2);
        run(0xD9, 0xC9); // FXCH ST1
        assertEquals(Float80.fromLong(1), st(0));
        assertEquals(Float80.fromLong(2), st(1));
        run(0xDD, 0xC1); // FFREE ST1
        assertEquals(0x3 << (2 * ((fpu.statusWord() >> 11 & 7) + 1 & 7)),
                fpu.tagWord() & 0x3 << (2 * ((fpu.statusWord() >> 11 & 7) + 1 & 7)));
        run(0xD9, 0xF7); // FINCSTP
        assertEquals(7, fpu.statusWord() >> 11 & 7);
        run(0xD9, 0xF6); // FDECSTP
        assertEquals(6, fpu.statusWord() >> 11 & 7);
        run(0xD9, 0xC9); // FXCH with an empty ST1: masked underflow fills with indefinite
        assertEquals(Float80.INDEFINITE, st(0));
        assertEquals(Float80.fromLong(1), st(1));
        assertEquals(0x41, fpu.statusWord() & 0x41);
    }

    @Test
    void fptanPushesOneAndFsincosPushesCosine() {
        pushDouble(0.75);
        run(0xD9, 0xF2);
        assertEquals(Float80.ONE, st(0));
        assertEquals(Math.tan(0.75), Transcendental.toDouble(st(1)), Math.ulp(1.0));
        assertEquals(0, codes() & X87.C2);
        fpu.reset();
        pushDouble(0.75);
        run(0xD9, 0xFB);
        assertEquals(Math.cos(0.75), Transcendental.toDouble(st(0)), Math.ulp(1.0));
        assertEquals(Math.sin(0.75), Transcendental.toDouble(st(1)), Math.ulp(1.0));
    }

    @Test
    void fsinReducesWithThe66BitPiLikeIntelHardware() {
        pushDouble(Math.PI);
        run(0xD9, 0xFE);
        // The value real x87s return (pi66 - double(pi)), not sin(double(pi)) = 1.2246467991473532e-16.
        assertEquals(1.2246063538223773e-16, Transcendental.toDouble(st(0)));
    }

    @Test
    void sineAndCosineAreAccurateToTheLastExtendedBits() {
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < 50; i++) {
            fpu.reset();
            pushDouble((r.nextDouble() - 0.5) * 1.5); // within pi/4: no reduction involved
            run(0xD9, 0xFB); // FSINCOS: ST0 = cos, ST1 = sin
            java.math.BigDecimal c = BigDecimalElementaryFunctions.exact(st(0));
            java.math.BigDecimal s = BigDecimalElementaryFunctions.exact(st(1));
            java.math.BigDecimal one = c.multiply(c).add(s.multiply(s));
            assertTrue(one.subtract(java.math.BigDecimal.ONE).abs()
                    .compareTo(new java.math.BigDecimal("1e-18")) < 0, "sin^2 + cos^2 = " + one);
        }
    }

    @Test
    void fcmovCoversAllEightConditions() {
        int[][] cases = {
            // opcode, modrm, eflags, expected move
            {0xDA, 0xC1, 0x01, 1}, {0xDA, 0xC1, 0x00, 0}, // B
            {0xDA, 0xC9, 0x40, 1}, {0xDA, 0xD1, 0x40, 1}, {0xDA, 0xD1, 0x00, 0}, // E, BE
            {0xDA, 0xD9, 0x04, 1}, {0xDA, 0xD9, 0x00, 0}, // U
            {0xDB, 0xC1, 0x00, 1}, {0xDB, 0xC1, 0x01, 0}, // NB
            {0xDB, 0xC9, 0x00, 1}, {0xDB, 0xD1, 0x41, 0}, {0xDB, 0xD9, 0x04, 0}, // NE, NBE, NU
        };
        for (int[] c : cases) {
            fpu.reset();
            push(10);
            push(20);
            fpu.setEflags(c[2]);
            run(c[0], c[1]);
            assertEquals(Float80.fromLong(c[3] == 1 ? 10 : 20), st(0),
                    String.format("%02x %02x eflags %02x", c[0], c[1], c[2]));
        }
    }

    @Test
    void reverseArithmeticEncodingsFollowIntel() {
        // DC E0+i is FSUBR ST(i),ST0 (ST(i) = ST0 - ST(i)); DC E8+i is FSUB (ST(i) - ST0).
        push(10);
        push(3); // ST0 = 3, ST1 = 10
        run(0xDC, 0xE1);
        assertEquals(Float80.fromLong(-7), st(1));
        run(0xDC, 0xE9);
        assertEquals(Float80.fromLong(-10), st(1));
        run(0xD8, 0xE9); // FSUBR ST0, ST1: ST1 - ST0
        assertEquals(Float80.fromLong(-13), st(0));
        run(0xDE, 0xF9); // FDIVP ST1, ST0: ST1 / ST0
        assertEquals(Transcendental.toFloat80(-10.0 / -13.0),
                RealFormat.toFloat80(RealFormat.DOUBLE.round(st(0).exact(), 53, Rounding.NEAREST,
                        new Flags(0x3F), false)));
    }

    @Test
    void integerArithmeticFromMemory() {
        push(100);
        mem.writeU16(0, 0xFFF6); // -10 as m16int
        run(0xDE, 0x00); // FIADD m16
        assertEquals(Float80.fromLong(90), st(0));
        mem.writeU32(0, 7);
        run(0xDA, 0x38); // FIDIVR m32: 7 / 90
        assertTrue(st(0).exponent() < Float80.BIAS);
        mem.writeU32(0, 0);
        run(0xDA, 0x10); // FICOM m32 against 0: greater
        assertEquals(0, codes() & (X87.C0 | X87.C2 | X87.C3));
    }

    @Test
    void bcdOutOfRangeStoresTheIndefinite() {
        push(1_000_000_000_000_000_000L);
        run(0xDF, 0x30);
        assertEquals(0xC0, mem.readU8(7));
        assertEquals(0xFFFF, mem.readU16(8));
        assertEquals(1, fpu.statusWord() & 1);
    }

    @Test
    void controlInstructionsLeaveThePointersAlone() {
        fpu.setLastInstruction(8, 0x100, 0x10, 0x200);
        push(1);
        fpu.setLastInstruction(8, 0x999, 0x10, 0x999);
        run(0xD9, 0x38); // FNSTCW
        run(0xDB, 0xE2); // FNCLEX
        assertEquals(0x100, fpu.save().fip());
        assertEquals(0x200, fpu.save().fdp());
        run(0xD9, 0xE1); // FABS updates FIP but not FDP (register form)
        assertEquals(0x999, fpu.save().fip());
        assertEquals(0x200, fpu.save().fdp());
    }

    @Test
    void unmaskedStackFaultLeavesTheStackUnchanged() {
        mem.writeU16(0, 0x037E); // unmask IE
        run(0xD9, 0x28);
        List<X87State> states = new ArrayList<>();
        states.add(fpu.save());
        run(0xD9, 0xC1); // FLD ST1 from an empty stack
        assertEquals(states.get(0).registers(), fpu.save().registers());
        assertEquals(0, fpu.statusWord() >> 11 & 7);
        assertTrue(fpu.unmaskedExceptionPending());
        assertEquals(X87Fault.MF, assertThrows(X87Fault.class, () -> run(0xD9, 0xE8)).vector());
        run(0xDB, 0xE3); // FNINIT does not wait
        assertEquals(0, fpu.statusWord());
    }

    @Test
    void fscaleWithAnEmptySt1GivesTheIndefinite() {
        push(3);
        run(0xD9, 0xFD);
        assertEquals(Float80.INDEFINITE, st(0));
        assertEquals(0x41, fpu.statusWord() & 0x41);
    }

    @Test
    void fchsOfAnEmptyRegisterGivesTheIndefiniteUnchanged() {
        run(0xD9, 0xE0);
        assertEquals(Float80.INDEFINITE, st(0));
    }

    @Test
    void frndintAndFistRoundingSetC1WhenRoundingUp() {
        pushDouble(2.5);
        mem.writeU16(0, 0x0B7F); // round up
        run(0xD9, 0x28);
        run(0xD9, 0xFC); // FRNDINT
        assertEquals(Float80.fromLong(3), st(0));
        assertEquals(X87.C1, codes() & X87.C1);
        assertEquals(0x20, fpu.statusWord() & 0x20);
        pushDouble(-0.25);
        run(0xD9, 0xFC);
        assertEquals(Float80.NEGATIVE_ZERO, st(0), "rounding up -0.25 keeps the sign");
    }
}
