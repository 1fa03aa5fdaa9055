package dev.tern.x86.fpu;

import java.util.Arrays;

/**
 * The x87 floating-point unit of one vCPU: eight 80-bit registers used as a stack, control,
 * status and tag words and the last-instruction pointers.
 *
 * <p>Integration contract for the CPU:
 * <ul>
 * <li>For each ESC instruction (0xD8..0xDF) call {@link #setLastInstruction} and then
 *     {@link #execute}; the CPU has already checked CR0.EM/TS (#NM). Memory forms pass an
 *     {@link X87Memory} for the effective address, register forms (mod == 3) pass null.</li>
 * <li>{@link X87Fault} means: raise that vector, the instruction did not execute.</li>
 * <li>FNSTSW AX (DF E0): after execute, load AX with {@link #statusWord()}.</li>
 * <li>FCOMI/FCOMIP/FUCOMI/FUCOMIP ({@link #writesEflags}): after execute, if
 *     {@link #comiFlags()} is not -1, set ZF/PF/CF from it and clear OF/SF/AF.</li>
 * <li>FCMOVcc reads the flags given to {@link #setEflags} before execute.</li>
 * <li>FWAIT: raise #MF (or IRQ13) if {@link #unmaskedExceptionPending()}.</li>
 * <li>FXSAVE/FXRSTOR (0F AE /0, /1) call {@link #fxsave}/{@link #fxrstor}.</li>
 * </ul>
 * Numeric exceptions never throw from the instruction that causes them: like hardware, the
 * next waiting FPU instruction reports them as {@link X87Fault#MF}.
 */
public final class X87 {

    static final int C0 = 0x0100;
    static final int C1 = 0x0200;
    static final int C2 = 0x0400;
    static final int C3 = 0x4000;
    static final int CONDITION_CODES = C0 | C1 | C2 | C3;
    static final int DEFAULT_CONTROL_WORD = 0x037F;

    final Float80[] regs = new Float80[8];
    /** Bit p set: physical register p is empty. */
    int emptyMask;
    int top;
    int controlWord;
    /** Exception flags, SF and condition codes; TOP, ES and B are derived on read. */
    int status;
    int fip;
    int fcs;
    int fop;
    int fdp;
    int fds;
    private int eflags;
    private int comiFlags = -1;
    private int nextCs;
    private int nextEip;
    private int nextDataSegment;
    private int nextDataOffset;

    public X87() {
        reset();
    }

    /** Power-on/RESET state: FNINIT plus all registers +0. */
    public void reset() {
        Arrays.fill(regs, Float80.POSITIVE_ZERO);
        init();
    }

    /** FNINIT: default control word, clear status, all registers empty, pointers zero. */
    void init() {
        controlWord = DEFAULT_CONTROL_WORD;
        status = 0;
        top = 0;
        emptyMask = 0xFF;
        fip = fcs = fop = fdp = fds = 0;
    }

    /**
     * Records where the next instruction comes from and where its memory operand lies; the
     * X87 latches these into FIP/FCS/FDP/FDS (and FOP) only for instructions that update
     * the pointers (not FNINIT, FLDCW, FNSTENV...). Register forms ignore the data pointer.
     */
    public void setLastInstruction(int cs, int eip, int dataSegment, int dataOffset) {
        nextCs = cs & 0xFFFF;
        nextEip = eip;
        nextDataSegment = dataSegment & 0xFFFF;
        nextDataOffset = dataOffset;
    }

    /** The CPU's EFLAGS, consulted by FCMOVcc (CF, ZF, PF). */
    public void setEflags(int eflags) {
        this.eflags = eflags;
    }

    /**
     * ZF (0x40), PF (0x04) and CF (0x01) produced by the last FCOMI/FCOMIP/FUCOMI/FUCOMIP, or
     * -1 if the last instruction was not one of them or left EFLAGS unchanged (unmasked #IA).
     */
    public int comiFlags() {
        return comiFlags;
    }

    /** Whether the instruction is one of FCOMI/FCOMIP/FUCOMI/FUCOMIP. */
    public static boolean writesEflags(int opcode, int modrm) {
        return (opcode == 0xDB || opcode == 0xDF) && modrm >= 0xE8 && modrm <= 0xF7;
    }

    /** The status word as FNSTSW stores it (TOP, ES and B included). */
    public int statusWord() {
        int sw = status & (0x7F | CONDITION_CODES);
        if (unmaskedExceptionPending()) {
            sw |= 0x8080; // ES and the legacy busy bit mirror each other
        }
        return sw | top << 11;
    }

    public int controlWord() {
        return controlWord;
    }

    /** Whether an exception flag is set whose mask bit is clear (status word ES). */
    public boolean unmaskedExceptionPending() {
        return (status & 0x3F & ~controlWord) != 0;
    }

    /** The tag word by physical register: 00 valid, 01 zero, 10 special, 11 empty. */
    public int tagWord() {
        int tw = 0;
        for (int p = 0; p < 8; p++) {
            tw |= tag(p) << (2 * p);
        }
        return tw;
    }

    private int tag(int p) {
        if ((emptyMask & 1 << p) != 0) {
            return 3;
        }
        return switch (regs[p].kind()) {
            case NORMAL -> 0;
            case ZERO -> 1;
            default -> 2;
        };
    }

    public X87State save() {
        return new X87State(controlWord, statusWord(), tagWord(), fip, fcs, fop, fdp, fds,
                Arrays.asList(regs.clone()));
    }

    public void load(X87State s) {
        java.util.Objects.requireNonNull(s, "X87State");
        for (int p = 0; p < 8; p++) {
            regs[p] = s.registers().get(p);
        }
        loadWords(s.controlWord(), s.statusWord(), s.tagWord());
        fip = s.fip();
        fcs = s.fcs() & 0xFFFF;
        fop = s.fop() & 0x7FF;
        fdp = s.fdp();
        fds = s.fds() & 0xFFFF;
    }

    /** Loads CW, SW (with TOP) and a full tag word where only "empty" (11) matters. */
    void loadWords(int cw, int sw, int tw) {
        controlWord = cw & 0x1F7F | 0x0040; // reserved bit 6 reads as 1 on every x87 since 387
        status = sw & (0x7F | CONDITION_CODES);
        top = (sw >> 11) & 7;
        emptyMask = 0;
        for (int p = 0; p < 8; p++) {
            if ((tw >> (2 * p) & 3) == 3) {
                emptyMask |= 1 << p;
            }
        }
    }

    /** FXSAVE: the 512-byte image's FPU part; the XMM register area (160..287) is zeroed. */
    public void fxsave(X87Memory mem) {
        X87Environment.fxsave(this, mem);
    }

    /** FXRSTOR: loads the FPU part of a 512-byte image (MXCSR and XMM are the CPU's). */
    public void fxrstor(X87Memory mem) {
        X87Environment.fxrstor(this, mem);
    }

    /**
     * Executes one ESC instruction.
     *
     * @param opcode 0xD8..0xDF
     * @param modrm  the ModR/M byte
     * @param mem    the memory operand for mod != 3, otherwise null
     * @throws X87Fault #UD for undefined encodings, #MF for a pending unmasked exception
     */
    public void execute(int opcode, int modrm, X87Memory mem) {
        if (opcode < 0xD8 || opcode > 0xDF || modrm < 0 || modrm > 0xFF) {
            throw new IllegalArgumentException(String.format(
                    "not an x87 instruction: opcode %#x modrm %#x", opcode, modrm));
        }
        boolean memoryForm = modrm < 0xC0;
        if (memoryForm && mem == null) {
            throw new IllegalArgumentException(String.format(
                    "x87 %02x /%d needs a memory operand", opcode, (modrm >> 3) & 7));
        }
        if (!X87Decoder.isDefined(opcode, modrm)) {
            throw new X87Fault(X87Fault.UD, String.format(
                    "undefined x87 encoding %02x %02x", opcode, modrm));
        }
        if (!X87Decoder.isNonWaiting(opcode, modrm) && unmaskedExceptionPending()) {
            throw new X87Fault(X87Fault.MF, String.format(
                    "pending unmasked x87 exception (status %04x) at %02x %02x",
                    statusWord(), opcode, modrm));
        }
        comiFlags = -1;
        if (!X87Decoder.isControl(opcode, modrm)) {
            fop = (opcode & 7) << 8 | modrm;
            fcs = nextCs;
            fip = nextEip;
            if (memoryForm) {
                fds = nextDataSegment;
                fdp = nextDataOffset;
            }
        }
        new X87Instruction(this, opcode, modrm, mem).run();
    }

    // ---- stack primitives used by X87Instruction ----

    int physical(int i) {
        return (top + i) & 7;
    }

    boolean isEmpty(int i) {
        return (emptyMask & 1 << physical(i)) != 0;
    }

    /** ST(i), or the masked stack-underflow response (IE|SF, C1=0, real indefinite). */
    Float80 st(int i, Flags f) {
        if (isEmpty(i)) {
            f.raise(Flags.IE | Flags.SF);
            f.roundedUp = false;
            return Float80.INDEFINITE;
        }
        return regs[physical(i)];
    }

    void setSt(int i, Float80 v) {
        int p = physical(i);
        regs[p] = v;
        emptyMask &= ~(1 << p);
    }

    void free(int i) {
        emptyMask |= 1 << physical(i);
    }

    void pop() {
        free(0);
        top = (top + 1) & 7;
    }

    /** Stack-overflow check before a push; returns the value to push (indefinite if full). */
    Float80 checkPush(Float80 v, Flags f) {
        if ((emptyMask & 1 << ((top - 1) & 7)) == 0) {
            f.raise(Flags.IE | Flags.SF);
            f.roundedUp = true;
            return Float80.INDEFINITE;
        }
        return v;
    }

    void push(Float80 v) {
        top = (top - 1) & 7;
        setSt(0, v);
    }

    Flags newFlags() {
        return new Flags(controlWord);
    }

    /** Precision control: significand bits for add/sub/mul/div/sqrt results. */
    int precision() {
        return switch ((controlWord >> 8) & 3) {
            case 0 -> 24;
            case 2 -> 53;
            default -> 64; // 01 is reserved; treat like 64 as most implementations do
        };
    }

    Rounding rounding() {
        return Rounding.fromControlWord(controlWord);
    }

    /**
     * Folds an instruction's exceptions into the status word, sets C1 from rounding/stack
     * direction and reports whether results may be written (no unmasked IE/DE/ZE, and for
     * memory destinations also no unmasked OE/UE).
     */
    boolean commit(Flags f, boolean memoryDestination) {
        status |= f.raised & 0x7F;
        status = f.roundedUp ? status | C1 : status & ~C1;
        int blocking = memoryDestination
                ? Flags.PRE_COMPUTATION | Flags.OE | Flags.UE : Flags.PRE_COMPUTATION;
        return (f.raised & blocking & ~controlWord) == 0;
    }

    void setConditionCodes(int codes) {
        status = status & ~CONDITION_CODES | codes;
    }

    int conditionCodes() {
        return status & CONDITION_CODES;
    }

    int eflags() {
        return eflags;
    }

    void setComiFlags(int flags) {
        comiFlags = flags;
    }
}
