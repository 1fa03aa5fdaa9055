package dev.tern.x86;

import dev.tern.spi.cpu.VcpuExit;
import dev.tern.x86.conformance.FlatGuestMemory;
import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs guests/fastpath.rom (CPUID bits, SYSENTER/SYSEXIT, FXSAVE/FXRSTOR, RDTSCP, VME; also run on
 * QEMU) on a bare CPU with its x87 unit: every check must print "ok", including the soft ones
 * QEMU's TCG misses (VME, the RPL-3 null IA32_SYSENTER_CS, FOP/FIP in the FXSAVE image).
 */
class FastpathGuestTest {

    @Test
    void fastpathRomPassesWithoutWarnings() throws IOException {
        byte[] rom;
        try (InputStream in = getClass().getResourceAsStream("/dev/tern/x86/guests/fastpath.rom")) {
            assertNotNull(in, "fastpath.rom resource");
            rom = in.readAllBytes();
        }
        FlatGuestMemory memory = new FlatGuestMemory(2 << 20);
        for (int i = 0; i < rom.length; i++) {
            memory.writeU8(0xF0000 + i, rom[i] & 0xff);
        }
        MapPortSpace ports = new MapPortSpace();
        X86Cpu cpu = new X86Cpu(0, memory, null, ports, null, () -> 0L, 1_000_000_000L, 0x652);
        cpu.attachFpu(new X87Unit());
        // The reset vector's ROM alias below 4 GiB is not mapped here: start at its copy at 0xFFFF0.
        cpu.core().seg[CpuCore.CS].set(0xf000, 0xf0000, 0xffff, 0x93, true);
        VcpuExit exit = cpu.run(5_000_000);
        assertInstanceOf(VcpuExit.Halted.class, exit, cpu.describe());

        StringBuilder serial = new StringBuilder();
        int exitCode = -1;
        for (int[] w : ports.writes) {
            if (w[0] == 0x3F8) {
                serial.append((char) (w[2] & 0xff));
            } else if (w[0] == 0xF4) {
                exitCode = w[2] & 0xff;
            }
        }
        String out = new String(serial.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
        assertEquals(0x10, exitCode, out);
        assertTrue(out.contains("PASS"), out);
        assertFalse(out.contains("FAIL"), out);
        assertFalse(out.contains("WARN"), out);
        assertEquals(41, out.lines().filter(l -> l.startsWith("  ok ")).count(), out);
    }
}
