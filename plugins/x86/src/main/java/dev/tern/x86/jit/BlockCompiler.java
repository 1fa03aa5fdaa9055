package dev.tern.x86.jit;

import static java.lang.constant.ConstantDescs.CD_Object;
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
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.List;
import dev.tern.x86.decode.DecodedBlock;
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

    /** Entries of a block before it is translated: most blocks of a boot run a few times only. */
    public static final int TRANSLATE_AFTER_VISITS = 64;

    private static final ClassDesc CD_CORE = ClassDesc.of("dev.tern.x86.core.CpuCore");
    private static final ClassDesc CD_EFLAGS = ClassDesc.of("dev.tern.x86.ops.Eflags");
    private static final ClassDesc CD_FAST = ClassDesc.of("dev.tern.x86.decode.FastForm");
    private static final ClassDesc CD_COMPILED = ClassDesc.of("dev.tern.x86.jit.CompiledBlock");
    private static final ClassDesc CD_TRANSLATED = ClassDesc.of("dev.tern.x86.jit.Translated");
    private static final MethodTypeDesc CORE_I_I = MethodTypeDesc.of(CD_int, CD_CORE, CD_int);
    private static final MethodTypeDesc CORE_II_I = MethodTypeDesc.of(CD_int, CD_CORE, CD_int, CD_int);
    private static final MethodTypeDesc CORE_III_I = MethodTypeDesc.of(CD_int, CD_CORE, CD_int, CD_int, CD_int);
    /** Local slots of {@code run(CpuCore)}: this, the core, the register array. */
    private static final int CORE = 1, REGS = 2;

    private final MethodHandles.Lookup lookup = MethodHandles.lookup();
    private final ClassFile classFile = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(
            ClassHierarchyResolver.ofClassLoading(BlockCompiler.class.getClassLoader())));
    private int translated;
    private long bytecodeBytes;

    /**
     * The translation of {@code b}, or null when one of its instructions is outside the subset or its
     * branch target lies beyond {@code csLimit} (the limit it was decoded under).
     */
    public CompiledBlock translate(DecodedBlock b, int csLimit) {
        List<Step> steps = steps(b, csLimit);
        if (steps == null) {
            return null;
        }
        int end = b.fast[b.size() - 1].next();
        byte[] bytes = classFile.build(CD_TRANSLATED, cb -> {
            cb.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SYNTHETIC);
            cb.withInterfaceSymbols(CD_COMPILED);
            cb.withMethodBody(INIT_NAME, MTD_void, ClassFile.ACC_PUBLIC, code -> code
                    .aload(0).invokespecial(CD_Object, INIT_NAME, MTD_void).return_());
            cb.withMethodBody("run", MethodTypeDesc.of(CD_void, CD_CORE), ClassFile.ACC_PUBLIC,
                    code -> body(code, steps, end));
        });
        try {
            Class<?> k = lookup.defineHiddenClass(bytes, true).lookupClass();
            CompiledBlock compiled = (CompiledBlock) k.getDeclaredConstructor().newInstance();
            translated++;
            bytecodeBytes += bytes.length;
            return compiled;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("translating the block at linear " + Integer.toHexString(b.firstLinear()), e);
        }
    }

    /** Blocks translated so far. */
    public int translated() {
        return translated;
    }

    /** Class-file bytes of all translations so far. */
    public long bytecodeBytes() {
        return bytecodeBytes;
    }

    private static List<Step> steps(DecodedBlock b, int csLimit) {
        List<Step> steps = new ArrayList<>(b.size());
        for (int i = 0; i < b.size(); i++) {
            FastForm f = b.fast[i];
            Step s = f == null ? null : f.step();
            if (s == null) {
                return null;
            }
            if (s instanceof Step.Branch br
                    && (i != b.size() - 1 || Integer.compareUnsigned(br.target(), csLimit) > 0)) {
                return null;
            }
            steps.add(s);
        }
        return steps;
    }

    private static void body(CodeBuilder code, List<Step> steps, int end) {
        code.aload(CORE).getfield(CD_CORE, "r", CD_int.arrayType()).astore(REGS);
        for (Step s : steps) {
            switch (s) {
                case Step.Move m -> {
                    code.aload(REGS).loadConstant(m.dst());
                    register(code, m.src());
                    code.iastore();
                }
                case Step.Load l -> code.aload(REGS).loadConstant(l.dst()).loadConstant(l.imm()).iastore();
                case Step.Alu a -> alu(code, a);
                case Step.Test t -> {
                    code.aload(CORE);
                    register(code, t.a());
                    register(code, t.b());
                    code.iand().invokestatic(CD_FAST, "logicLast", CORE_I_I).pop();
                }
                case Step.IncDec d -> {
                    code.aload(REGS).loadConstant(d.reg()).aload(CORE);
                    register(code, d.reg());
                    code.invokestatic(CD_FAST, d.inc() ? "incLast" : "decLast", CORE_I_I).iastore();
                }
                case Step.Branch br -> {
                    Label fallThrough = code.newLabel();
                    code.aload(CORE).loadConstant(br.cc())
                            .invokevirtual(CD_CORE, "condition", MethodTypeDesc.of(CD_boolean, CD_int))
                            .ifeq(fallThrough);
                    setEip(code, br.target());
                    code.labelBinding(fallThrough);
                    setEip(code, br.next());
                    return;
                }
            }
        }
        setEip(code, end);
    }

    private static void setEip(CodeBuilder code, int eip) {
        code.aload(CORE).loadConstant(eip).putfield(CD_CORE, "eip", CD_int).return_();
    }

    private static void register(CodeBuilder code, int r) {
        code.aload(REGS).loadConstant(r).iaload();
    }

    /** Group-1 ALU operation, in the operand order of the interpreter's fast forms. */
    private static void alu(CodeBuilder code, Step.Alu a) {
        boolean writes = a.op() != 7;
        if (writes) {
            code.aload(REGS).loadConstant(a.dst());
        }
        code.aload(CORE);
        register(code, a.dst());
        if (a.src() >= 0) {
            register(code, a.src());
        } else {
            code.loadConstant(a.imm());
        }
        switch (a.op()) {
            case 0 -> code.invokestatic(CD_FAST, "addLast", CORE_II_I);
            case 1 -> code.ior().invokestatic(CD_FAST, "logicLast", CORE_I_I);
            case 2 -> carry(code).invokestatic(CD_FAST, "adcLast", CORE_III_I);
            case 3 -> carry(code).invokestatic(CD_FAST, "sbbLast", CORE_III_I);
            case 4 -> code.iand().invokestatic(CD_FAST, "logicLast", CORE_I_I);
            case 5, 7 -> code.invokestatic(CD_FAST, "subLast", CORE_II_I);
            case 6 -> code.ixor().invokestatic(CD_FAST, "logicLast", CORE_I_I);
            default -> throw new IllegalArgumentException("ALU operation " + a.op());
        }
        if (writes) {
            code.iastore();
        } else {
            code.pop();
        }
    }

    /** Pushes the carry flag (0 or 1) as ADC/SBB read it. */
    private static CodeBuilder carry(CodeBuilder code) {
        return code.aload(CORE).getfield(CD_CORE, "ef", CD_EFLAGS).invokevirtual(CD_EFLAGS, "cf", MethodTypeDesc.of(CD_int));
    }
}
