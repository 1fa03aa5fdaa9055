package dev.tern.x86.ops;

import dev.tern.x86.conformance.FlatGuestMemory;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.memory.PhysicalMemory;

/**
 * Lazy flags against the former eager arithmetic ({@link EagerAlu}): every flag-setting family
 * the lazy record covers, over edge and random operands in all three sizes, starting both from
 * explicit EFLAGS and from a still-lazy previous result. Conditions are compared before anything
 * materialises the record, then the full EFLAGS value.
 */
class LazyFlagsTest {

    private static final int[] EDGES = {0, 1, 2, 0x0f, 0x10, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff,
        0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x80000001};

    /** The op families: 0..7 the group-1 ALU operations, then INC, DEC, NEG. */
    private static final int FAMILIES = 11;

    private final CpuCore core = new CpuCore(new PhysicalMemory(new FlatGuestMemory(1 << 16), null));

    @Test
    void everyFamilyMatchesTheEagerResultFromExplicitFlags() {
        SplittableRandom rnd = new SplittableRandom(20261122L);
        for (int i = 0; i < 200_000; i++) {
            int before = (rnd.nextInt() & 0x3f7fd5) | 2;
            core.setFlags(before);
            check(before, rnd.nextInt(FAMILIES), operand(rnd), operand(rnd), size(rnd), i);
        }
    }

    @Test
    void everyFamilyMatchesTheEagerResultAfterALazyResult() {
        SplittableRandom rnd = new SplittableRandom(7L);
        for (int i = 0; i < 200_000; i++) {
            int system = (rnd.nextInt() & 0x3f7fd5 & ~CpuCore.STATUS) | 2;
            core.setFlags(system);
            // A first operation leaves a lazy record; the second reads its CF (ADC, SBB, INC, DEC).
            EagerAlu.Outcome first = apply(system, rnd.nextInt(FAMILIES), operand(rnd), operand(rnd), size(rnd));
            check(first.flags(), rnd.nextInt(FAMILIES), operand(rnd), operand(rnd), size(rnd), i);
        }
    }

    @Test
    void eagerlySetStatusFlagsReplaceALazyRecordAndKeepTheSystemFlags() {
        core.setFlags(0x202 | CpuCore.DF);
        Alu.sub(core, 1, 2, 0, 4);
        core.ef.setStatus(CpuCore.ZF | CpuCore.PF);
        assertEquals(0x202 | CpuCore.DF | CpuCore.ZF | CpuCore.PF, core.flags());
        Alu.add(core, 0xff, 1, 0, 1);
        core.setFlag(CpuCore.CF, false);
        assertEquals(0x202 | CpuCore.DF | CpuCore.ZF | CpuCore.PF | CpuCore.AF, core.flags(),
                "0xff+1 in a byte: ZF PF AF CF, then CF cleared alone");
        Alu.logic(core, 0x80, 1);
        assertEquals(0x202 | CpuCore.DF, core.flags(CpuCore.IF | CpuCore.DF | CpuCore.TF) | 2,
                "reading system flags does not need the lazy record");
        assertEquals(CpuCore.SF, core.flags() & CpuCore.STATUS);
    }

    private void check(int before, int family, int a, int b, int size, int iteration) {
        EagerAlu.Outcome want = eager(before, family, a, b, size);
        int got = run(family, a, b, size);
        String what = "case " + iteration + ": family " + family + " a=" + Integer.toHexString(a) + " b="
                + Integer.toHexString(b) + " size " + size + " flags before " + Integer.toHexString(before);
        if (family != 7) {
            assertEquals(want.result(), got, what + ": result");
        }
        for (int cc = 0; cc < 16; cc++) {
            if (core.condition(cc) != EagerAlu.condition(want.flags(), cc)) {
                fail(what + ": condition " + cc + " differs (eager flags " + Integer.toHexString(want.flags()) + ")");
            }
        }
        assertEquals(want.flags() & CpuCore.CF, core.ef.cf(), what + ": CF alone");
        assertEquals(want.flags(), core.flags(), what + ": EFLAGS");
    }

    /** Runs the lazy operation and returns the eager oracle's outcome for the same step. */
    private EagerAlu.Outcome apply(int before, int family, int a, int b, int size) {
        run(family, a, b, size);
        return eager(before, family, a, b, size);
    }

    private static EagerAlu.Outcome eager(int before, int family, int a, int b, int size) {
        return switch (family) {
            case 8 -> EagerAlu.inc(before, a, size);
            case 9 -> EagerAlu.dec(before, a, size);
            case 10 -> EagerAlu.neg(before, a, size);
            default -> EagerAlu.op(before, family, a, b, size);
        };
    }

    private int run(int family, int a, int b, int size) {
        return switch (family) {
            case 8 -> Alu.inc(core, a, size);
            case 9 -> Alu.dec(core, a, size);
            case 10 -> Alu.neg(core, a, size);
            default -> Alu.op(core, family, a, b, size);
        };
    }

    private static int operand(SplittableRandom rnd) {
        int junk = rnd.nextBoolean() ? 0 : rnd.nextInt() & 0xffff0000;
        return switch (rnd.nextInt(3)) {
            case 0 -> EDGES[rnd.nextInt(EDGES.length)] ^ junk;
            case 1 -> EDGES[rnd.nextInt(EDGES.length)] + rnd.nextInt(-2, 3);
            default -> rnd.nextInt();
        };
    }

    private static int size(SplittableRandom rnd) {
        return switch (rnd.nextInt(3)) {
            case 0 -> 1;
            case 1 -> 2;
            default -> 4;
        };
    }
}
