package dev.tern.x86.ops;

import static dev.tern.x86.core.CpuCore.EAX;
import static dev.tern.x86.core.CpuCore.EBX;
import static dev.tern.x86.core.CpuCore.ECX;
import static dev.tern.x86.core.CpuCore.EDX;
import static dev.tern.x86.core.CpuCore.ZF;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;
import dev.tern.x86.memory.Descriptor;
import dev.tern.x86.memory.SegmentLoader;
import dev.tern.x86.transfer.FastSystemCall;

/**
 * System instructions: descriptor-table registers, LDTR/TR, control and debug registers, LAR/LSL,
 * VERR/VERW, CPUID, RDTSC/RDTSCP and the model-specific registers.
 */
public final class SystemOps {

    /** CPUID.1:EDX bits this CPU implements (FPU is added once an x87 unit is attached). */
    public static final int FEATURE_VME = 1 << 1, FEATURE_PSE = 1 << 3, FEATURE_TSC = 1 << 4, FEATURE_MSR = 1 << 5,
            FEATURE_CX8 = 1 << 8, FEATURE_APIC = 1 << 9, FEATURE_SEP = 1 << 11, FEATURE_PGE = 1 << 13,
            FEATURE_CMOV = 1 << 15, FEATURE_FXSR = 1 << 24, FEATURE_FPU = 1;
    /** CPUID 0x80000001:EDX.RDTSCP. */
    public static final int FEATURE_RDTSCP = 1 << 27;
    /** CR4 bits that may be set: VME, PVI, TSD, DE, PSE, PGE; OSFXSR (0x200) too once FXSR is advertised. */
    static final int CR4_WRITABLE = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x80;
    static final int CR4_OSFXSR = 0x200;
    /** The highest extended CPUID leaf. */
    private static final int EXTENDED_MAX = 0x80000001;
    public static final int MSR_TSC_AUX = 0xc0000103;

    private final CpuCore c;
    private final TimeStampCounter tsc;
    private final int signature;
    private boolean fpuPresent;
    /** The local APIC's initial ID, or -1 without a local APIC (CPUID then says so). */
    private int apicId = -1;
    private long apicBase = 0xfee00100L;
    private final FastSystemCall fastCall = new FastSystemCall();
    /** IA32_TSC_AUX: 32 bits an OS stores (Linux: the CPU and node number) for RDTSCP to return. */
    private int tscAux;

    public SystemOps(CpuCore c, TimeStampCounter tsc, int signature) {
        this.c = c;
        this.tsc = tsc;
        this.signature = signature;
    }

    public void setFpuPresent(boolean present) {
        this.fpuPresent = present;
    }

    public TimeStampCounter tsc() {
        return tsc;
    }

    private void requireRing0() {
        if (c.protectedMode() && (c.cpl != 0 || c.v86())) {
            throw CpuFault.gp(0);
        }
    }

    private void requireProtected() {
        if (!c.pmode()) {
            throw CpuFault.ud();
        }
    }

    /** 0F 00: SLDT, STR, LLDT, LTR, VERR, VERW. */
    public void group6() {
        requireProtected();
        switch (c.reg) {
            case 0 -> storeSelector(c.ldtr.selector);
            case 1 -> storeSelector(c.tr.selector);
            case 2 -> {
                requireRing0();
                lldt(c.readE16());
            }
            case 3 -> {
                requireRing0();
                ltr(c.readE16());
            }
            case 4, 5 -> verify(c.readE16(), c.reg == 5);
            default -> throw CpuFault.ud();
        }
    }

    private void storeSelector(int sel) {
        if (c.memOp) {
            c.write16(c.eaSeg, c.eaOff, sel);
        } else {
            c.setV(c.rm, sel);
        }
    }

    private void lldt(int sel) {
        if ((sel & 0xfffc) == 0) {
            c.ldtr.set(sel, 0, 0, 0, false);
            return;
        }
        if ((sel & 4) != 0) {
            throw CpuFault.gp(sel & 0xfffc);
        }
        Descriptor d = SegmentLoader.read(c, sel, CpuFault.GP);
        if (!d.system() || d.type() != 2) {
            throw CpuFault.gp(sel & 0xfffc);
        }
        if (!d.present()) {
            throw CpuFault.withCode(CpuFault.NP, sel & 0xfffc);
        }
        d.loadInto(c.ldtr, sel);
    }

    private void ltr(int sel) {
        if ((sel & 0xfffc) == 0 || (sel & 4) != 0) {
            throw CpuFault.gp(sel & 0xfffc);
        }
        Descriptor d = SegmentLoader.read(c, sel, CpuFault.GP);
        if (!d.system() || (d.type() != 1 && d.type() != 9)) {
            throw CpuFault.gp(sel & 0xfffc);
        }
        if (!d.present()) {
            throw CpuFault.withCode(CpuFault.NP, sel & 0xfffc);
        }
        int a = SegmentLoader.descriptorAddress(c, sel, CpuFault.GP);
        c.writeSys8(a + 5, (d.hi() >>> 8 | 2) & 0xff);
        c.tr.set(sel, d.base(), d.limit(), d.attr() | 2, true);
    }

    /** Reads a descriptor for LAR/LSL/VERR/VERW; null when the selector is unusable. */
    private Descriptor probe(int sel) {
        if ((sel & 0xfffc) == 0) {
            return null;
        }
        int index = sel & 0xfff8;
        int limit = (sel & 4) != 0 ? (c.ldtr.usable ? c.ldtr.limit : -1) : c.gdtLimit;
        if (limit < 0 || Integer.compareUnsigned(index + 7, limit) > 0) {
            return null;
        }
        return SegmentLoader.read(c, sel, CpuFault.GP);
    }

    private boolean privilegeOk(int sel, Descriptor d) {
        return d.conforming() || (d.dpl() >= c.cpl && d.dpl() >= (sel & 3));
    }

    private void verify(int sel, boolean write) {
        Descriptor d = probe(sel);
        boolean ok = d != null && !d.system() && privilegeOk(sel, d)
                && (write ? d.writableData() : d.readable());
        c.setFlag(ZF, ok);
    }

    /** LAR (0F 02) and LSL (0F 03). */
    public void larLsl(boolean lsl) {
        requireProtected();
        int sel = c.readE16();
        Descriptor d = probe(sel);
        boolean ok = d != null && privilegeOk(sel, d);
        if (ok && d.system()) {
            int t = d.type();
            ok = lsl ? (t == 1 || t == 2 || t == 3 || t == 9 || t == 11)
                    : (t == 1 || t == 2 || t == 3 || t == 4 || t == 5 || t == 9 || t == 11 || t == 12);
        }
        c.setFlag(ZF, ok);
        if (ok) {
            c.setV(c.reg, lsl ? d.limit() : d.hi() & 0x00f0ff00);
        }
    }

    /** 0F 01: SGDT, SIDT, LGDT, LIDT, SMSW, LMSW, INVLPG. */
    public void group7() {
        switch (c.reg) {
            case 0, 1 -> {
                if (!c.memOp) {
                    throw CpuFault.ud();
                }
                boolean gdt = c.reg == 0;
                c.probeWrite(c.eaSeg, c.eaOff, 6);
                c.write16(c.eaSeg, c.eaOff, gdt ? c.gdtLimit : c.idtLimit);
                c.write32(c.eaSeg, c.eaOff + 2, gdt ? c.gdtBase : c.idtBase);
            }
            case 2, 3 -> {
                if (!c.memOp) {
                    throw CpuFault.ud();
                }
                requireRing0();
                int limit = c.read16(c.eaSeg, c.eaOff);
                int base = c.read32(c.eaSeg, c.eaOff + 2);
                if (!c.op32) {
                    base &= 0xffffff;
                }
                if (c.reg == 2) {
                    c.gdtBase = base;
                    c.gdtLimit = limit;
                } else {
                    c.idtBase = base;
                    c.idtLimit = limit;
                }
            }
            case 4 -> {
                if (c.memOp) {
                    c.write16(c.eaSeg, c.eaOff, c.cr0);
                } else {
                    c.setV(c.rm, c.cr0);
                }
            }
            case 6 -> {
                requireRing0();
                int v = c.readE16() & 0xf;
                // LMSW can set PE but never clear it.
                int pe = (c.cr0 | v) & 1;
                writeCr0((c.cr0 & ~0xf) | (v & 0xe) | pe);
            }
            case 7 -> {
                if (!c.memOp && c.rm == 1) {
                    rdtscp();
                    return;
                }
                if (!c.memOp) {
                    throw CpuFault.ud();
                }
                requireRing0();
                c.mmu.invalidate(c.seg[c.eaSeg].base + c.eaOff);
            }
            default -> throw CpuFault.ud();
        }
    }

    /** MOV r32, CRn / MOV CRn, r32 / MOV r32, DRn / MOV DRn, r32 (0F 20..23). */
    public void moveControl(int op) {
        requireRing0();
        int n = c.reg;
        switch (op & 3) {
            case 0 -> c.r[c.rm] = switch (n) {
                case 0 -> c.cr0;
                case 2 -> c.cr2;
                case 3 -> c.cr3;
                case 4 -> c.cr4;
                default -> throw CpuFault.ud();
            };
            case 2 -> writeCr(n, c.r[c.rm]);
            case 1 -> c.r[c.rm] = c.dr[c.debug.resolve(n)];
            default -> c.debug.write(c.debug.resolve(n), c.r[c.rm]);
        }
    }

    private void writeCr(int n, int v) {
        switch (n) {
            case 0 -> writeCr0(v);
            case 2 -> c.cr2 = v;
            case 3 -> {
                c.cr3 = v & 0xfffff018;
                c.pagingChanged();
            }
            case 4 -> {
                if ((v & ~(CR4_WRITABLE | (fpuPresent ? CR4_OSFXSR : 0))) != 0) {
                    throw CpuFault.gp(0);
                }
                c.cr4 = v;
                c.pagingChanged();
                // CR4.DE decides whether R/W = 10 breakpoints watch I/O ports.
                c.debug.configure();
            }
            default -> throw CpuFault.ud();
        }
    }

    /** CR0 with the reserved-combination checks (PG without PE, NW without CD). */
    public void writeCr0(int v) {
        if ((v & 0x80000001) == 0x80000000 || (v & 0x60000000) == 0x20000000) {
            throw CpuFault.gp(0);
        }
        c.cr0 = (v & 0xe005003f) | 0x10;
        c.pagingChanged();
    }

    public void clts() {
        requireRing0();
        c.cr0 &= ~0x8;
    }

    public void privileged() {
        requireRing0();
    }

    public void cpuid() {
        int leaf = c.r[EAX];
        if (leaf == 0x80000000 || leaf == EXTENDED_MAX) {
            c.r[EAX] = leaf == 0x80000000 ? EXTENDED_MAX : 0;
            c.r[EBX] = 0;
            c.r[ECX] = 0;
            c.r[EDX] = leaf == 0x80000000 ? 0 : FEATURE_RDTSCP;
            return;
        }
        // Any other leaf above the highest basic one answers as that leaf, as Intel's CPUs do.
        if (Integer.compareUnsigned(leaf, 1) > 0) {
            leaf = 1;
        }
        if (leaf == 0) {
            c.r[EAX] = 1;
            c.r[EBX] = 0x756e6547; // "Genu"
            c.r[EDX] = 0x49656e69; // "ineI"
            c.r[ECX] = 0x6c65746e; // "ntel"
        } else {
            c.r[EAX] = signature;
            c.r[EBX] = apicId < 0 ? 0 : apicId << 24;
            c.r[ECX] = 0;
            c.r[EDX] = features();
        }
    }

    public int features() {
        int f = FEATURE_VME | FEATURE_PSE | FEATURE_TSC | FEATURE_MSR | FEATURE_CX8 | FEATURE_SEP | FEATURE_PGE | FEATURE_CMOV
                | (apicId < 0 ? 0 : FEATURE_APIC);
        return fpuPresent ? f | FEATURE_FPU | FEATURE_FXSR : f;
    }

    public void rdtsc() {
        if ((c.cr4 & 0x4) != 0 && c.protectedMode() && c.cpl != 0) {
            throw CpuFault.gp(0);
        }
        long t = tsc.read();
        c.r[EAX] = (int) t;
        c.r[EDX] = (int) (t >>> 32);
    }

    /** RDTSCP (0F 01 F9): RDTSC's value and CR4.TSD rule, plus IA32_TSC_AUX in ECX. */
    private void rdtscp() {
        rdtsc();
        c.r[ECX] = tscAux;
    }

    /** SYSENTER (0F 34). */
    public void sysenter() {
        fastCall.enter(c);
    }

    /** SYSEXIT (0F 35). */
    public void sysexit() {
        fastCall.exit(c);
    }

    /** The SYSENTER/SYSEXIT unit, for its counts. */
    public FastSystemCall fastSystemCall() {
        return fastCall;
    }

    public void rdmsr() {
        requireRing0();
        long v = switch (c.r[ECX]) {
            case 0x10 -> tsc.read();
            case 0x1b -> apicBase;
            case 0x17, 0x2a, 0x8b, 0xfe -> 0;
            case FastSystemCall.MSR_CS, FastSystemCall.MSR_ESP, FastSystemCall.MSR_EIP -> fastCall.read(c.r[ECX]);
            case MSR_TSC_AUX -> tscAux & 0xffffffffL;
            default -> throw CpuFault.gp(0);
        };
        c.r[EAX] = (int) v;
        c.r[EDX] = (int) (v >>> 32);
    }

    public void wrmsr() {
        requireRing0();
        long v = (c.r[EAX] & 0xffffffffL) | ((long) c.r[EDX] << 32);
        switch (c.r[ECX]) {
            case 0x10 -> tsc.write(v);
            case 0x1b -> apicBase = v & 0xfffff900L;
            case 0x8b -> { }
            case FastSystemCall.MSR_CS, FastSystemCall.MSR_ESP, FastSystemCall.MSR_EIP -> fastCall.write(c.r[ECX], v);
            case MSR_TSC_AUX -> {
                if ((v >>> 32) != 0) {
                    throw CpuFault.gp(0); // bits 63:32 are reserved
                }
                tscAux = (int) v;
            }
            default -> throw CpuFault.gp(0);
        }
    }

    /**
     * A local APIC with initial ID {@code id} was connected: CPUID advertises it, and IA32_APIC_BASE
     * reads its page at 0xFEE00000, globally enabled, with the BSP flag on the bootstrap processor.
     */
    public void attachApic(int id, boolean bootstrap) {
        apicId = id;
        apicBase = 0xfee00800L | (bootstrap ? 0x100 : 0);
    }

    public long apicBase() {
        return apicBase;
    }

    public void setApicBase(long v) {
        apicBase = v;
    }

    /** The MSRs this CPU keeps beyond the TSC and IA32_APIC_BASE, for a saved state. */
    public ModelSpecificRegisters msrs() {
        return new ModelSpecificRegisters((int) fastCall.read(FastSystemCall.MSR_CS),
                (int) fastCall.read(FastSystemCall.MSR_ESP), (int) fastCall.read(FastSystemCall.MSR_EIP), tscAux);
    }

    public void setMsrs(ModelSpecificRegisters m) {
        fastCall.write(FastSystemCall.MSR_CS, m.sysenterCs());
        fastCall.write(FastSystemCall.MSR_ESP, m.sysenterEsp());
        fastCall.write(FastSystemCall.MSR_EIP, m.sysenterEip());
        tscAux = m.tscAux();
    }
}
