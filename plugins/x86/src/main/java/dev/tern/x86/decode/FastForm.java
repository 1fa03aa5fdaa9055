package dev.tern.x86.decode;

import static dev.tern.x86.core.CpuCore.EAX;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;
import dev.tern.x86.jit.Step;
import dev.tern.x86.ops.Alu;
import dev.tern.x86.ops.ArithOps;
import dev.tern.x86.ops.Eflags;

/**
 * One block instruction of a hot 32-bit form with every operand decoded in advance: registers,
 * the immediate, the addressing form and the address of the next instruction. Executing it reads
 * and writes registers and memory directly, without replaying the header into {@link CpuCore}'s
 * decode state and without the interpreter's large opcode switch, which is too big for the JIT to
 * inline the handlers into.
 *
 * <p>Only instructions whose behaviour here is exactly the generic path's get a form: 32-bit code,
 * operand and address size, no LOCK or REP prefix, the immediate inside the instruction's validated
 * fetch window. Memory goes through the same segment-checked accessors as the generic path, and
 * every register or EIP update happens after the last access that can fault, so a fault leaves the
 * state the faulting instruction found (EFLAGS are rolled back by the caller).
 */
public final class FastForm {

    // Kinds, dense so the dispatch compiles to a table switch.
    static final int MOV_E_R = 0, MOV_R_E = 1, MOV_E8_R8 = 2, MOV_R8_E8 = 3, MOV_R_I = 4, MOV_E_I = 5,
            MOV_E8_I = 6, ALU_E8_R8 = 9, ALU_R8_E8 = 10, ALU_A_I = 11,
            ALU_AL_I = 12, ALU_E8_I = 14, TEST_E_R = 15, TEST_E8_R8 = 16, INC_R = 17,
            DEC_R = 18, PUSH_R = 19, POP_R = 20, LEA = 21, JCC = 22, JMP = 23, CALL = 24, RET = 25,
            MOVZX8 = 26, MOVZX16 = 27, SHIFT_E_I = 28, TEST_A_I = 29, PUSH_I = 30, MOVSX8 = 7, MOVSX16 = 8;
    /**
     * 32-bit ALU forms with the operation folded into the kind ({@code base + op}, op in ADD OR ADC
     * SBB AND SUB XOR CMP order), so the hottest instructions need one dispatch, not two.
     */
    static final int ALU32_E_R = 32, ALU32_R_E = 40, ALU32_E_I = 48;
    /**
     * The E_R and E_I forms with a register as r/m: nothing can fault, so their flags are recorded
     * without a rollback copy (and no memory-or-register test is left at run time).
     */
    static final int ALU32_RM_R = 56, ALU32_RM_I = 64;
    /**
     * Fused pairs: a flag-setting instruction and the Jcc after it, run as one form that tests the
     * condition from the operands (see {@link #fuse}). CMP forms by operand kind, TEST, INC, DEC.
     */
    static final int CMPJ_RR = 72, CMPJ_RI = 73, CMPJ_RE = 74, CMPJ_ER = 75, CMPJ_EI = 76, CMPJ_E8I = 77,
            TESTJ_ER = 78, INCJ = 79, DECJ = 80;
    /** IMUL r32, r/m32 (0F AF) and r32, r/m32, imm (69, 6B); SETcc r/m8; CMOVcc r32, r/m32. */
    static final int IMUL_R_E = 81, IMUL_R_E_I = 82, SETCC = 83, CMOVCC = 84;

    final int kind;
    /** ALU operation (0..7), shift operation, or condition code. */
    final int op;
    final int reg;
    final int rm;
    final int imm;
    /** Offset of the following instruction. */
    final int next;
    final int eip;
    final boolean memOp;
    final int eaSeg;
    /** Base and index register numbers (0..7) with a mask of -1 where used, 0 where absent. */
    final int eaBase;
    final int baseMask;
    final int eaIndex;
    final int indexMask;
    final int eaShift;
    final int eaDisp;
    /** Fused pairs: the Jcc's condition code and where it goes when taken. */
    final int cc;
    final int target;

    private FastForm(int kind, int op, int reg, DecodedHeader h, int imm, int immBytes) {
        this.kind = kind;
        this.op = op;
        this.reg = reg;
        this.rm = h.modrm & 7;
        this.imm = imm;
        this.eip = h.eip;
        this.next = h.eip + h.length + immBytes;
        this.memOp = h.memOp;
        this.eaSeg = h.eaSeg;
        this.eaBase = h.eaBase & 7;
        this.baseMask = (h.eaForm & DecodedHeader.BASE) != 0 ? -1 : 0;
        this.eaIndex = h.eaIndex & 7;
        this.indexMask = (h.eaForm & DecodedHeader.INDEX) != 0 ? -1 : 0;
        this.eaShift = h.eaShift;
        this.eaDisp = h.eaDisp;
        this.cc = 0;
        this.target = 0;
    }

    /** A fused pair: {@code first}'s operands with kind {@code kind}, then {@code jcc}'s branch. */
    private FastForm(int kind, FastForm first, int rm, FastForm jcc, int target) {
        this.kind = kind;
        this.op = first.op;
        this.reg = first.reg;
        this.rm = rm;
        this.imm = first.imm;
        this.eip = first.eip;
        this.next = jcc.next;
        this.memOp = first.memOp;
        this.eaSeg = first.eaSeg;
        this.eaBase = first.eaBase;
        this.baseMask = first.baseMask;
        this.eaIndex = first.eaIndex;
        this.indexMask = first.indexMask;
        this.eaShift = first.eaShift;
        this.eaDisp = first.eaDisp;
        this.cc = jcc.op;
        this.target = target;
    }

    /**
     * The fused form of {@code first} followed by {@code jcc}, or null when the pair does not fuse.
     * The pair retires as two instructions. Only the first can fault (the branch target is checked
     * against the CS limit here, which is part of the block's key), and when it does nothing of the
     * pair has happened, so a fault, and a budget that ends between the two (the caller then runs
     * them apart), stay exact.
     */
    static FastForm fuse(FastForm first, FastForm jcc, int csLimit) {
        if (jcc.kind != JCC) {
            return null;
        }
        int target = jcc.next + jcc.imm;
        if (Integer.compareUnsigned(target, csLimit) > 0) {
            return null;
        }
        int k = first.kind;
        int fused;
        int rm = first.rm;
        if (k == ALU32_RM_R + 7) {
            fused = CMPJ_RR;
        } else if (k == ALU32_RM_I + 7) {
            fused = CMPJ_RI;
        } else if (k == ALU_A_I && first.op == 7) {
            fused = CMPJ_RI;
            rm = EAX;
        } else if (k == ALU32_R_E + 7) {
            fused = CMPJ_RE;
        } else if (k == ALU32_E_R + 7) {
            fused = CMPJ_ER;
        } else if (k == ALU32_E_I + 7) {
            fused = CMPJ_EI;
        } else if (k == ALU_E8_I && first.op == 7) {
            fused = CMPJ_E8I;
        } else if (k == TEST_E_R) {
            fused = TESTJ_ER;
        } else if (k == INC_R) {
            fused = INCJ;
        } else if (k == DEC_R) {
            fused = DECJ;
        } else {
            return null;
        }
        return new FastForm(fused, first, rm, jcc, target);
    }

    /**
     * The fast form of a decoded instruction, or null when it must take the generic path.
     * {@code window} holds the 8 code bytes at the instruction's start.
     */
    static FastForm of(DecodedHeader h, long window) {
        if (!h.code32 || !h.op32 || !h.addr32 || h.lock || h.rep != 0) {
            return null;
        }
        int op = h.opcode;
        int reg = (h.modrm >> 3) & 7;
        int room = 8 - h.length;
        long rest = h.length == 8 ? 0 : window >>> (8 * h.length);
        int ib = (byte) rest;
        int id = (int) rest;
        if (op < 0x40 && (op & 7) < 6) {
            int alu = (op >> 3) & 7;
            return switch (op & 7) {
                case 0 -> new FastForm(ALU_E8_R8, alu, reg, h, 0, 0);
                case 1 -> new FastForm((h.memOp ? ALU32_E_R : ALU32_RM_R) + alu, alu, reg, h, 0, 0);
                case 2 -> new FastForm(ALU_R8_E8, alu, reg, h, 0, 0);
                case 3 -> new FastForm(ALU32_R_E + alu, alu, reg, h, 0, 0);
                case 4 -> room >= 1 ? new FastForm(ALU_AL_I, alu, EAX, h, ib & 0xff, 1) : null;
                default -> room >= 4 ? new FastForm(ALU_A_I, alu, EAX, h, id, 4) : null;
            };
        }
        return switch (op) {
            case 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47 -> new FastForm(INC_R, 0, op & 7, h, 0, 0);
            case 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F -> new FastForm(DEC_R, 0, op & 7, h, 0, 0);
            case 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57 -> new FastForm(PUSH_R, 0, op & 7, h, 0, 0);
            case 0x58, 0x59, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F -> new FastForm(POP_R, 0, op & 7, h, 0, 0);
            case 0x68 -> room >= 4 ? new FastForm(PUSH_I, 0, 0, h, id, 4) : null;
            case 0x6A -> room >= 1 ? new FastForm(PUSH_I, 0, 0, h, ib, 1) : null;
            case 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
                 0x78, 0x79, 0x7A, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F ->
                    room >= 1 ? new FastForm(JCC, op & 15, 0, h, ib, 1) : null;
            case 0x180, 0x181, 0x182, 0x183, 0x184, 0x185, 0x186, 0x187,
                 0x188, 0x189, 0x18A, 0x18B, 0x18C, 0x18D, 0x18E, 0x18F ->
                    room >= 4 ? new FastForm(JCC, op & 15, 0, h, id, 4) : null;
            case 0x80 -> room >= 1 ? new FastForm(ALU_E8_I, reg, reg, h, ib & 0xff, 1) : null;
            case 0x81 -> room >= 4 ? new FastForm((h.memOp ? ALU32_E_I : ALU32_RM_I) + reg, reg, reg, h, id, 4) : null;
            case 0x83 -> room >= 1 ? new FastForm((h.memOp ? ALU32_E_I : ALU32_RM_I) + reg, reg, reg, h, ib, 1) : null;
            case 0x84 -> new FastForm(TEST_E8_R8, 0, reg, h, 0, 0);
            case 0x85 -> new FastForm(TEST_E_R, 0, reg, h, 0, 0);
            case 0x88 -> new FastForm(MOV_E8_R8, 0, reg, h, 0, 0);
            case 0x89 -> new FastForm(MOV_E_R, 0, reg, h, 0, 0);
            case 0x8A -> new FastForm(MOV_R8_E8, 0, reg, h, 0, 0);
            case 0x8B -> new FastForm(MOV_R_E, 0, reg, h, 0, 0);
            case 0x8D -> h.memOp ? new FastForm(LEA, 0, reg, h, 0, 0) : null;
            case 0xA9 -> room >= 4 ? new FastForm(TEST_A_I, 0, EAX, h, id, 4) : null;
            case 0xB8, 0xB9, 0xBA, 0xBB, 0xBC, 0xBD, 0xBE, 0xBF ->
                    room >= 4 ? new FastForm(MOV_R_I, 0, op & 7, h, id, 4) : null;
            case 0xC1 -> room >= 1 ? new FastForm(SHIFT_E_I, reg, reg, h, ib & 0xff, 1) : null;
            // D1 /n shifts by one: the architecture defines it exactly as C1 /n with an immediate 1.
            case 0xD1 -> new FastForm(SHIFT_E_I, reg, reg, h, 1, 0);
            case 0xC3 -> new FastForm(RET, 0, 0, h, 0, 0);
            case 0xC6 -> reg == 0 && room >= 1 ? new FastForm(MOV_E8_I, 0, 0, h, ib & 0xff, 1) : null;
            case 0xC7 -> reg == 0 && room >= 4 ? new FastForm(MOV_E_I, 0, 0, h, id, 4) : null;
            case 0xE8 -> room >= 4 ? new FastForm(CALL, 0, 0, h, id, 4) : null;
            case 0xE9 -> room >= 4 ? new FastForm(JMP, 0, 0, h, id, 4) : null;
            case 0xEB -> room >= 1 ? new FastForm(JMP, 0, 0, h, ib, 1) : null;
            case 0x69 -> room >= 4 ? new FastForm(IMUL_R_E_I, 0, reg, h, id, 4) : null;
            case 0x6B -> room >= 1 ? new FastForm(IMUL_R_E_I, 0, reg, h, ib, 1) : null;
            case 0x1AF -> new FastForm(IMUL_R_E, 0, reg, h, 0, 0);
            case 0x190, 0x191, 0x192, 0x193, 0x194, 0x195, 0x196, 0x197,
                 0x198, 0x199, 0x19A, 0x19B, 0x19C, 0x19D, 0x19E, 0x19F -> new FastForm(SETCC, op & 15, reg, h, 0, 0);
            case 0x140, 0x141, 0x142, 0x143, 0x144, 0x145, 0x146, 0x147,
                 0x148, 0x149, 0x14A, 0x14B, 0x14C, 0x14D, 0x14E, 0x14F -> new FastForm(CMOVCC, op & 15, reg, h, 0, 0);
            case 0x1B6 -> new FastForm(MOVZX8, 0, reg, h, 0, 0);
            case 0x1B7 -> new FastForm(MOVZX16, 0, reg, h, 0, 0);
            case 0x1BE -> new FastForm(MOVSX8, 0, reg, h, 0, 0);
            case 0x1BF -> new FastForm(MOVSX16, 0, reg, h, 0, 0);
            default -> null;
        };
    }

    /**
     * The effective offset of the memory operand with the current registers (32-bit addressing).
     * Branch-free: absent registers are masked out, so no per-instruction switch on the form.
     */
    private int ea(int[] r) {
        return eaDisp + (r[eaBase] & baseMask) + ((r[eaIndex] << eaShift) & indexMask);
    }

    private int readE(CpuCore c) {
        return memOp ? c.read32(eaSeg, ea(c.r)) : c.r[rm];
    }

    private void writeE(CpuCore c, int v) {
        if (memOp) {
            c.write32(eaSeg, ea(c.r), v);
        } else {
            c.r[rm] = v;
        }
    }

    private int readE8(CpuCore c) {
        return memOp ? c.read8(eaSeg, ea(c.r)) : c.get8(rm);
    }

    private void writeE8(CpuCore c, int v) {
        if (memOp) {
            c.write8(eaSeg, ea(c.r), v);
        } else {
            c.set8(rm, v);
        }
    }

    /** Where EIP goes after this instruction when it falls through. */
    public int next() {
        return next;
    }

    /**
     * This instruction as a step of the compiling tier's subset, or null when it is outside it.
     */
    public Step step() {
        Step.Address a = memOp ? address() : null;
        return switch (kind) {
            case MOV_E_R -> memOp ? new Step.Write(a, 4, reg, 0) : new Step.Move(rm, reg);
            case MOV_R_E -> memOp ? new Step.Read(reg, a, 4, false) : new Step.Move(reg, rm);
            case MOV_E8_R8 -> memOp ? new Step.Write(a, 1, reg, 0) : new Step.Execute(this);
            case MOV_R8_E8 -> memOp ? new Step.Read(reg, a, 1, true) : new Step.Execute(this);
            case MOV_R_I -> new Step.Load(reg, imm);
            case MOV_E_I -> memOp ? new Step.Write(a, 4, -1, imm) : new Step.Load(rm, imm);
            case MOV_E8_I -> memOp ? new Step.Write(a, 1, -1, imm) : new Step.Execute(this);
            case MOVZX8 -> memOp ? new Step.Read(reg, a, 1, false) : new Step.Execute(this);
            case MOVZX16 -> memOp ? new Step.Read(reg, a, 2, false) : new Step.Execute(this);
            case MOVSX8, MOVSX16 -> memOp ? null : new Step.Execute(this);
            // The source is read (and may leave the block) whether or not the move happens.
            case CMOVCC -> memOp ? new Step.CondRead(op, reg, a) : new Step.Execute(this);
            case TEST_E_R -> memOp ? new Step.TestMemory(a, reg) : new Step.Test(rm, reg);
            case INC_R -> new Step.IncDec(reg, true);
            case DEC_R -> new Step.IncDec(reg, false);
            case PUSH_R -> new Step.Push(reg, 0);
            case PUSH_I -> new Step.Push(-1, imm);
            case POP_R -> new Step.Pop(reg);
            case LEA -> new Step.Lea(reg, a);
            case ALU_A_I -> new Step.Alu(op, EAX, -1, imm);
            case JCC -> new Step.Branch(op, next + imm, next);
            case JMP -> new Step.Jump(next + imm);
            case CALL -> new Step.Call(next + imm, next);
            case RET -> new Step.Return();
            // Register forms that cannot fault or branch: the translation runs this very form.
            case ALU_E8_R8, ALU_R8_E8, ALU_AL_I, ALU_E8_I, TEST_E8_R8, SHIFT_E_I, TEST_A_I, IMUL_R_E, IMUL_R_E_I,
                 SETCC -> memOp ? null : new Step.Execute(this);
            default -> {
                if (kind >= ALU32_RM_R && kind < ALU32_RM_R + 8) {
                    yield new Step.Alu(op, rm, reg, 0);
                } else if (kind >= ALU32_R_E && kind < ALU32_R_E + 8) {
                    yield memOp ? new Step.AluFromMemory(op, reg, a) : new Step.Alu(op, reg, rm, 0);
                } else if (kind >= ALU32_RM_I && kind < ALU32_RM_I + 8) {
                    yield new Step.Alu(op, rm, -1, imm);
                } else if (kind >= ALU32_E_R && kind < ALU32_E_R + 8) {
                    yield new Step.AluToMemory(op, a, reg, 0);
                } else if (kind >= ALU32_E_I && kind < ALU32_E_I + 8) {
                    yield new Step.AluToMemory(op, a, -1, imm);
                }
                yield null;
            }
        };
    }

    private Step.Address address() {
        return new Step.Address(eaSeg, baseMask != 0 ? eaBase : -1, indexMask != 0 ? eaIndex : -1, eaShift, eaDisp);
    }

    /**
     * Executes the instruction and commits EIP; a fault leaves registers and EIP untouched. Returns
     * false when control left the straight line (a taken branch), true when it falls through.
     */
    public boolean execute(CpuCore c) {
        int[] r = c.r;
        switch (kind) {
            case MOV_E_R -> writeE(c, r[reg]);
            case MOV_R_E -> r[reg] = readE(c);
            case MOV_E8_R8 -> writeE8(c, c.get8(reg));
            case MOV_R8_E8 -> c.set8(reg, readE8(c));
            case MOV_R_I -> r[reg] = imm;
            case MOV_E_I -> writeE(c, imm);
            case MOV_E8_I -> writeE8(c, imm);
            case ALU_E8_R8 -> {
                int res = Alu.op(c, op, readE8(c), c.get8(reg), 1);
                if (op != 7) {
                    writeE8(c, res);
                }
            }
            case ALU_R8_E8 -> c.set8(reg, Alu.op(c, op, c.get8(reg), readE8(c), 1));
            case ALU_A_I -> r[EAX] = Alu.op(c, op, r[EAX], imm, 4);
            case ALU_AL_I -> c.set8(EAX, Alu.op(c, op, c.get8(EAX), imm, 1));
            case ALU_E8_I -> {
                int res = Alu.op(c, op, readE8(c), imm, 1);
                if (op != 7) {
                    writeE8(c, res);
                }
            }
            case TEST_E_R -> logicLast(c, readE(c) & r[reg]);
            case TEST_E8_R8 -> Alu.logic(c, readE8(c) & c.get8(reg), 1);
            case TEST_A_I -> logicLast(c, r[EAX] & imm);
            case INC_R -> r[reg] = incLast(c, r[reg]);
            case DEC_R -> r[reg] = decLast(c, r[reg]);
            case PUSH_R -> c.push32(r[reg]);
            case PUSH_I -> c.push32(imm);
            case POP_R -> {
                int v = c.peek32(0);
                c.adjustSp(4);
                r[reg] = v;
            }
            case LEA -> r[reg] = ea(r);
            case MOVZX8 -> r[reg] = readE8(c);
            case MOVZX16 -> r[reg] = memOp ? c.read16(eaSeg, ea(r)) : r[rm] & 0xffff;
            case MOVSX8 -> r[reg] = (byte) readE8(c);
            case MOVSX16 -> r[reg] = (short) (memOp ? c.read16(eaSeg, ea(r)) : r[rm]);
            case SHIFT_E_I -> {
                int a = readE(c);
                if ((imm & 0x1f) != 0) {
                    writeE(c, Alu.shift(c, op, a, imm, 4));
                }
            }
            case JCC -> {
                if (c.condition(op)) {
                    c.eip = target(c, next + imm);
                    return false;
                }
            }
            case JMP -> {
                c.eip = target(c, next + imm);
                return false;
            }
            case CALL -> {
                int t = target(c, next + imm);
                c.push32(next);
                c.eip = t;
                return false;
            }
            case RET -> {
                int t = target(c, c.peek32(0));
                c.adjustSp(4);
                c.eip = t;
                return false;
            }
            case ALU32_E_R + 0 -> addE(c, readE(c), r[reg], 0);
            case ALU32_E_R + 1 -> logicE(c, readE(c) | r[reg]);
            case ALU32_E_R + 2 -> addE(c, readE(c), r[reg], c.ef.cf());
            case ALU32_E_R + 3 -> subE(c, readE(c), r[reg], c.ef.cf());
            case ALU32_E_R + 4 -> logicE(c, readE(c) & r[reg]);
            case ALU32_E_R + 5 -> subE(c, readE(c), r[reg], 0);
            case ALU32_E_R + 6 -> logicE(c, readE(c) ^ r[reg]);
            case ALU32_E_R + 7 -> subLast(c, readE(c), r[reg]); // CMP r/m, r
            case ALU32_E_I + 0 -> addE(c, readE(c), imm, 0);
            case ALU32_E_I + 1 -> logicE(c, readE(c) | imm);
            case ALU32_E_I + 2 -> addE(c, readE(c), imm, c.ef.cf());
            case ALU32_E_I + 3 -> subE(c, readE(c), imm, c.ef.cf());
            case ALU32_E_I + 4 -> logicE(c, readE(c) & imm);
            case ALU32_E_I + 5 -> subE(c, readE(c), imm, 0);
            case ALU32_E_I + 6 -> logicE(c, readE(c) ^ imm);
            case ALU32_E_I + 7 -> subLast(c, readE(c), imm); // CMP r/m, imm
            case ALU32_R_E + 0 -> r[reg] = addLast(c, r[reg], readE(c));
            case ALU32_R_E + 1 -> r[reg] = logicLast(c, r[reg] | readE(c));
            case ALU32_R_E + 2 -> r[reg] = adcLast(c, r[reg], readE(c), c.ef.cf());
            case ALU32_R_E + 3 -> r[reg] = sbbLast(c, r[reg], readE(c), c.ef.cf());
            case ALU32_R_E + 4 -> r[reg] = logicLast(c, r[reg] & readE(c));
            case ALU32_R_E + 5 -> r[reg] = subLast(c, r[reg], readE(c));
            case ALU32_R_E + 6 -> r[reg] = logicLast(c, r[reg] ^ readE(c));
            case ALU32_R_E + 7 -> subLast(c, r[reg], readE(c)); // CMP r, r/m
            case ALU32_RM_R + 0 -> r[rm] = addLast(c, r[rm], r[reg]);
            case ALU32_RM_R + 1 -> r[rm] = logicLast(c, r[rm] | r[reg]);
            case ALU32_RM_R + 2 -> r[rm] = adcLast(c, r[rm], r[reg], c.ef.cf());
            case ALU32_RM_R + 3 -> r[rm] = sbbLast(c, r[rm], r[reg], c.ef.cf());
            case ALU32_RM_R + 4 -> r[rm] = logicLast(c, r[rm] & r[reg]);
            case ALU32_RM_R + 5 -> r[rm] = subLast(c, r[rm], r[reg]);
            case ALU32_RM_R + 6 -> r[rm] = logicLast(c, r[rm] ^ r[reg]);
            case ALU32_RM_R + 7 -> subLast(c, r[rm], r[reg]); // CMP reg, reg
            case ALU32_RM_I + 0 -> r[rm] = addLast(c, r[rm], imm);
            case ALU32_RM_I + 1 -> r[rm] = logicLast(c, r[rm] | imm);
            case ALU32_RM_I + 2 -> r[rm] = adcLast(c, r[rm], imm, c.ef.cf());
            case ALU32_RM_I + 3 -> r[rm] = sbbLast(c, r[rm], imm, c.ef.cf());
            case ALU32_RM_I + 4 -> r[rm] = logicLast(c, r[rm] & imm);
            case ALU32_RM_I + 5 -> r[rm] = subLast(c, r[rm], imm);
            case ALU32_RM_I + 6 -> r[rm] = logicLast(c, r[rm] ^ imm);
            case ALU32_RM_I + 7 -> subLast(c, r[rm], imm); // CMP reg, imm
            case IMUL_R_E -> r[reg] = imulLast(c, r[reg], readE(c));
            case IMUL_R_E_I -> r[reg] = imulLast(c, readE(c), imm);
            case SETCC -> writeE8(c, c.condition(op) ? 1 : 0);
            case CMOVCC -> {
                // The source is read (and may fault) whether or not the move happens.
                int v = readE(c);
                if (c.condition(op)) {
                    r[reg] = v;
                }
            }
            case CMPJ_RR -> {
                return compareAndBranch(c, r[rm], r[reg]);
            }
            case CMPJ_RI -> {
                return compareAndBranch(c, r[rm], imm);
            }
            case CMPJ_RE -> {
                return compareAndBranch(c, r[reg], readE(c));
            }
            case CMPJ_ER -> {
                return compareAndBranch(c, readE(c), r[reg]);
            }
            case CMPJ_EI -> {
                return compareAndBranch(c, readE(c), imm);
            }
            case CMPJ_E8I -> {
                int a = readE8(c);
                int res = (a - imm) & 0xff;
                c.ef.recordLast(Eflags.SUB, a, imm, res, 1);
                return branch(c, Eflags.subTest(cc >> 1, a << 24, imm << 24, res));
            }
            case TESTJ_ER -> {
                int res = readE(c) & r[reg];
                c.ef.recordLast(Eflags.LOGIC, 0, 0, res, 4);
                return branch(c, Eflags.logicTest(cc >> 1, res, 4));
            }
            case INCJ -> {
                int res = incLast(c, r[reg]);
                r[reg] = res;
                return branch(c, incDecTest(c, res));
            }
            case DECJ -> {
                int res = decLast(c, r[reg]);
                r[reg] = res;
                return branch(c, incDecTest(c, res));
            }
            default -> throw new IllegalStateException("fast form kind " + kind + " at " + Integer.toHexString(eip));
        }
        c.eip = next;
        return true;
    }

    /** CMP a, b (32-bit) and the fused Jcc. */
    private boolean compareAndBranch(CpuCore c, int a, int b) {
        int res = a - b;
        c.ef.recordLast(Eflags.SUB, a, b, res, 4);
        return branch(c, Eflags.subTest(cc >> 1, a, b, res));
    }

    /** The fused Jcc: {@code test} is its condition before the negation bit {@code cc & 1}. */
    private boolean branch(CpuCore c, boolean test) {
        if (test != ((cc & 1) != 0)) {
            c.eip = target;
            return false;
        }
        c.eip = next;
        return true;
    }

    /**
     * The fused Jcc's test after INC/DEC with 32-bit result {@code res}: ZF and SF directly, the
     * rest (CF is the one from before, OF the edge case) through the recorded flags.
     */
    private boolean incDecTest(CpuCore c, int res) {
        return switch (cc >> 1) {
            case 2 -> res == 0;
            case 4 -> res < 0;
            default -> c.ef.condition(cc & ~1);
        };
    }

    // 32-bit flag updates that are their instruction's last effect (operands already read, only a
    // register written after): Eflags.recordLast skips the rollback copy a later fault would need.

    public static int addLast(CpuCore c, int a, int b) {
        int res = a + b;
        c.ef.recordLast(Eflags.ADD, a, b, res, 4);
        return res;
    }

    public static int subLast(CpuCore c, int a, int b) {
        int res = a - b;
        c.ef.recordLast(Eflags.SUB, a, b, res, 4);
        return res;
    }

    public static int logicLast(CpuCore c, int res) {
        c.ef.recordLast(Eflags.LOGIC, 0, 0, res, 4);
        return res;
    }

    /** ADC (carry 1) or ADD; the carry-in is read by the caller before anything can change it. */
    public static int adcLast(CpuCore c, int a, int b, int carry) {
        int res = a + b + carry;
        c.ef.recordLast(carry == 0 ? Eflags.ADD : Eflags.ADC, a, b, res, 4);
        return res;
    }

    /** SBB (borrow 1) or SUB. */
    public static int sbbLast(CpuCore c, int a, int b, int borrow) {
        int res = a - b - borrow;
        c.ef.recordLast(borrow == 0 ? Eflags.SUB : Eflags.SBB, a, b, res, 4);
        return res;
    }

    // Read-modify-write r/m forms store first and record the flags after: the store is the only
    // step that can fault, so a fault leaves the flags untouched and no rollback copy is needed.

    private void addE(CpuCore c, int a, int b, int carry) {
        int res = a + b + carry;
        writeE(c, res);
        c.ef.recordLast(carry == 0 ? Eflags.ADD : Eflags.ADC, a, b, res, 4);
    }

    private void subE(CpuCore c, int a, int b, int borrow) {
        int res = a - b - borrow;
        writeE(c, res);
        c.ef.recordLast(borrow == 0 ? Eflags.SUB : Eflags.SBB, a, b, res, 4);
    }

    private void logicE(CpuCore c, int res) {
        writeE(c, res);
        c.ef.recordLast(Eflags.LOGIC, 0, 0, res, 4);
    }

    /** Signed 32x32 multiply keeping the low half; flags as {@link ArithOps#mulFlags}. */
    private static int imulLast(CpuCore c, int a, int b) {
        long p = (long) a * (long) b;
        ArithOps.mulFlags(c, p != (int) p, (int) p, 4);
        return (int) p;
    }

    public static int incLast(CpuCore c, int a) {
        int res = a + 1;
        c.ef.recordLast(c.ef.cf() != 0 ? Eflags.INC_CF1 : Eflags.INC_CF0, a, 1, res, 4);
        return res;
    }

    public static int decLast(CpuCore c, int a) {
        int res = a - 1;
        c.ef.recordLast(c.ef.cf() != 0 ? Eflags.DEC_CF1 : Eflags.DEC_CF0, a, 1, res, 4);
        return res;
    }

    /** A near branch target, checked against the CS limit like {@link CpuCore#jumpNear}. */
    private static int target(CpuCore c, int t) {
        if (Integer.compareUnsigned(t, c.seg[CpuCore.CS].limit) > 0) {
            throw CpuFault.gp(0);
        }
        return t;
    }
}
