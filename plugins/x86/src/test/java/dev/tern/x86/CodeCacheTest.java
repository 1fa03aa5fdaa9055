package dev.tern.x86;

import dev.tern.x86.jit.CompilingTier;
import dev.tern.x86.jit.TierStats;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compiling tier's bounds and its translator thread, each checked against an interpreting
 * machine in the same random run slices ({@link JitDifferentialTest}'s random loops): a code cache
 * of three translations evicts on every loop of more blocks and must still leave the interpreter's
 * state after every slice; translations made on the translator thread and installed mid-run must too.
 */
class CodeCacheTest {

    @Test
    void aFullCodeCacheEvictsAndStillMatchesTheInterpreter() {
        long evicted = 0;
        long translated = 0;
        for (int seed = 0; seed < 20; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            int[] program = JitDifferentialTest.program(rnd);
            int[] registers = registers(rnd);
            TestMachine jit = JitDifferentialTest.machine(program, registers, false);
            jit.cpu.setTier(new CompilingTier(16, true, 3));
            TestMachine interp = JitDifferentialTest.machine(program, registers, false);
            JitDifferentialTest.runSideBySide(jit, interp, new SplittableRandom(seed * 17L + 3), "seed " + seed);
            TierStats s = jit.cpu.tierStats();
            assertTrue(s.live() <= 3, "at most three translations live: " + s.summary());
            evicted += s.evicted();
            translated += s.translated();
        }
        System.out.printf("CodeCacheTest: %d translations, %d evicted%n", translated, evicted);
        assertTrue(evicted > 10, "loops of several blocks evicted translations: " + evicted);
        assertTrue(translated > evicted, "evicted blocks were translated again when hot again: " + translated);
    }

    @Test
    void theByteCapEvictsBeforeTheCountCapAndStillMatchesTheInterpreter() {
        int[] program = manyLoops(40);
        int[] registers = registers(new SplittableRandom(7));
        // Uncapped first, to learn what a translation of these loops weighs.
        TestMachine free = JitDifferentialTest.machine(program, registers, false);
        free.cpu.setTier(new CompilingTier(16, true, CompilingTier.CACHE_BLOCKS));
        TestMachine interp = JitDifferentialTest.machine(program, registers, false);
        JitDifferentialTest.runSideBySide(free, interp, new SplittableRandom(11), "uncapped");
        TierStats all = free.cpu.tierStats();
        assertTrue(all.live() >= 40 && all.evicted() == 0, "every loop translated and kept: " + all.summary());
        long cap = 4 * all.bytes() / all.translated();

        TestMachine capped = JitDifferentialTest.machine(program, registers, false);
        capped.cpu.setTier(new CompilingTier(16, true, CompilingTier.CACHE_BLOCKS, cap));
        interp = JitDifferentialTest.machine(program, registers, false);
        JitDifferentialTest.runSideBySide(capped, interp, new SplittableRandom(11), "capped at " + cap + " bytes");
        TierStats s = capped.cpu.tierStats();
        assertEquals(all.translated(), s.translated(), "the same blocks were translated: " + s.summary());
        assertTrue(s.liveBytes() <= cap && s.live() < 8, "live translations within " + cap + " bytes: " + s.summary());
        assertTrue(s.evicted() >= 30, "older loops' translations made room: " + s.summary());
        assertEquals(s.translated() - s.evicted() - s.invalidated(), s.live(), s.summary());
        assertEquals(all.instructions(), s.instructions(), "each loop still ran translated until it ended");
    }

    /** {@code n} loops one after the other, each of its own instructions: {@code mov ebp, 50; L: alu ...; dec ebp; jnz L}. */
    private static int[] manyLoops(int n) {
        GuestCode code = new GuestCode();
        for (int k = 0; k < n; k++) {
            code.add(0xBD).add32(50);
            int loop = code.size();
            code.add(0x81, 0xC0 | (k % 3)).add32(k * 0x01010101); // add eax/ecx/edx, imm32
            code.add(0x31, 0xC3 | ((k % 3) << 3));                   // xor ebx, eax/ecx/edx
            code.add(0x4D);
            code.add(0x75, loop - (code.size() + 2));
        }
        code.add(0xF4);
        return code.toArray();
    }

    @Test
    void backgroundTranslationsInstalledMidRunMatchTheInterpreter() throws InterruptedException {
        long translated = 0;
        for (int seed = 0; seed < 20; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            int[] program = JitDifferentialTest.program(rnd);
            int[] registers = registers(rnd);
            TestMachine jit = JitDifferentialTest.machine(program, registers, false);
            CompilingTier tier = new CompilingTier(16, false, CompilingTier.CACHE_BLOCKS);
            jit.cpu.setTier(tier);
            TestMachine interp = JitDifferentialTest.machine(program, registers, false);
            // Past the threshold of every block of the loop, then with whatever was translated.
            long first = 40L * 32;
            assertEquals(jit.cpu.run(first).getClass(), interp.cpu.run(first).getClass(), "seed " + seed);
            tier.awaitTranslations();
            JitDifferentialTest.runSideBySide(jit, interp, new SplittableRandom(seed * 13L + 5), "seed " + seed);
            translated += tier.stats().translated();
            assertTrue(tier.stats().queueFull() == 0, "a few blocks never fill the queue");
        }
        assertTrue(translated > 20, "translations were installed mid-run: " + translated);
    }

    private static int[] registers(SplittableRandom rnd) {
        int[] registers = new int[8];
        for (int r : JitDifferentialTest.REGS) {
            registers[r] = rnd.nextInt();
        }
        return registers;
    }
}
