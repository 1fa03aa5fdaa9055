package dev.tern.cli;

import dev.tern.x86.X86Cpu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which fast paths Debian's kernel takes on each CPU model. With {@code model=pentium2} (CPUID
 * signature 0x652) it keeps SEP, so its vDSO enters the kernel by SYSENTER and leaves by SYSEXIT;
 * the default {@code pentium-pro} (0x611) has the same CPUID features, but Linux drops SEP below
 * signature 0x633 (the Pentium Pro's erratum) and keeps INT 0x80. Both save the FPU by FXSAVE. The
 * default model is checked on {@link LinuxBootTest}'s boot, which needs no second boot.
 */
class LinuxFastPathTest {

    private static final long MAX_INSTRUCTIONS = 12_000_000_000L;

    @Test
    @Timeout(1800)
    void pentium2GuestsEnterTheKernelBySysenter() throws Exception {
        LinuxGuest.assumeGuest();
        try (var g = LinuxGuest.create(MAX_INSTRUCTIONS, Map.of("model", "pentium2"))) {
            g.machine.start();
            List<String> flags = cpuFlags(g);
            assertTrue(flags.containsAll(List.of("sep", "fxsr")), "the kernel keeps SEP and FXSR: " + flags);
            assertTrue(g.output().contains("x86/fpu: x87 FPU will use FXSAVE"), g.output());
            var cpu = (X86Cpu) g.machine.vcpus().getFirst();
            long entered = cpu.sysenterCount();
            assertTrue(entered > 0 && cpu.sysexitCount() > 0,
                    "the shell's system calls use SYSENTER/SYSEXIT: " + entered + " and " + cpu.sysexitCount());
            g.answer("ls / > /dev/null; echo done=yes", "done");
            assertTrue(cpu.sysenterCount() > entered, "a command's system calls enter by SYSENTER too");
            System.out.printf("LinuxFastPathTest: pentium2 flags %s; %d SYSENTERs, %d SYSEXITs%n",
                    String.join(" ", flags), cpu.sysenterCount(), cpu.sysexitCount());
        }
    }

    /** The first CPU's flags in /proc/cpuinfo, after the shell prompt. */
    static List<String> cpuFlags(LinuxGuest g) throws InterruptedException {
        assertTrue(g.waitFor(LinuxGuest.PROMPT, 0) == null, "the guest stopped before its shell prompt:\n" + g.output());
        String line = g.answer("echo flags=$(grep -m1 ^flags /proc/cpuinfo | cut -d: -f2)", "flags");
        List<String> flags = Arrays.asList(line.trim().split("\\s+"));
        assertFalse(flags.isEmpty(), line);
        return flags;
    }
}
