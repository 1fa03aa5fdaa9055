package dev.tern.x86.interp;

import static dev.tern.x86.core.CpuCore.CF;
import static dev.tern.x86.core.CpuCore.CS;
import static dev.tern.x86.core.CpuCore.DF;
import static dev.tern.x86.core.CpuCore.DS;
import static dev.tern.x86.core.CpuCore.EAX;
import static dev.tern.x86.core.CpuCore.ECX;
import static dev.tern.x86.core.CpuCore.EDX;
import static dev.tern.x86.core.CpuCore.ES;
import static dev.tern.x86.core.CpuCore.FS;
import static dev.tern.x86.core.CpuCore.GS;
import static dev.tern.x86.core.CpuCore.IF;
import static dev.tern.x86.core.CpuCore.OF;
import static dev.tern.x86.core.CpuCore.SS;
import dev.tern.x86.block.BlockRules;
import dev.tern.x86.block.BlockTable;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;
import dev.tern.x86.decode.DecodedBlock;
import dev.tern.x86.decode.DecodedHeader;
import dev.tern.x86.decode.FastForm;
import dev.tern.x86.decode.LockRules;
import dev.tern.x86.decode.OpcodeTable;
import dev.tern.x86.decode.TwoByteMap;
import dev.tern.x86.ops.Alu;
import dev.tern.x86.ops.ArithOps;
import dev.tern.x86.ops.BranchOps;
import dev.tern.x86.ops.DataOps;
import dev.tern.x86.ops.Eflags;
import dev.tern.x86.ops.EscapeOps;
import dev.tern.x86.ops.MoveOps;
import dev.tern.x86.ops.PortAccess;
import dev.tern.x86.ops.StringOps;
import dev.tern.x86.ops.SystemOps;
import dev.tern.x86.transfer.FarTransfer;
import dev.tern.x86.transfer.InterruptDelivery;
import dev.tern.x86.transfer.VirtualInterrupts;

/**
 * Decodes and executes one instruction at a time: prefixes, the opcode (one- or two-byte map),
 * ModRM per {@link OpcodeTable}, then dispatch to the semantic classes. EIP is committed only when
 * the instruction completes, so a fault leaves it on the faulting instruction.
 */
public final class Interpreter {

    /** {@link #step()} results. */
    public static final int NORMAL = 0, HALT = 1, SHADOW = 2;

    private final CpuCore c;
    private final PortAccess io;
    private final SystemOps sys;
    private final EscapeOps esc;

    public Interpreter(CpuCore c, PortAccess io, SystemOps sys, EscapeOps esc) {
        this.c = c;
        this.io = io;
        this.sys = sys;
        this.esc = esc;
    }

    /**
     * Executes one instruction; returns {@link #NORMAL}, {@link #HALT} or {@link #SHADOW}. A fault
     * ({@link CpuFault}) leaves EFLAGS as they were before the instruction. Only the
     * decode-cache hit is here, so the compiled method stays small enough for the JIT to inline it
     * into the run loop; decoding is out of line in {@link #decodeAndExecute}.
     */
    public int step() {
        Eflags ef = c.ef;
        ef.beginInstruction();
        try {
            return stepUnguarded();
        } catch (CpuFault f) {
            ef.rollback();
            throw f;
        }
    }

    private int stepUnguarded() {
        CpuCore c = this.c;
        int start = c.eip;
        boolean d = c.code32();
        beginDecode(c, start, d);
        if (c.windowFullAt(start)) {
            DecodedHeader h = cache[slot(start)];
            if (h != null && h.matches(start, d, c.window())) {
                h.replay(c);
                return executeDecoded(c, h.opcode);
            }
        }
        return decodeAndExecute(c, start, d);
    }

    /** Resets the per-instruction decode state for an instruction at {@code start} in code of size {@code d}. */
    private static void beginDecode(CpuCore c, int start, boolean d) {
        c.ip = start;
        c.startIp = start;
        c.op32 = d;
        c.addr32 = d;
        c.segOverride = -1;
        c.rep = 0;
        c.lock = false;
        c.startFetch();
    }

    public CpuCore core() {
        return c;
    }

    /** Where this vCPU's decoded blocks live, and when their code bytes must be compared again. */
    public BlockTable blocks() {
        return blocks;
    }

    private final BlockTable blocks = new BlockTable(this);

    /**
     * Executes instruction {@code i} of a block entered with {@link BlockTable#enter()}, one without
     * a fast form (those run in {@link #runFastForms}): replays its header and runs the opcode
     * switch. A fault leaves EIP and EFLAGS as before it, exactly like {@link #step()}. Returns
     * whether the block may go on with instruction {@code i + 1}: false after its last instruction,
     * after a taken branch, or when something set {@link CpuCore#blockBreak}.
     */
    public boolean executeInBlock(DecodedBlock b, int i) {
        CpuCore c = this.c;
        Eflags ef = c.ef;
        ef.beginInstruction();
        DecodedHeader h = b.insns[i];
        try {
            c.startIp = h.eip;
            c.setWindow(h.eip, b.windows[i]);
            h.replay(c);
            executeUncommitted(c, h.opcode);
            c.eip = b.code32 ? c.ip : c.ip & 0xffff;
        } catch (CpuFault f) {
            ef.rollback();
            throw f;
        }
        return i + 1 < b.insns.length && !c.blockBreak && c.eip == b.nextEip[i];
    }

    /**
     * Runs block instructions {@code i}, {@code i + 1} ... through their fast forms, stopping before
     * instruction {@code n}, before the first instruction without a fast form, or after an
     * instruction that leaves the block (a taken branch, or one that set {@link CpuCore#blockBreak}).
     * A fused pair (a flag-setting instruction and the Jcc after it) runs as one form when both fit
     * before {@code n}. Returns the index of the next instruction, negated and minus one
     * ({@code ~index}) when the block was left; when an instruction faults, EIP and EFLAGS are as it
     * found them and {@link #retiredInPass()} is its index.
     *
     * <p>Fast forms never read the instruction count, so the caller need not keep it current here.
     */
    public int runFastForms(DecodedBlock b, int i, int n) {
        CpuCore c = this.c;
        Eflags ef = c.ef;
        FastForm[] fast = b.fast;
        FastForm[] pairs = b.pairs;
        try {
            while (i < n) {
                FastForm f = pairs[i];
                int width = 2;
                if (f == null || i + 1 == n) {
                    f = fast[i];
                    width = 1;
                    if (f == null) {
                        return i;
                    }
                }
                ef.beginInstruction();
                boolean on = f.execute(c);
                i += width;
                if (!on || c.blockBreak) {
                    return ~i;
                }
            }
            return i;
        } catch (CpuFault e) {
            faultIndex = i;
            ef.rollback();
            throw e;
        }
    }

    /** Index of the block instruction that faulted in the last {@link #runFastForms}. */
    private int faultIndex;

    /** The number of block instructions the last faulting {@link #runFastForms} retired before the fault. */
    public int retiredInPass() {
        return faultIndex;
    }

    /** On unless {@code -Dtern.x86.fastForms=false} (to measure the generic path with the same build). */
    private boolean fastForms = !"false".equals(System.getProperty("tern.x86.fastForms"));

    /** Whether blocks decoded from now on execute their hot instructions through {@link FastForm}s. */
    public boolean fastForms() {
        return fastForms;
    }

    /**
     * Turns the pre-decoded fast forms on or off and forgets every decoded block, so the generic
     * path can be compared with the fast one instruction for instruction (differential tests).
     * Both give the same architectural results; only speed differs.
     */
    public void setFastForms(boolean on) {
        fastForms = on;
        blocks.clear();
    }

    /**
     * Decodes the header of the instruction at {@code start} without executing it (for block
     * building); null when its fetch window is not full or the header is longer than 8 bytes.
     * Clobbers the per-instruction decode state, which every execution path sets afresh.
     */
    public DecodedHeader decodeHeader(int start, boolean d) {
        CpuCore c = this.c;
        beginDecode(c, start, d);
        if (!c.windowFullAt(start)) {
            return null;
        }
        long window = c.window();
        int op = decodeOpcodeAndModrm(c, start, d);
        int length = c.ip - start;
        return length <= 8 ? new DecodedHeader(c, start, d, window, length, op, OpcodeTable.hasModrm(op)) : null;
    }

    /**
     * Fetches prefixes, the (one- or two-byte) opcode and its ModRM/SIB/displacement; returns the
     * opcode (0x100 | second byte for the 0F map).
     */
    private static int decodeOpcodeAndModrm(CpuCore c, int start, boolean d) {
        int op = c.fetch8();
        if (PREFIX[op]) {
            op = prefixes(c, op, start, d);
        }
        if (op == 0x0F) {
            op = 0x100 | c.fetch8();
        }
        if (OpcodeTable.hasModrm(op)) {
            c.decodeModrm();
        }
        return op;
    }

    private static int slot(int start) {
        return (start ^ (start >>> CACHE_BITS)) & (CACHE_SIZE - 1);
    }

    /** Decodes the instruction at {@code start}, caching its header when the window held it all. */
    private int decodeAndExecute(CpuCore c, int start, boolean d) {
        if (!c.windowFullAt(start)) {
            int op = c.fetch8();
            if (PREFIX[op]) {
                op = prefixes(c, op, start, d);
            }
            return dispatch(c, op);
        }
        long window = c.window();
        int op = decodeOpcodeAndModrm(c, start, d);
        int length = c.ip - start;
        if (length <= 8) {
            cache[slot(start)] = new DecodedHeader(c, start, d, window, length, op, OpcodeTable.hasModrm(op));
        }
        return executeDecoded(c, op);
    }

    /**
     * Decoded instruction headers by linear address. An entry is used only when the 8 bytes just
     * fetched at EIP still equal the bytes it was decoded from (and the code size matches), so
     * self-modifying code, DMA, other vCPUs' stores and remapped pages need no invalidation.
     */
    private static final int CACHE_BITS = 13;
    private static final int CACHE_SIZE = 1 << CACHE_BITS;
    private final DecodedHeader[] cache = new DecodedHeader[CACHE_SIZE];

    /** Bytes that are prefixes: most instructions have none, so one table test skips the loop. */
    private static final boolean[] PREFIX = new boolean[256];

    static {
        for (int p : new int[] {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3}) {
            PREFIX[p] = true;
        }
    }

    /** Consumes prefix bytes starting with {@code op}; returns the first opcode byte after them. */
    private static int prefixes(CpuCore c, int op, int start, boolean d) {
        while (PREFIX[op]) {
            switch (op) {
                case 0x26 -> c.segOverride = ES;
                case 0x2E -> c.segOverride = CS;
                case 0x36 -> c.segOverride = SS;
                case 0x3E -> c.segOverride = DS;
                case 0x64 -> c.segOverride = FS;
                case 0x65 -> c.segOverride = GS;
                case 0x66 -> c.op32 = !d;
                case 0x67 -> c.addr32 = !d;
                case 0xF0 -> c.lock = true;
                default -> c.rep = op;
            }
            if (c.ip - start >= 15) {
                throw CpuFault.gp(0);
            }
            op = c.fetch8();
        }
        return op;
    }

    private int dispatch(CpuCore c, int op) {
        if (op == 0x0F) {
            op = 0x100 | c.fetch8();
        }
        boolean modrm = OpcodeTable.hasModrm(op);
        if (modrm) {
            c.decodeModrm();
        }
        return executeDecoded(c, op);
    }

    /** Executes an instruction whose prefixes, opcode and ModRM are decoded, and commits EIP. */
    private int executeDecoded(CpuCore c, int op) {
        if (BlockRules.breaksCodeTrust(op, c.reg)) {
            blocks.distrust();
        }
        int result;
        if (c.lock || ((op == 0x86 || op == 0x87) && c.memOp)) {
            result = executeLocked(c, op);
        } else {
            result = executeUncommitted(c, op);
        }
        c.eip = c.code32() ? c.ip : c.ip & 0xffff;
        return result;
    }

    /** Runs an unlocked instruction without committing EIP (blocks know their code size). */
    private int executeUncommitted(CpuCore c, int op) {
        return op < 0x100 ? execute(c, op) : TwoByteMap.execute(c, op & 0xff, sys, io, esc);
    }

    private int executeLocked(CpuCore c, int op) {
        if (c.lock) {
            LockRules.check(c, op);
        }
        return executeAtomic(c, op);
    }

    /**
     * A locked read-modify-write: the operand write is a compare-and-set against the value read
     * (CMPXCHG8B: one compare-and-exchange); if another vCPU changed the operand meanwhile, flags
     * are restored and the instruction runs again. No lock is held: {@code Mmu.compareAndSet}
     * takes one only for the operands a host compare-and-set cannot cover.
     */
    private int executeAtomic(CpuCore c, int op) {
        int flags = c.flags();
        int ip = c.ip;
        try {
            while (true) {
                c.beginAtomic(ip);
                try {
                    return op < 0x100 ? execute(c, op) : TwoByteMap.execute(c, op & 0xff, sys, io, esc);
                } catch (LockRetry retry) {
                    c.setFlags(flags);
                }
            }
        } finally {
            c.endAtomic();
        }
    }

    private int execute(CpuCore c, int op) {
        switch (op) {
            case 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D,
                 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D,
                 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D,
                 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D -> ArithOps.aluForm(c, op);
            case 0x06 -> DataOps.pushSeg(c, ES);
            case 0x07 -> DataOps.popSeg(c, ES);
            case 0x0E -> DataOps.pushSeg(c, CS);
            case 0x16 -> DataOps.pushSeg(c, SS);
            case 0x17 -> {
                DataOps.popSeg(c, SS);
                return SHADOW;
            }
            case 0x1E -> DataOps.pushSeg(c, DS);
            case 0x1F -> DataOps.popSeg(c, DS);
            case 0x27 -> ArithOps.daa(c);
            case 0x2F -> ArithOps.das(c);
            case 0x37 -> ArithOps.aaa(c, false);
            case 0x3F -> ArithOps.aaa(c, true);
            case 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
                 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F -> MoveOps.incDec(c, op);
            case 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57 -> MoveOps.push(c, op);
            case 0x58, 0x59, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F -> MoveOps.pop(c, op);
            case 0x60 -> DataOps.pusha(c);
            case 0x61 -> DataOps.popa(c);
            case 0x62 -> DataOps.bound(c);
            case 0x63 -> DataOps.arpl(c);
            case 0x68 -> MoveOps.pushImmediate(c, false);
            case 0x69 -> {
                int a = c.readEV();
                ArithOps.imul3(c, a, c.fetchV());
            }
            case 0x6A -> MoveOps.pushImmediate(c, true);
            case 0x6B -> {
                int a = c.readEV();
                ArithOps.imul3(c, a, (byte) c.fetch8());
            }
            case 0x6C -> StringOps.execute(c, io, StringOps.Kind.INS, 1);
            case 0x6D -> StringOps.execute(c, io, StringOps.Kind.INS, c.op32 ? 4 : 2);
            case 0x6E -> StringOps.execute(c, io, StringOps.Kind.OUTS, 1);
            case 0x6F -> StringOps.execute(c, io, StringOps.Kind.OUTS, c.op32 ? 4 : 2);
            case 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
                 0x78, 0x79, 0x7A, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F -> BranchOps.jccShort(c, op);
            case 0x80, 0x81, 0x82, 0x83 -> ArithOps.group1(c, op);
            case 0x84 -> MoveOps.test(c, false);
            case 0x85 -> MoveOps.test(c, true);
            case 0x86 -> DataOps.xchg(c, false);
            case 0x87 -> DataOps.xchg(c, true);
            case 0x88, 0x89, 0x8A, 0x8B -> MoveOps.mov(c, op);
            case 0x8C -> DataOps.movSregToE(c);
            case 0x8D -> DataOps.lea(c);
            case 0x8E -> {
                if (DataOps.movEToSreg(c)) {
                    return SHADOW;
                }
            }
            case 0x8F -> {
                requireReg0(c);
                DataOps.popEv(c);
            }
            case 0x90 -> { }
            case 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97 -> {
                int a = c.getV(EAX);
                c.setV(EAX, c.r[op & 7]);
                c.setV(op & 7, a);
            }
            case 0x98 -> DataOps.cbw(c);
            case 0x99 -> DataOps.cwd(c);
            case 0x9A -> {
                int off = c.fetchV();
                int sel = c.fetch16();
                FarTransfer.call(c, sel, off);
            }
            case 0x9B -> esc.waitInstruction();
            case 0x9C -> DataOps.pushf(c);
            case 0x9D -> DataOps.popf(c);
            case 0x9E -> DataOps.sahf(c);
            case 0x9F -> DataOps.lahf(c);
            case 0xA0, 0xA1, 0xA2, 0xA3 -> DataOps.moffs(c, op);
            case 0xA4 -> StringOps.execute(c, io, StringOps.Kind.MOVS, 1);
            case 0xA5 -> StringOps.execute(c, io, StringOps.Kind.MOVS, c.op32 ? 4 : 2);
            case 0xA6 -> StringOps.execute(c, io, StringOps.Kind.CMPS, 1);
            case 0xA7 -> StringOps.execute(c, io, StringOps.Kind.CMPS, c.op32 ? 4 : 2);
            case 0xA8 -> MoveOps.testAccumulator(c, false);
            case 0xA9 -> MoveOps.testAccumulator(c, true);
            case 0xAA -> StringOps.execute(c, io, StringOps.Kind.STOS, 1);
            case 0xAB -> StringOps.execute(c, io, StringOps.Kind.STOS, c.op32 ? 4 : 2);
            case 0xAC -> StringOps.execute(c, io, StringOps.Kind.LODS, 1);
            case 0xAD -> StringOps.execute(c, io, StringOps.Kind.LODS, c.op32 ? 4 : 2);
            case 0xAE -> StringOps.execute(c, io, StringOps.Kind.SCAS, 1);
            case 0xAF -> StringOps.execute(c, io, StringOps.Kind.SCAS, c.op32 ? 4 : 2);
            case 0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7,
                 0xB8, 0xB9, 0xBA, 0xBB, 0xBC, 0xBD, 0xBE, 0xBF -> MoveOps.movImmediate(c, op);
            case 0xC0 -> ArithOps.group2(c, false, -1);
            case 0xC1 -> ArithOps.group2(c, true, -1);
            case 0xC2 -> BranchOps.ret(c, c.fetch16());
            case 0xC3 -> BranchOps.ret(c, 0);
            case 0xC4 -> DataOps.loadFarPointer(c, ES);
            case 0xC5 -> DataOps.loadFarPointer(c, DS);
            case 0xC6 -> MoveOps.movImmediateToE(c, false);
            case 0xC7 -> MoveOps.movImmediateToE(c, true);
            case 0xC8 -> DataOps.enter(c);
            case 0xC9 -> DataOps.leave(c);
            case 0xCA -> FarTransfer.ret(c, c.fetch16());
            case 0xCB -> FarTransfer.ret(c, 0);
            case 0xCC -> InterruptDelivery.deliver(c, 3, c.ip, true, false, 0);
            case 0xCD -> {
                int n = c.fetch8();
                VirtualInterrupts.softwareInterrupt(c, n, c.ip);
            }
            case 0xCE -> {
                if (c.flag(OF)) {
                    InterruptDelivery.deliver(c, 4, c.ip, true, false, 0);
                }
            }
            case 0xCF -> FarTransfer.iret(c);
            case 0xD0 -> ArithOps.group2(c, false, 1);
            case 0xD1 -> ArithOps.group2(c, true, 1);
            case 0xD2 -> ArithOps.group2(c, false, c.r[ECX] & 0xff);
            case 0xD3 -> ArithOps.group2(c, true, c.r[ECX] & 0xff);
            case 0xD4 -> ArithOps.aam(c, c.fetch8());
            case 0xD5 -> ArithOps.aad(c, c.fetch8());
            case 0xD6 -> DataOps.salc(c);
            case 0xD7 -> DataOps.xlat(c);
            case 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF -> esc.escape(op);
            case 0xE0, 0xE1, 0xE2 -> loop(c, op);
            case 0xE3 -> {
                int rel = (byte) c.fetch8();
                int cx = c.addr32 ? c.r[ECX] : c.r[ECX] & 0xffff;
                if (cx == 0) {
                    c.jumpNear(c.ip + rel);
                }
            }
            case 0xE4 -> c.set8(EAX, io.in(c.fetch8(), 1));
            case 0xE5 -> {
                int port = c.fetch8();
                c.setV(EAX, io.in(port, c.op32 ? 4 : 2));
            }
            case 0xE6 -> io.out(c.fetch8(), 1, c.r[EAX]);
            case 0xE7 -> io.out(c.fetch8(), c.op32 ? 4 : 2, c.r[EAX]);
            case 0xE8 -> BranchOps.call(c);
            case 0xE9 -> BranchOps.jump(c, false);
            case 0xEA -> {
                int off = c.fetchV();
                int sel = c.fetch16();
                FarTransfer.jump(c, sel, off);
            }
            case 0xEB -> BranchOps.jump(c, true);
            case 0xEC -> c.set8(EAX, io.in(c.r[EDX] & 0xffff, 1));
            case 0xED -> c.setV(EAX, io.in(c.r[EDX] & 0xffff, c.op32 ? 4 : 2));
            case 0xEE -> io.out(c.r[EDX] & 0xffff, 1, c.r[EAX]);
            case 0xEF -> io.out(c.r[EDX] & 0xffff, c.op32 ? 4 : 2, c.r[EAX]);
            case 0xF1 -> InterruptDelivery.deliver(c, 1, c.ip, false, false, 0);
            case 0xF4 -> {
                sys.privileged();
                return HALT;
            }
            case 0xF5 -> c.setFlag(CF, !c.flag(CF));
            case 0xF6 -> ArithOps.group3(c, false);
            case 0xF7 -> ArithOps.group3(c, true);
            case 0xF8 -> c.setFlag(CF, false);
            case 0xF9 -> c.setFlag(CF, true);
            case 0xFA -> VirtualInterrupts.cli(c);
            case 0xFB -> {
                if (VirtualInterrupts.sti(c)) {
                    return SHADOW;
                }
            }
            case 0xFC -> c.setFlag(DF, false);
            case 0xFD -> c.setFlag(DF, true);
            case 0xFE -> group4(c);
            case 0xFF -> group5(c);
            default -> throw CpuFault.ud();
        }
        return NORMAL;
    }

    private static void requireReg0(CpuCore c) {
        if (c.reg != 0) {
            throw CpuFault.ud();
        }
    }

    private static void loop(CpuCore c, int op) {
        int rel = (byte) c.fetch8();
        int cx;
        if (c.addr32) {
            cx = c.r[ECX] - 1;
        } else {
            cx = (c.r[ECX] - 1) & 0xffff;
        }
        boolean zf = c.flag(CpuCore.ZF);
        boolean take = cx != 0 && (op == 0xE2 || (op == 0xE1) == zf);
        if (take) {
            c.jumpNear(c.ip + rel);
        }
        if (c.addr32) {
            c.r[ECX] = cx;
        } else {
            c.set16(ECX, cx);
        }
    }

    private static void group4(CpuCore c) {
        switch (c.reg) {
            case 0 -> c.writeE8(Alu.inc(c, c.readE8(), 1));
            case 1 -> c.writeE8(Alu.dec(c, c.readE8(), 1));
            default -> throw CpuFault.ud();
        }
    }

    private static void group5(CpuCore c) {
        int size = c.op32 ? 4 : 2;
        switch (c.reg) {
            case 0 -> c.writeEV(Alu.inc(c, c.readEV(), size));
            case 1 -> c.writeEV(Alu.dec(c, c.readEV(), size));
            case 2 -> {
                int t = c.readEV();
                int ret = c.ip;
                c.jumpNear(t);
                try {
                    c.pushV(ret);
                } catch (CpuFault f) {
                    c.ip = ret;
                    throw f;
                }
            }
            case 3, 5 -> {
                if (!c.memOp) {
                    throw CpuFault.ud();
                }
                int off = c.readV(c.eaSeg, c.eaOff);
                int sel = c.read16(c.eaSeg, c.eaOff + size);
                if (c.reg == 3) {
                    FarTransfer.call(c, sel, off);
                } else {
                    FarTransfer.jump(c, sel, off);
                }
            }
            case 4 -> c.jumpNear(c.readEV());
            case 6 -> c.pushV(c.readEV());
            default -> throw CpuFault.ud();
        }
    }
}
