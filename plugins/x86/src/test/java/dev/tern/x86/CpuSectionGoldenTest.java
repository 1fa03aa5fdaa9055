package dev.tern.x86;

import dev.tern.kernel.state.SectionFrame;
import dev.tern.spi.state.StateSection;
import dev.tern.testkit.state.GoldenEncoding;
import dev.tern.x86.fpu.Float80;
import dev.tern.x86.fpu.X87State;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The golden encoding of "x86-cpu": a protected-mode CPU with every part of the state populated
 * (descriptor caches, FPU stack, debug registers, TSC offset, APIC base, instruction count, a
 * pending interrupt request inside an interrupt shadow). The state is written out rather than
 * reached by executing code, so interpreter changes cannot move the golden; only a change of what
 * the CPU saves can.
 */
class CpuSectionGoldenTest {

    private static final GoldenEncoding GOLDEN = GoldenEncoding.inModule(SectionFrame::encode, SectionFrame::load);

    private static X86Cpu cpu() {
        RegionListMemory memory = new RegionListMemory().add("ram", 0, 0x100000, false);
        return new X86Cpu(0, memory, null, null, null, () -> 0L, 1_000_000_000L, 0x611);
    }

    static X86State protectedModeState() {
        SegmentState code = new SegmentState(0x08, 0, 0xffff_ffff, 0xc09b, true);
        SegmentState data = new SegmentState(0x10, 0, 0xffff_ffff, 0xc093, true);
        SegmentState fs = new SegmentState(0x33, 0x7ffd_f000, 0xfff, 0x40f3, true);
        SegmentState gs = new SegmentState(0, 0, 0, 0, false);
        SegmentState ldtr = new SegmentState(0x28, 0x0009_0000, 0x7f, 0x82, true);
        SegmentState tr = new SegmentState(0x20, 0x0008_f000, 0x67, 0x8b, true);
        List<Float80> stack = List.of(new Float80(0x3fff, 0x8000_0000_0000_0000L),
                new Float80(0xc000, 0xc90f_daa2_2168_c235L), new Float80(0, 0), new Float80(0, 0),
                new Float80(0, 0), new Float80(0, 0), new Float80(0x4005, 0xc800_0000_0000_0000L),
                new Float80(0x7fff, 0xc000_0000_0000_0000L));
        X87State fpu = new X87State(0x037f, 0x3000, 0x0ff0, 0x0010_2345, 0x08, 0x01d9, 0x0020_0040, 0x10, stack);
        return new X86State(new int[] {0x1111_1111, 0x2222_2222, 0x3333_3333, 0x4444_4444, 0x0009_fff0, 0x0009_ff00,
                0x5555_5555, 0x6666_6666}, 0x0010_0abc, 0x0000_0246, List.of(data, code, data, data, fs, gs), ldtr, tr,
                0x0009_1000, 0x3f, 0x0009_2000, 0x7ff, 0x0000_0011, 0x0040_1000, 0, 0x10,
                new int[] {0x1000, 0x2000, 0, 0, 0, 0, 0xffff_0ff0, 0x0000_0403}, 0, -123_456_789L, 0xfee0_0900L,
                987_654_321L, false, true, true, true, fpu);
    }

    @Test
    void x86CpuInProtectedModeWithFpuStackAndPendingInterrupt() {
        X86Cpu cpu = cpu();
        cpu.load(protectedModeState());
        StateSection<?> s = cpu.sections().getFirst();
        assertEquals("x86-cpu", s.name());
        check(s);
    }

    @SuppressWarnings("unchecked")
    private static <S extends Record> void check(StateSection<S> s) {
        GOLDEN.check(s, () -> (StateSection<S>) cpu().sections().getFirst());
    }
}
