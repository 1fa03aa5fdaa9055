package dev.tern.x86.fpu;

import java.math.BigInteger;

/** One decoded ESC instruction executing against an {@link X87}; created per instruction. */
final class X87Instruction {

    private static final int UNORDERED = X87.C3 | X87.C2 | X87.C0;

    private final X87 x;
    private final int opcode;
    private final int modrm;
    private final int reg;
    private final int rm;
    private final X87Memory mem;
    private final Flags f;
    /** Basic arithmetic honours precision control... */
    private final Float80Math arithmetic;
    /** ...everything else rounds to the full 64 bits. */
    private final Float80Math full;

    X87Instruction(X87 x, int opcode, int modrm, X87Memory mem) {
        this.x = x;
        this.opcode = opcode;
        this.modrm = modrm;
        this.reg = (modrm >> 3) & 7;
        this.rm = modrm & 7;
        this.mem = mem;
        this.f = x.newFlags();
        this.arithmetic = new Float80Math(x.precision(), x.rounding(), f);
        this.full = new Float80Math(64, x.rounding(), f);
    }

    void run() {
        boolean memory = modrm < 0xC0;
        switch (opcode) {
            case 0xD8 -> arithmeticOnSt0(memory ? RealFormat.SINGLE.decode(u32(), f) : x.st(rm, f));
            case 0xD9 -> {
                if (memory) {
                    esc1Memory();
                } else {
                    esc1Register();
                }
            }
            case 0xDA -> {
                if (memory) {
                    arithmeticOnSt0(Float80.fromLong(mem.readU32(0)));
                } else if (modrm == 0xE9) {
                    compare(x.st(0, f), x.st(1, f), true, 2);
                } else {
                    conditionalMove(false);
                }
            }
            case 0xDB -> {
                if (memory) {
                    esc3Memory();
                } else {
                    esc3Register();
                }
            }
            case 0xDC -> {
                if (memory) {
                    arithmeticOnSt0(RealFormat.DOUBLE.decode(mem.readU64(0), f));
                } else {
                    arithmeticOnSti(false);
                }
            }
            case 0xDD -> {
                if (memory) {
                    esc5Memory();
                } else {
                    esc5Register();
                }
            }
            case 0xDE -> {
                if (memory) {
                    arithmeticOnSt0(Float80.fromLong((short) mem.readU16(0)));
                } else if (modrm == 0xD9) {
                    compare(x.st(0, f), x.st(1, f), false, 2);
                } else {
                    arithmeticOnSti(true);
                }
            }
            case 0xDF -> {
                if (memory) {
                    esc7Memory();
                } else {
                    esc7Register();
                }
            }
            default -> throw new IllegalStateException("not an ESC opcode: " + opcode);
        }
    }

    private long u32() {
        return mem.readU32(0) & 0xFFFF_FFFFL;
    }

    // ---- arithmetic ----

    /** D8/DC/DA/DE memory forms and D8 register forms: ST0 = ST0 op operand. */
    private void arithmeticOnSt0(Float80 operand) {
        Float80 st0 = x.st(0, f);
        switch (reg) {
            case 2 -> compare(st0, operand, false, 0);
            case 3 -> compare(st0, operand, false, 1);
            default -> {
                Float80 r = binary(reg, st0, operand);
                if (x.commit(f, false)) {
                    x.setSt(0, r);
                }
            }
        }
    }

    /**
     * DC/DE register forms: ST(i) = ST(i) op ST0. Intel's encodings swap the sub/subr and
     * div/divr meanings here, hence reg ^ 1.
     */
    private void arithmeticOnSti(boolean pop) {
        if (reg == 2 || reg == 3) {
            compare(x.st(0, f), x.st(rm, f), false, reg == 3 || pop ? 1 : 0);
            return;
        }
        Float80 dest = x.st(rm, f);
        Float80 st0 = x.st(0, f);
        Float80 r = binary(reg >= 4 ? reg ^ 1 : reg, dest, st0);
        if (x.commit(f, false)) {
            x.setSt(rm, r);
            if (pop) {
                x.pop();
            }
        }
    }

    private Float80 binary(int op, Float80 a, Float80 b) {
        return switch (op) {
            case 0 -> arithmetic.add(a, b);
            case 1 -> arithmetic.multiply(a, b);
            case 4 -> arithmetic.subtract(a, b);
            case 5 -> arithmetic.subtract(b, a);
            case 6 -> arithmetic.divide(a, b);
            case 7 -> arithmetic.divide(b, a);
            default -> throw new IllegalStateException("not an arithmetic op: " + op);
        };
    }

    private void compare(Float80 a, Float80 b, boolean quiet, int pops) {
        Integer c = full.compare(a, b, quiet);
        f.roundedUp = false;
        if (!x.commit(f, false)) {
            return;
        }
        x.setConditionCodes(c == null ? UNORDERED : c < 0 ? X87.C0 : c == 0 ? X87.C3 : 0);
        for (int i = 0; i < pops; i++) {
            x.pop();
        }
    }

    /** FCOMI/FUCOMI(P): ZF,PF,CF instead of condition codes. */
    private void compareToEflags(boolean quiet, boolean pop) {
        Integer c = full.compare(x.st(0, f), x.st(rm, f), quiet);
        f.roundedUp = false;
        if (!x.commit(f, false)) {
            return;
        }
        x.setComiFlags(c == null ? 0x45 : c < 0 ? 0x01 : c == 0 ? 0x40 : 0);
        if (pop) {
            x.pop();
        }
    }

    private void conditionalMove(boolean negated) {
        int fl = x.eflags();
        boolean cf = (fl & 0x01) != 0;
        boolean zf = (fl & 0x40) != 0;
        boolean pf = (fl & 0x04) != 0;
        boolean condition = switch (reg & 3) {
            case 0 -> cf;
            case 1 -> zf;
            case 2 -> cf || zf;
            default -> pf;
        };
        Float80 source = x.st(rm, f);
        if (x.commit(f, false) && condition != negated) {
            x.setSt(0, source);
        }
    }

    /** Replaces ST0 by op(ST0) (FSQRT, FRNDINT, FSIN, ...). */
    private void unary(java.util.function.UnaryOperator<Float80> op) {
        Float80 st0 = x.st(0, f);
        Float80 r = (f.raised & Flags.SF) != 0 ? st0 : op.apply(st0);
        if (x.commit(f, false)) {
            x.setSt(0, r);
        }
    }

    /** ST1 = op(ST1, ST0), then pop (FYL2X, FYL2XP1, FPATAN). */
    private void binaryPop(java.util.function.BinaryOperator<Float80> op) {
        Float80 st0 = x.st(0, f);
        Float80 st1 = x.st(1, f);
        Float80 r = op.apply(st1, st0);
        if (x.commit(f, false)) {
            x.setSt(1, r);
            x.pop();
        }
    }

    // ---- loads and stores ----

    private void load(Float80 v) {
        Float80 pushed = x.checkPush(v, f);
        if (x.commit(f, false)) {
            x.push(pushed);
        }
    }

    private void storeReal(RealFormat format, boolean pop) {
        Float80 st0 = x.st(0, f);
        long bits = format.encode(st0, format.precision, x.rounding(), f);
        if (x.commit(f, true)) {
            if (format == RealFormat.SINGLE) {
                mem.writeU32(0, (int) bits);
            } else {
                mem.writeU64(0, bits);
            }
            if (pop) {
                x.pop();
            }
        }
    }

    private void storeInteger(int bits, Rounding mode, boolean pop) {
        Float80 st0 = x.st(0, f);
        long v = IntegerConversion.toInteger(st0, bits, mode, f);
        if (x.commit(f, true)) {
            switch (bits) {
                case 16 -> mem.writeU16(0, (int) v & 0xFFFF);
                case 32 -> mem.writeU32(0, (int) v);
                default -> mem.writeU64(0, v);
            }
            if (pop) {
                x.pop();
            }
        }
    }

    private void storeSt(int i, boolean pop) {
        Float80 st0 = x.st(0, f);
        if (x.commit(f, false)) {
            x.setSt(i, st0);
            if (pop) {
                x.pop();
            }
        }
    }

    private void exchange() {
        Float80 st0 = x.st(0, f);
        Float80 sti = x.st(rm, f);
        if (x.commit(f, false)) {
            x.setSt(0, sti);
            x.setSt(rm, st0);
        }
    }

    // ---- ESC groups ----

    private void esc1Memory() {
        switch (reg) {
            case 0 -> load(RealFormat.SINGLE.decode(u32(), f));
            case 2 -> storeReal(RealFormat.SINGLE, false);
            case 3 -> storeReal(RealFormat.SINGLE, true);
            case 4 -> X87Environment.loadEnvironment(x, mem);
            case 5 -> x.loadWords(mem.readU16(0), x.statusWord(), x.tagWord());
            case 6 -> {
                X87Environment.storeEnvironment(x, mem);
                x.controlWord |= 0x3F; // FNSTENV masks all exceptions after saving
            }
            case 7 -> mem.writeU16(0, x.controlWord);
            default -> throw new IllegalStateException("undefined D9 /" + reg);
        }
    }

    private void esc1Register() {
        switch (modrm) {
            case 0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7 -> load(x.st(rm, f));
            case 0xC8, 0xC9, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF -> exchange();
            case 0xD0 -> x.commit(f, false); // FNOP
            case 0xE0 -> unary(Float80::negate);
            case 0xE1 -> unary(Float80::abs);
            case 0xE4 -> compare(x.st(0, f), Float80.POSITIVE_ZERO, false, 0);
            case 0xE5 -> examine();
            case 0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEE -> load(X87Constant.values()[rm].value(x.rounding()));
            case 0xF0 -> unary(transcendental()::twoToXMinusOne);
            case 0xF1 -> binaryPop(transcendental()::yLog2X);
            case 0xF2 -> partialTangent();
            case 0xF3 -> binaryPop(transcendental()::atan2);
            case 0xF4 -> extract();
            case 0xF5 -> remainder(true);
            case 0xF6 -> rotateTop(-1);
            case 0xF7 -> rotateTop(1);
            case 0xF8 -> remainder(false);
            case 0xF9 -> binaryPop(transcendental()::yLog2XPlusOne);
            case 0xFA -> unary(arithmetic::sqrt);
            case 0xFB -> sineCosine();
            case 0xFC -> unary(full::roundToInteger);
            case 0xFD -> scale();
            case 0xFE -> trigonometric(transcendental()::sin);
            case 0xFF -> trigonometric(transcendental()::cos);
            default -> storeSt(rm, true); // D9 D8+i: undocumented FSTP1 alias
        }
    }

    /** FSCALE: an empty ST1 yields the indefinite through NaN propagation, unlike unary(). */
    private void scale() {
        Float80 st0 = x.st(0, f);
        Float80 st1 = x.st(1, f);
        Float80 r = full.scale(st0, st1);
        if (x.commit(f, false)) {
            x.setSt(0, r);
        }
    }

    private Transcendental transcendental() {
        return new Transcendental(full, f, x.rounding());
    }

    private void esc3Memory() {
        switch (reg) {
            case 0 -> load(Float80.fromLong(mem.readU32(0)));
            case 1 -> storeInteger(32, Rounding.ZERO, true);
            case 2 -> storeInteger(32, x.rounding(), false);
            case 3 -> storeInteger(32, x.rounding(), true);
            case 5 -> load(Float80.load(mem, 0));
            case 7 -> {
                Float80 st0 = x.st(0, f);
                if (x.commit(f, true)) {
                    st0.store(mem, 0);
                    x.pop();
                }
            }
            default -> throw new IllegalStateException("undefined DB /" + reg);
        }
    }

    private void esc3Register() {
        if (modrm <= 0xDF) {
            conditionalMove(true);
        } else if (modrm == 0xE2) {
            x.status &= X87.CONDITION_CODES; // FNCLEX: exceptions, SF, ES, B
        } else if (modrm == 0xE3) {
            x.init();
        } else if (modrm >= 0xE8) {
            compareToEflags(modrm < 0xF0, false);
        }
        // E0 FNENI, E1 FNDISI, E4 FNSETPM: 8087/287 leftovers, no-ops on a 387 and later
    }

    private void esc5Memory() {
        switch (reg) {
            case 0 -> load(RealFormat.DOUBLE.decode(mem.readU64(0), f));
            case 1 -> storeInteger(64, Rounding.ZERO, true);
            case 2 -> storeReal(RealFormat.DOUBLE, false);
            case 3 -> storeReal(RealFormat.DOUBLE, true);
            case 4 -> X87Environment.restore(x, mem);
            case 6 -> X87Environment.save(x, mem);
            case 7 -> mem.writeU16(0, x.statusWord());
            default -> throw new IllegalStateException("undefined DD /" + reg);
        }
    }

    private void esc5Register() {
        switch (reg) {
            case 0 -> x.free(rm);
            case 1 -> exchange(); // FXCH4 alias
            case 2 -> storeSt(rm, false);
            case 3 -> storeSt(rm, true);
            case 4 -> compare(x.st(0, f), x.st(rm, f), true, 0);
            case 5 -> compare(x.st(0, f), x.st(rm, f), true, 1);
            default -> throw new IllegalStateException("undefined DD " + Integer.toHexString(modrm));
        }
    }

    private void esc7Memory() {
        switch (reg) {
            case 0 -> load(Float80.fromLong((short) mem.readU16(0)));
            case 1 -> storeInteger(16, Rounding.ZERO, true);
            case 2 -> storeInteger(16, x.rounding(), false);
            case 3 -> storeInteger(16, x.rounding(), true);
            case 4 -> load(IntegerConversion.loadBcd(mem));
            case 5 -> load(Float80.fromLong(mem.readU64(0)));
            case 6 -> storeBcd();
            case 7 -> storeInteger(64, x.rounding(), true);
            default -> throw new IllegalStateException("unreachable DF /" + reg);
        }
    }

    private void esc7Register() {
        switch (reg) {
            case 0 -> {
                x.free(rm); // FFREEP
                x.pop();
            }
            case 1 -> exchange(); // FXCH7 alias
            case 2, 3 -> storeSt(rm, true); // FSTP8/FSTP9 aliases
            case 4 -> {
                // FNSTSW AX: the CPU copies statusWord() into AX.
            }
            case 5 -> compareToEflags(true, true);
            case 6 -> compareToEflags(false, true);
            default -> throw new IllegalStateException("undefined DF " + Integer.toHexString(modrm));
        }
    }

    private void storeBcd() {
        Float80 st0 = x.st(0, f);
        byte[] image = IntegerConversion.toBcd(st0, x.rounding(), f);
        if (x.commit(f, true)) {
            for (int i = 0; i < image.length; i++) {
                mem.writeU8(i, image[i] & 0xFF);
            }
            x.pop();
        }
    }

    // ---- special instructions ----

    private void examine() {
        int p = x.physical(0);
        Float80 v = x.regs[p];
        int codes;
        if (x.isEmpty(0)) {
            codes = X87.C3 | X87.C0;
        } else {
            codes = switch (v.kind()) {
                case UNSUPPORTED -> 0;
                case QNAN, SNAN -> X87.C0;
                case NORMAL -> X87.C2;
                case INFINITY -> X87.C2 | X87.C0;
                case ZERO -> X87.C3;
                case DENORMAL -> X87.C3 | X87.C2;
            };
        }
        x.setConditionCodes(codes | (v.negative() ? X87.C1 : 0));
    }

    private void rotateTop(int delta) {
        x.top = (x.top + delta) & 7;
        x.commit(f, false); // C1 cleared
    }

    private void remainder(boolean ieee) {
        Float80 st0 = x.st(0, f);
        Float80 st1 = x.st(1, f);
        Float80 r = full.remainder(st0, st1, ieee);
        if (!x.commit(f, false)) {
            return;
        }
        x.setSt(0, r);
        int q = full.quotientBits;
        int codes = full.incomplete ? X87.C2 : (q & 4) != 0 ? X87.C0 : 0;
        if (!full.incomplete) {
            codes |= ((q & 2) != 0 ? X87.C3 : 0) | ((q & 1) != 0 ? X87.C1 : 0);
        } else {
            codes |= x.conditionCodes() & (X87.C0 | X87.C3 | X87.C1);
        }
        x.setConditionCodes(codes);
    }

    private void trigonometric(java.util.function.UnaryOperator<Float80> op) {
        Float80 st0 = x.st(0, f);
        if (Transcendental.outOfTrigRange(st0)) {
            x.commit(f, false);
            x.setConditionCodes(x.conditionCodes() & ~X87.C1 | X87.C2);
            return;
        }
        Float80 r = (f.raised & Flags.SF) != 0 ? st0 : op.apply(st0);
        if (x.commit(f, false)) {
            x.setSt(0, r);
            x.setConditionCodes(x.conditionCodes() & ~X87.C2);
        }
    }

    private void partialTangent() {
        twoResults(transcendental()::tan, v -> Float80.ONE);
    }

    private void sineCosine() {
        Transcendental t = transcendental();
        twoResults(t::sin, t::cos);
    }

    /** FPTAN/FSINCOS: ST0 = first(x), then push second(x). */
    private void twoResults(java.util.function.UnaryOperator<Float80> first,
                            java.util.function.UnaryOperator<Float80> second) {
        Float80 st0 = x.st(0, f);
        if (Transcendental.outOfTrigRange(st0)) {
            x.commit(f, false);
            x.setConditionCodes(x.conditionCodes() & ~X87.C1 | X87.C2);
            return;
        }
        boolean underflow = (f.raised & Flags.SF) != 0;
        Float80 a = underflow ? st0 : first.apply(st0);
        Float80 b = underflow ? st0 : second.apply(st0);
        if (a.isNaN()) {
            b = a; // both results of a NaN or invalid operand are the same NaN
        }
        Float80 pushed = x.checkPush(b, f);
        if (x.commit(f, false)) {
            x.setSt(0, a);
            x.push(pushed);
            x.setConditionCodes(x.conditionCodes() & ~X87.C2);
        }
    }

    /** FXTRACT: ST0 = exponent, then push the significand (scaled to [1, 2)). */
    private void extract() {
        Float80 st0 = x.st(0, f);
        Float80 exponent;
        Float80 significand;
        Float80 special = (f.raised & Flags.SF) != 0 ? st0 : full.specialOperand(st0);
        if (special != null) {
            exponent = significand = special;
        } else if (st0.isZero()) {
            f.raise(Flags.ZE);
            exponent = Float80.NEGATIVE_INFINITY;
            significand = st0;
        } else if (st0.isInfinite()) {
            exponent = Float80.POSITIVE_INFINITY;
            significand = st0;
        } else {
            Exact e = st0.exact();
            exponent = Float80.fromLong(e.leadingExponent());
            BigInteger m = e.magnitude();
            long normalized = m.shiftLeft(64 - m.bitLength()).longValue();
            significand = new Float80((st0.negative() ? 0x8000 : 0) | Float80.BIAS, normalized);
        }
        Float80 pushed = x.checkPush(significand, f);
        if (x.commit(f, false)) {
            x.setSt(0, exponent);
            x.push(pushed);
        }
    }
}
