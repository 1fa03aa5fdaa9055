package dev.tern.cli;

import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.x86.X86Cpu;
import dev.tern.x86.jit.TierStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Debian boot to its shell prompt, warp-paced (a pure function of its inputs), interpreted and
 * with the compiling tier translating inline every block entered {@value #TRANSLATE_AFTER} times:
 * the console output, the exit, the instruction count and the whole machine state at the same
 * instruction past the prompt must be identical. Skipped without guest/ (scripts/fetch-guest.sh).
 */
class LinuxJitDifferentialTest {

    /** Past the prompt (about 537 M instructions); both machines stop here. */
    private static final long STOP_AT = 560_000_000L;
    /** Low enough that the boot's hot code is translated early, high enough to keep the classes few. */
    private static final int TRANSLATE_AFTER = 2000;

    record Run(String console, MachineExit exit, long instructions, String state, TierStats tier) { }

    @Test
    @Timeout(900)
    void bootWithTheCompilingTierMatchesTheInterpreter() throws Exception {
        LinuxGuest.assumeGuest();
        long t0 = System.nanoTime();
        Run interp = boot(Map.of("tier", "interp"));
        long t1 = System.nanoTime();
        Run jit = boot(Map.of("tier", "jit", "translation", "inline", "translate-after", Integer.toString(TRANSLATE_AFTER)));
        System.out.printf("LinuxJitDifferentialTest: interp %.1f s, jit %.1f s wall; %s%n", (t1 - t0) / 1e9,
                (System.nanoTime() - t1) / 1e9, jit.tier().summary());
        assertEquals(MachineExit.Reason.INSTRUCTION_LIMIT, interp.exit().reason(), interp.exit().detail());
        assertTrue(interp.console().contains(LinuxGuest.PROMPT), "the interpreted boot reached its prompt:\n" + interp.console());
        assertEquals(interp.exit(), jit.exit(), "exit");
        assertEquals(interp.instructions(), jit.instructions(), "instruction count");
        assertEquals(interp.console(), jit.console(), "console output");
        assertEquals(interp.state(), jit.state(), "machine state digest at instruction " + STOP_AT);
        assertTrue(jit.tier().translated() > 100 && jit.tier().instructions() > 10_000_000,
                "the boot ran translated code: " + jit.tier().summary());
        assertTrue(jit.tier().chained() > 100_000, "translated blocks went on into their successors: " + jit.tier().summary());
    }

    private static Run boot(Map<String, String> cpu) throws Exception {
        try (var g = LinuxGuest.create(STOP_AT, cpu)) {
            g.machine.start();
            MachineExit exit = g.machine.awaitExit();
            var vcpu = (X86Cpu) g.machine.vcpus().getFirst();
            return new Run(g.output(), exit, vcpu.instructionCount(), MachineDigest.full(g.machine), vcpu.tierStats());
        }
    }
}
