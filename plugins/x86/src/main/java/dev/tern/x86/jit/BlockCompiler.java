package dev.tern.x86.jit;

import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_void;
import static java.lang.constant.ConstantDescs.INIT_NAME;
import static java.lang.constant.ConstantDescs.MTD_void;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.DynamicConstantDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.List;
import dev.tern.x86.decode.DecodedBlock;
import dev.tern.x86.decode.DecodedHeader;
import dev.tern.x86.decode.FastForm;

/**
 * Translates decoded blocks made only of {@link Step}s to hidden classes, one {@link CompiledBlock}
 * each. The bytecode keeps the register file in a local, inlines moves and register arithmetic and
 * records the lazy flags through the same {@link FastForm} helpers the interpreter's fast forms use,
 * so a translated block leaves exactly the state the interpreter leaves. Hidden classes are not
 * strongly tied to their loader: a block replaced in the block table (its code changed, or its slot
 * taken) takes its translation with it.
 */
public final class BlockCompiler {

    /**
     * Passes through a block before it is translated. A translation costs about a millisecond to
     * build and define, and HotSpot then compiles each translated method on its own (C1, then C2,
     * often 100 ms or more of a compiler thread, and again after a deoptimisation): on the Debian
     * boot, translating after 20,000 passes (~390 classes) cost about 17 % more process CPU than
     * interpreting, after 100,000 (~56 classes, still 200 M of the boot's 537 M instructions) the
     * same as interpreting, and the sieve's loops are translated either way.
     */
    public static final int TRANSLATE_AFTER_VISITS = 100_000;
    /**
     * Fewest instructions a translation covers when it stops short of the block's end (leaving to
     * the interpreter there costs about what a short prefix saves).
     */
    static final int MIN_PREFIX = 3;
    /**
     * Largest class file a translation may be. HotSpot never compiles a method of more than 8,000
     * bytes of bytecode ({@code HugeMethodLimit}); the run method is part of the class file, so a
     * class within this bound has a method HotSpot compiles. A larger one is cut to a shorter prefix.
     */
    static final int MAX_CLASS_BYTES = 8000;

    private static final ClassDesc CD_CORE = ClassDesc.of("dev.tern.x86.core.CpuCore");
    private static final ClassDesc CD_EFLAGS = ClassDesc.of("dev.tern.x86.ops.Eflags");
    private static final ClassDesc CD_FAST = ClassDesc.of("dev.tern.x86.decode.FastForm");
    private static final ClassDesc CD_COMPILED = ClassDesc.of("dev.tern.x86.jit.CompiledBlock");
    private static final ClassDesc CD_TLB = ClassDesc.of("dev.tern.x86.jit.TlbPath");
    private static final ClassDesc CD_ALU = ClassDesc.of("dev.tern.x86.jit.AluOps");
    private static final ClassDesc CD_MISS = ClassDesc.of("dev.tern.x86.jit.TlbMiss");
    private static final ClassDesc CD_TRANSLATED = ClassDesc.of("dev.tern.x86.jit.Translated");
    private static final MethodTypeDesc CORE_I_I = MethodTypeDesc.of(CD_int, CD_CORE, CD_int);
    private static final MethodTypeDesc CORE_II_I = MethodTypeDesc.of(CD_int, CD_CORE, CD_int, CD_int);
    private static final MethodTypeDesc CORE_III_I = MethodTypeDesc.of(CD_int, CD_CORE, CD_int, CD_int, CD_int);
    private static final MethodTypeDesc CORE_III_V = MethodTypeDesc.of(CD_void, CD_CORE, CD_int, CD_int, CD_int);
    private static final MethodTypeDesc CORE_I_V = MethodTypeDesc.of(CD_void, CD_CORE, CD_int);
    private static final MethodTypeDesc CORE_V_I = MethodTypeDesc.of(CD_int, CD_CORE);
    /**
     * Local slots of {@code run(CpuCore, int)}: this, the core, the budget, the register array, the
     * instructions retired by earlier passes, and temporaries of memory read-modify-writes.
     */
    private static final int CORE = 1, BUDGET = 2, REGS = 3, DONE = 4, OFF = 5, A = 6, B = 7, CARRY = 8, RES = 9;

    private final MethodHandles.Lookup lookup = MethodHandles.lookup();
    // The hierarchy cache is concurrent: compilers of several vCPUs may translate at once (inline mode).
    private final ClassFile classFile = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(
            ClassHierarchyResolver.ofClassLoading(BlockCompiler.class.getClassLoader())
                    .cached(java.util.concurrent.ConcurrentHashMap::new)));

    /**
     * Translates {@code b}: its translation, or the reason it has none (the first instruction outside
     * the subset, or a branch target beyond {@code csLimit}, the limit it was decoded under). Keeps no
     * state, so any thread may call it; the block's decoded instructions never change.
     */
    public Translation translate(DecodedBlock b, int csLimit) {
        long t0 = System.nanoTime();
        Prefix prefix = prefix(b, csLimit);
        if (prefix.steps() == null) {
            return new Translation.Refused(prefix.stop(), System.nanoTime() - t0);
        }
        List<Step> steps = prefix.steps();
        String stop = prefix.stop();
        byte[] bytes = build(b, steps);
        while (bytes.length > MAX_CLASS_BYTES && steps.size() > MIN_PREFIX) {
            steps = steps.subList(0, Math.max(MIN_PREFIX, steps.size() / 2));
            stop = "method size cap";
            bytes = build(b, steps);
        }
        if (bytes.length > MAX_CLASS_BYTES) {
            return new Translation.Refused("method size cap", System.nanoTime() - t0);
        }
        return define(b, steps, stop, bytes, t0);
    }

    /** The class file of {@code b}'s translation covering {@code steps}, a prefix of it. */
    private byte[] build(DecodedBlock b, List<Step> steps) {
        Shape shape = new Shape(b, steps);
        return classFile.build(CD_TRANSLATED, cb -> {
            cb.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SYNTHETIC);
            cb.withSuperclass(CD_COMPILED);
            cb.withMethodBody(INIT_NAME, MTD_void, ClassFile.ACC_PUBLIC, code -> code
                    .aload(0).invokespecial(CD_COMPILED, INIT_NAME, MTD_void).return_());
            cb.withMethodBody("run", MethodTypeDesc.of(CD_int, CD_CORE, CD_int), ClassFile.ACC_PUBLIC,
                    code -> new Emitter(code, shape).body());
        });
    }

    private Translation define(DecodedBlock b, List<Step> steps, String stop, byte[] bytes, long t0) {
        try {
            // The forms Step.Execute calls are the class's data, loaded as constants (in emission order).
            List<FastForm> forms = steps.stream().<FastForm>mapMulti((st, sink) -> {
                if (st instanceof Step.Execute e) {
                    sink.accept(e.form());
                }
            }).toList();
            Class<?> k = lookup.defineHiddenClassWithClassData(bytes, forms, true).lookupClass();
            CompiledBlock compiled = (CompiledBlock) k.getDeclaredConstructor().newInstance();
            compiled.bytes = bytes.length;
            compiled.covered = steps.size();
            return new Translation.Done(compiled, stop, System.nanoTime() - t0);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("translating the block at linear " + Integer.toHexString(b.firstLinear()), e);
        }
    }

    /** A block's translatable prefix, or (steps null) why it has none worth a class. */
    private record Prefix(List<Step> steps, String stop) {
    }

    /**
     * The steps of the block's longest translatable prefix — all of it, or up to the first
     * instruction outside the subset or a transfer whose target lies beyond {@code csLimit} — or
     * why that prefix is too short to be worth a class.
     */
    private static Prefix prefix(DecodedBlock b, int csLimit) {
        List<Step> steps = new ArrayList<>(b.size());
        String stop = null;
        for (int i = 0; i < b.size(); i++) {
            FastForm f = b.fast[i];
            Step s = f == null ? null : f.step();
            if (s == null) {
                stop = "outside the subset: " + describe(b.insns[i]);
                break;
            }
            int target = switch (s) {
                case Step.Branch br -> br.target();
                case Step.Jump j -> j.target();
                case Step.Call call -> call.target();
                default -> 0;
            };
            if (Integer.compareUnsigned(target, csLimit) > 0) {
                stop = "branch target beyond the CS limit";
                break;
            }
            steps.add(s);
        }
        return steps.size() == b.size() || steps.size() >= MIN_PREFIX ? new Prefix(steps, stop) : new Prefix(null, stop);
    }

    /**
     * An instruction as the profile names it: its opcode (two-byte ones as 0f xx), the ModRM reg field
     * of group opcodes, and the prefixes that keep it out of the subset.
     */
    static String describe(DecodedHeader h) {
        StringBuilder s = new StringBuilder();
        if (h.lock) {
            s.append("lock ");
        }
        if (!h.op32) {
            s.append("o16 ");
        }
        if (!h.addr32) {
            s.append("a16 ");
        }
        int op = h.opcode;
        s.append(op > 0xff ? String.format("0f %02x", op & 0xff) : String.format("%02x", op));
        if (h.hasModrm) {
            s.append(" /").append((h.modrm >> 3) & 7).append((h.modrm & 0xc0) == 0xc0 ? " reg" : " mem");
        }
        return s.toString();
    }

    /**
     * What the emitted code needs of the block besides its steps (which may cover only a prefix of
     * its {@code blockSize} instructions).
     */
    private record Shape(List<Step> steps, int[] eips, int start, int end, int blockSize) {
        Shape(DecodedBlock b, List<Step> steps) {
            this(steps, eips(b), b.insns[0].eip, b.fast[b.size() - 1] == null ? 0 : b.fast[b.size() - 1].next(), b.size());
        }

        private static int[] eips(DecodedBlock b) {
            int[] e = new int[b.size()];
            for (int i = 0; i < e.length; i++) {
                e[i] = b.insns[i].eip;
            }
            return e;
        }

        int size() {
            return steps.size();
        }
    }

    /** Emits {@code int run(CpuCore c, int budget)} for one block. */
    private static final class Emitter {
        private final CodeBuilder code;
        private final Shape shape;
        private final Label top;
        /** What the step before a Jcc left in locals for it: nothing, a CMP's operands, a TEST's result. */
        private static final int NO_COMPARE = 0, SUB_COMPARE = 1, LOGIC_COMPARE = 2;
        private int compared = NO_COMPARE;
        /** {@link Step.Execute} steps emitted so far: the next one's index in the class data. */
        private int executes;
        /** Per instruction: where its memory accesses leave the block (null when it has none). */
        private final Label[] missed;

        Emitter(CodeBuilder code, Shape shape) {
            this.code = code;
            this.shape = shape;
            this.top = code.newLabel();
            this.missed = new Label[shape.size()];
        }

        void body() {
            code.aload(CORE).getfield(CD_CORE, "r", CD_int.arrayType()).astore(REGS);
            code.iconst_0().istore(DONE);
            code.labelBinding(top);
            boolean transferred = false;
            for (int i = 0; i < shape.size(); i++) {
                Step s = shape.steps().get(i);
                Label from = code.newLabel();
                Label to = code.newLabel();
                code.labelBinding(from);
                transferred = step(s, i);
                code.labelBinding(to);
                if (touchesMemory(s)) {
                    missed[i] = code.newLabel();
                    code.exceptionCatch(from, to, missed[i], CD_MISS);
                }
            }
            if (shape.size() < shape.blockSize()) {
                // The rest of the block is the interpreter's, from the first untranslated instruction.
                code.aload(CORE).loadConstant(shape.eips()[shape.size()]).putfield(CD_CORE, "eip", CD_int);
                code.iload(DONE).loadConstant(shape.size()).iadd().iconst_m1().ixor().ireturn();
            } else if (!transferred) {
                exitTo(shape.end());
            }
            for (int i = 0; i < missed.length; i++) {
                if (missed[i] != null) {
                    // Nothing of instruction i happened: EIP on it, the instructions before it retired.
                    code.labelBinding(missed[i]);
                    code.pop();
                    code.aload(CORE).loadConstant(shape.eips()[i]).putfield(CD_CORE, "eip", CD_int);
                    code.iload(DONE).loadConstant(i).iadd().iconst_m1().ixor().ireturn();
                }
            }
        }

        private static boolean touchesMemory(Step s) {
            return switch (s) {
                case Step.Read r -> true;
                case Step.CondRead r -> true;
                case Step.Write w -> true;
                case Step.AluFromMemory a -> true;
                case Step.AluToMemory a -> true;
                case Step.TestMemory t -> true;
                case Step.Push p -> true;
                case Step.Pop p -> true;
                case Step.Call call -> true;
                case Step.Return r -> true;
                default -> false;
            };
        }

        /** Emits one step; returns whether it ended the block (a transfer). */
        private boolean step(Step s, int i) {
            boolean beforeBranch = i + 1 < shape.size() && shape.steps().get(i + 1) instanceof Step.Branch;
            int compared = NO_COMPARE;
            if (beforeBranch) {
                compared = compare(s);
            }
            if (compared != NO_COMPARE) {
                this.compared = compared;
                return false;
            }
            this.compared = NO_COMPARE;
            switch (s) {
                case Step.Move m -> {
                    code.aload(REGS).loadConstant(m.dst());
                    register(m.src());
                    code.iastore();
                }
                case Step.Load l -> code.aload(REGS).loadConstant(l.dst()).loadConstant(l.imm()).iastore();
                case Step.Alu a -> alu(a.op(), a.dst(), () -> {
                    if (a.src() >= 0) {
                        register(a.src());
                    } else {
                        code.loadConstant(a.imm());
                    }
                });
                case Step.AluFromMemory a -> alu(a.op(), a.dst(), () -> read(a.a(), 4));
                case Step.Test t -> {
                    code.aload(CORE);
                    register(t.a());
                    register(t.b());
                    code.iand().invokestatic(CD_FAST, "logicLast", CORE_I_I).pop();
                }
                case Step.TestMemory t -> {
                    code.aload(CORE);
                    read(t.a(), 4);
                    register(t.reg());
                    code.iand().invokestatic(CD_FAST, "logicLast", CORE_I_I).pop();
                }
                case Step.IncDec d -> {
                    code.aload(REGS).loadConstant(d.reg()).aload(CORE);
                    register(d.reg());
                    code.invokestatic(CD_FAST, d.inc() ? "incLast" : "decLast", CORE_I_I).iastore();
                }
                case Step.Execute e -> {
                    code.ldc(DynamicConstantDesc.ofNamed(ConstantDescs.BSM_CLASS_DATA_AT, ConstantDescs.DEFAULT_NAME,
                            CD_FAST, executes++));
                    code.aload(CORE).invokestatic(CD_ALU, "execute", MethodTypeDesc.of(CD_void, CD_FAST, CD_CORE));
                }
                case Step.Lea l -> {
                    code.aload(REGS).loadConstant(l.dst());
                    offset(l.a());
                    code.iastore();
                }
                case Step.Read r -> {
                    if (r.byteReg()) {
                        code.aload(CORE).loadConstant(r.dst());
                        read(r.a(), 1);
                        code.invokevirtual(CD_CORE, "set8", MethodTypeDesc.of(CD_void, CD_int, CD_int));
                    } else {
                        code.aload(REGS).loadConstant(r.dst());
                        read(r.a(), r.size());
                        code.iastore();
                    }
                }
                case Step.CondRead r -> {
                    Label keep = code.newLabel();
                    read(r.a(), 4);
                    code.istore(A);
                    condition(r.cc());
                    code.ifeq(keep);
                    code.aload(REGS).loadConstant(r.dst()).iload(A).iastore();
                    code.labelBinding(keep);
                }
                case Step.Write w -> {
                    code.aload(CORE).loadConstant(w.a().seg());
                    offset(w.a());
                    if (w.src() < 0) {
                        code.loadConstant(w.imm());
                    } else if (w.size() == 4) {
                        register(w.src());
                    } else {
                        code.aload(CORE).loadConstant(w.src())
                                .invokevirtual(CD_CORE, "get8", MethodTypeDesc.of(CD_int, CD_int));
                    }
                    code.invokestatic(CD_TLB, w.size() == 4 ? "write32" : "write8", CORE_III_V);
                }
                case Step.AluToMemory a -> aluToMemory(a);
                case Step.Push p -> {
                    code.aload(CORE);
                    if (p.src() >= 0) {
                        register(p.src());
                    } else {
                        code.loadConstant(p.imm());
                    }
                    code.invokestatic(CD_TLB, "push32", CORE_I_V);
                }
                case Step.Pop p -> code.aload(REGS).loadConstant(p.dst()).aload(CORE)
                        .invokestatic(CD_TLB, "pop32", CORE_V_I).iastore();
                case Step.Branch br -> {
                    Label fallThrough = code.newLabel();
                    condition(br.cc());
                    code.ifeq(fallThrough);
                    exitTo(br.target());
                    code.labelBinding(fallThrough);
                    exitTo(br.next());
                    return true;
                }
                case Step.Jump j -> {
                    exitTo(j.target());
                    return true;
                }
                case Step.Call call -> {
                    code.aload(CORE).loadConstant(call.next()).invokestatic(CD_TLB, "push32", CORE_I_V);
                    exitTo(call.target());
                    return true;
                }
                case Step.Return r -> {
                    code.aload(CORE).invokestatic(CD_TLB, "popReturn", CORE_V_I).istore(A);
                    code.aload(CORE).iload(A).putfield(CD_CORE, "eip", CD_int);
                    code.iload(DONE).loadConstant(shape.blockSize()).iadd().ireturn();
                    return true;
                }
            }
            return false;
        }

        /**
         * CMP or TEST right before the block's Jcc: records the flags as usual and keeps operands
         * and result in locals, so the branch tests them directly (as the interpreter's fused
         * forms do) instead of decoding the recorded flags. Returns what it emitted, or
         * {@link #NO_COMPARE} (nothing emitted) for any other step.
         */
        private int compare(Step s) {
            switch (s) {
                case Step.Alu a when a.op() == 7 -> {
                    register(a.dst());
                    code.istore(A);
                    if (a.src() >= 0) {
                        register(a.src());
                    } else {
                        code.loadConstant(a.imm());
                    }
                }
                case Step.AluFromMemory a when a.op() == 7 -> {
                    register(a.dst());
                    code.istore(A);
                    read(a.a(), 4);
                }
                case Step.Test t -> {
                    register(t.a());
                    register(t.b());
                    code.iand().istore(RES);
                    code.aload(CORE).iload(RES).invokestatic(CD_FAST, "logicLast", CORE_I_I).pop();
                    return LOGIC_COMPARE;
                }
                default -> {
                    return NO_COMPARE;
                }
            }
            code.istore(B);
            code.aload(CORE).iload(A).iload(B).invokestatic(CD_FAST, "subLast", CORE_II_I).istore(RES);
            return SUB_COMPARE;
        }

        /** Pushes whether condition {@code cc} holds (1) or not (0). */
        private void condition(int cc) {
            switch (compared) {
                case SUB_COMPARE -> code.loadConstant(cc >> 1).iload(A).iload(B).iload(RES)
                        .invokestatic(CD_EFLAGS, "subTest", MethodTypeDesc.of(CD_boolean, CD_int, CD_int, CD_int, CD_int));
                case LOGIC_COMPARE -> code.loadConstant(cc >> 1).iload(RES).loadConstant(4)
                        .invokestatic(CD_EFLAGS, "logicTest", MethodTypeDesc.of(CD_boolean, CD_int, CD_int, CD_int));
                default -> {
                    code.aload(CORE).loadConstant(cc).invokevirtual(CD_CORE, "condition", MethodTypeDesc.of(CD_boolean, CD_int));
                    return;
                }
            }
            if ((cc & 1) != 0) {
                code.iconst_1().ixor();
            }
        }

        /**
         * Leaves the block for {@code eip} after its last instruction; a branch back to the block's
         * own start runs it again while the budget holds a whole further pass.
         */
        private void exitTo(int eip) {
            code.iload(DONE).loadConstant(shape.blockSize()).iadd().istore(DONE);
            if (eip == shape.start()) {
                Label leave = code.newLabel();
                code.iload(DONE).loadConstant(shape.blockSize()).iadd().iload(BUDGET).if_icmpgt(leave);
                // Another thread may have ended the trust period (cross-modified code).
                code.aload(CORE).getfield(CD_CORE, "blockBreak", CD_boolean).ifne(leave);
                code.goto_(top);
                code.labelBinding(leave);
            }
            code.aload(CORE).loadConstant(eip).putfield(CD_CORE, "eip", CD_int);
            code.iload(DONE).ireturn();
        }

        private void register(int r) {
            code.aload(REGS).loadConstant(r).iaload();
        }

        /** Pushes the operand's offset: displacement + base + (index << shift). */
        private void offset(Step.Address a) {
            code.loadConstant(a.disp());
            if (a.base() >= 0) {
                register(a.base());
                code.iadd();
            }
            if (a.index() >= 0) {
                register(a.index());
                if (a.shift() != 0) {
                    code.loadConstant(a.shift()).ishl();
                }
                code.iadd();
            }
        }

        /** Pushes the zero-extended value of {@code size} bytes at {@code a} (or leaves the block). */
        private void read(Step.Address a, int size) {
            code.aload(CORE).loadConstant(a.seg());
            offset(a);
            code.invokestatic(CD_TLB, switch (size) {
                case 1 -> "read8";
                case 2 -> "read16";
                default -> "read32";
            }, CORE_II_I);
        }

        /** Group-1 ALU operation into a register, in the operand order of the interpreter's fast forms. */
        private void alu(int op, int dst, Runnable source) {
            boolean writes = op != 7;
            if (writes) {
                code.aload(REGS).loadConstant(dst);
            }
            code.aload(CORE);
            register(dst);
            source.run();
            switch (op) {
                case 0 -> code.invokestatic(CD_FAST, "addLast", CORE_II_I);
                case 1 -> code.ior().invokestatic(CD_FAST, "logicLast", CORE_I_I);
                case 2 -> carry().invokestatic(CD_FAST, "adcLast", CORE_III_I);
                case 3 -> carry().invokestatic(CD_FAST, "sbbLast", CORE_III_I);
                case 4 -> code.iand().invokestatic(CD_FAST, "logicLast", CORE_I_I);
                case 5, 7 -> code.invokestatic(CD_FAST, "subLast", CORE_II_I);
                case 6 -> code.ixor().invokestatic(CD_FAST, "logicLast", CORE_I_I);
                default -> throw new IllegalArgumentException("ALU operation " + op);
            }
            if (writes) {
                code.iastore();
            } else {
                code.pop();
            }
        }

        /**
         * ALU operation on a dword in memory: read, compute, store (which may leave the block, with
         * nothing changed yet), then record the flags.
         */
        private void aluToMemory(Step.AluToMemory a) {
            Step.Address m = a.a();
            offset(m);
            code.istore(OFF);
            code.aload(CORE).loadConstant(m.seg()).iload(OFF).invokestatic(CD_TLB, "read32", CORE_II_I).istore(A);
            if (a.src() >= 0) {
                register(a.src());
            } else {
                code.loadConstant(a.imm());
            }
            code.istore(B);
            if (a.op() == 2 || a.op() == 3) {
                carry();
            } else {
                code.iconst_0();
            }
            code.istore(CARRY);
            code.loadConstant(a.op()).iload(A).iload(B).iload(CARRY)
                    .invokestatic(CD_ALU, "value", MethodTypeDesc.of(CD_int, CD_int, CD_int, CD_int, CD_int)).istore(RES);
            if (a.op() != 7) {
                code.aload(CORE).loadConstant(m.seg()).iload(OFF).iload(RES).invokestatic(CD_TLB, "write32", CORE_III_V);
            }
            code.aload(CORE).loadConstant(a.op()).iload(A).iload(B).iload(CARRY).iload(RES)
                    .invokestatic(CD_ALU, "record", MethodTypeDesc.of(CD_void, CD_CORE, CD_int, CD_int, CD_int, CD_int, CD_int));
        }

        /** Pushes the carry flag (0 or 1) as ADC/SBB read it. */
        private CodeBuilder carry() {
            return code.aload(CORE).getfield(CD_CORE, "ef", CD_EFLAGS).invokevirtual(CD_EFLAGS, "cf", MethodTypeDesc.of(CD_int));
        }
    }
}
