package dev.tern.x86;

import dev.tern.x86.core.CpuFault;
import dev.tern.x86.ops.FloatingPointUnit;
import dev.tern.x86.fpu.X87;
import dev.tern.x86.fpu.X87Fault;
import dev.tern.x86.fpu.X87Memory;
import dev.tern.x86.fpu.X87State;

/**
 * Connects the {@link X87} to the interpreter: translates the CPU's operand view into
 * {@link X87Memory}, latches the instruction pointers, passes EFLAGS for FCMOVcc, returns the
 * FCOMI flags and turns {@link X87Fault} into the CPU exception it names.
 */
public final class X87Unit implements FloatingPointUnit {

    private final X87 x87 = new X87();
    private final OperandView view = new OperandView();

    @Override
    public int execute(int opcode, int modrm, Operand mem, int cs, int eip, int dataSel, int dataOff,
                       int eflags) {
        x87.setLastInstruction(cs, eip, dataSel, dataOff);
        x87.setEflags(eflags);
        view.target = mem;
        try {
            x87.execute(opcode, modrm, mem == null ? null : view);
        } catch (X87Fault f) {
            throw CpuFault.of(f.vector());
        } finally {
            view.target = null;
        }
        return X87.writesEflags(opcode, modrm) ? x87.comiFlags() : -1;
    }

    @Override
    public void fxsave(Operand mem) {
        view.target = mem;
        try {
            x87.fxsave(view);
        } finally {
            view.target = null;
        }
    }

    @Override
    public void fxrstor(Operand mem) {
        view.target = mem;
        try {
            x87.fxrstor(view);
        } finally {
            view.target = null;
        }
    }

    @Override
    public boolean errorPending() {
        return x87.unmaskedExceptionPending();
    }

    @Override
    public int statusWord() {
        return x87.statusWord();
    }

    @Override
    public void reset() {
        x87.reset();
    }

    /** The FPU registers for a saved state. */
    public X87State save() {
        return x87.save();
    }

    public void load(X87State state) {
        x87.load(state);
    }

    /** The CPU's operand seen as X87 memory; one instance reused for every instruction. */
    private static final class OperandView implements X87Memory {
        Operand target;

        @Override
        public int readU8(int off) {
            return target.readU8(off);
        }

        @Override
        public int readU16(int off) {
            return target.readU16(off);
        }

        @Override
        public int readU32(int off) {
            return target.readU32(off);
        }

        @Override
        public long readU64(int off) {
            return target.readU64(off);
        }

        @Override
        public void writeU8(int off, int v) {
            target.writeU8(off, v);
        }

        @Override
        public void writeU16(int off, int v) {
            target.writeU16(off, v);
        }

        @Override
        public void writeU32(int off, int v) {
            target.writeU32(off, v);
        }

        @Override
        public void writeU64(int off, long v) {
            target.writeU64(off, v);
        }

        @Override
        public boolean operandSize32() {
            return target.operandSize32();
        }

        @Override
        public boolean realMode() {
            return target.realMode();
        }
    }
}
