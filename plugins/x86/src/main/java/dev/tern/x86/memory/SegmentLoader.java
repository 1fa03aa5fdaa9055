package dev.tern.x86.memory;

import static dev.tern.x86.core.CpuCore.CS;
import static dev.tern.x86.core.CpuCore.SS;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;

/** Descriptor-table access and the protection checks of loading data and stack segments. */
public final class SegmentLoader {

    private SegmentLoader() {
    }

    /** Linear address of a selector's descriptor, or #GP(selector) when outside the table. */
    public static int descriptorAddress(CpuCore c, int sel, int vector) {
        int index = sel & 0xfff8;
        int base;
        int limit;
        if ((sel & 4) != 0) {
            if (!c.ldtr.usable || c.ldtr.selector == 0) {
                throw CpuFault.withCode(vector, sel & 0xfffc);
            }
            base = c.ldtr.base;
            limit = c.ldtr.limit;
        } else {
            base = c.gdtBase;
            limit = c.gdtLimit;
        }
        if (Integer.compareUnsigned(index + 7, limit) > 0) {
            throw CpuFault.withCode(vector, sel & 0xfffc);
        }
        return base + index;
    }

    /** Reads the descriptor of {@code sel}; out-of-table selectors raise {@code vector}(sel). */
    public static Descriptor read(CpuCore c, int sel, int vector) {
        int a = descriptorAddress(c, sel, vector);
        return new Descriptor(c.readSys32(a), c.readSys32(a + 4));
    }

    /** Sets the accessed bit of a segment descriptor in memory if it is clear. */
    public static void markAccessed(CpuCore c, int sel, Descriptor d) {
        if ((d.hi() & 0x100) == 0) {
            int a = descriptorAddress(c, sel, CpuFault.GP);
            c.writeSys8(a + 5, (d.hi() >>> 8 | 1) & 0xff);
        }
    }

    /** MOV/POP/LDS-style load of a data or stack segment register (not CS). */
    public static void load(CpuCore c, int s, int sel) {
        sel &= 0xffff;
        if (!c.pmode()) {
            c.seg[s].loadReal(sel);
            if (c.v86()) {
                c.seg[s].set(sel, sel << 4, 0xffff, 0xf3, true);
            }
            return;
        }
        if (s == SS) {
            loadStack(c, sel);
            return;
        }
        if ((sel & 0xfffc) == 0) {
            c.seg[s].set(sel, 0, 0, 0, false);
            return;
        }
        Descriptor d = read(c, sel, CpuFault.GP);
        if (!d.readable()) {
            throw CpuFault.gp(sel & 0xfffc);
        }
        if (!d.conforming() && ((sel & 3) > d.dpl() || c.cpl > d.dpl())) {
            throw CpuFault.gp(sel & 0xfffc);
        }
        if (!d.present()) {
            throw CpuFault.withCode(CpuFault.NP, sel & 0xfffc);
        }
        markAccessed(c, sel, d);
        d.loadInto(c.seg[s], sel);
        c.seg[s].attr |= 1;
    }

    private static void loadStack(CpuCore c, int sel) {
        Descriptor d = checkStack(c, sel, c.cpl, CpuFault.GP);
        markAccessed(c, sel, d);
        d.loadInto(c.seg[SS], sel);
        c.seg[SS].attr |= 1;
    }

    /** The checks for a stack segment to be used at privilege {@code cpl}; failures raise vector. */
    public static Descriptor checkStack(CpuCore c, int sel, int cpl, int vector) {
        if ((sel & 0xfffc) == 0) {
            throw CpuFault.withCode(vector, 0);
        }
        if ((sel & 3) != cpl) {
            throw CpuFault.withCode(vector, sel & 0xfffc);
        }
        Descriptor d = read(c, sel, vector);
        if (!d.writableData() || d.dpl() != cpl) {
            throw CpuFault.withCode(vector, sel & 0xfffc);
        }
        if (!d.present()) {
            throw CpuFault.withCode(CpuFault.SS, sel & 0xfffc);
        }
        return d;
    }

    /** After a return to an outer ring: data segments more privileged than the new CPL become null. */
    public static void nullifyInaccessible(CpuCore c) {
        for (int s : new int[] {CpuCore.ES, CpuCore.DS, CpuCore.FS, CpuCore.GS}) {
            Segment sg = c.seg[s];
            boolean dataOrNonConforming = !sg.isCode() || (sg.attr & Segment.DC) == 0;
            if (sg.usable && dataOrNonConforming && sg.dpl() < c.cpl) {
                sg.set(0, 0, 0, 0, false);
            }
        }
    }

    /** Loads CS from a checked descriptor and sets CPL to the selector's RPL. */
    public static void loadCode(CpuCore c, int sel, Descriptor d, int newCpl) {
        markAccessed(c, sel, d);
        d.loadInto(c.seg[CS], (sel & 0xfffc) | newCpl);
        c.seg[CS].attr |= 1;
        c.setCpl(newCpl);
    }
}
