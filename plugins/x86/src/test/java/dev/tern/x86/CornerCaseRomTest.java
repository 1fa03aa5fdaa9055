package dev.tern.x86;

import dev.tern.spi.cpu.VcpuExit;
import dev.tern.x86.conformance.FlatGuestMemory;
import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Runs the 386+ corner-case ROMs of plugins/x86/guests (also run on QEMU, see their README) on a
 * bare CPU: every check must print "ok", the soft ones QEMU's TCG misses included, and the "info"
 * lines — values the SDM leaves undefined — must show the choices docs/x86-cpu.md documents.
 */
class CornerCaseRomTest {

    /** The undefined values this model chose, as each ROM prints them (docs/x86-cpu.md). */
    private static final Map<String, List<String>> INFO = Map.of(
            "bitops", List.of(
                    "MUL 0x10*0x10, all flags preset: OF SF ZF AF PF CF = 0x00000004",
                    "IMUL 0x10*0x10, flags preset clear = 0x00000004",
                    "DIV, all flags preset = 0x000008d5",
                    "IDIV, flags preset clear = 0x00000000",
                    "AND (AF), all flags preset = 0x00000004",
                    "SHL 0x08 by 1 (AF), all flags preset = 0x00000000",
                    "SHL 0x40000000 by 2 (OF) = 0x00000845",
                    "SHR 0x80000000 by 2 (OF) = 0x00000004",
                    "ROL 0x40000000 by 2 (OF) = 0x00000801",
                    "RCL 0x40000000 by 2 (OF) = 0x00000801",
                    "RCR 0x00000002 by 2, CF clear (OF) = 0x00000001",
                    "SHLD 0x40000000 by 2 (OF, AF) = 0x00000045",
                    "BT of a clear bit, all flags preset = 0x000008d4",
                    "BT of a clear bit, flags preset clear = 0x00000000",
                    "BSF 0x80000000, flags but ZF preset = 0x00000895",
                    "BSR 0x80000000, ZF preset = 0x00000000",
                    "BSF of zero: destination (0x5a5a5a5a before) = 0x5a5a5a5a",
                    "BSR of zero: destination (0x5a5a5a5a before) = 0x5a5a5a5a",
                    "AAA AL=0x0b, all flags preset = 0x00000011",
                    "AAS AL=0x05, all flags but AF preset (no adjust) = 0x00000004",
                    "AAM AL=0x4f, all flags preset = 0x00000004",
                    "AAD AX=0x0709, all flags preset = 0x00000000",
                    "DAA AL=0x7a, flags preset clear (OF) = 0x00000090",
                    "BSWAP with operand size 16 on 0x11223344 = 0x11220000",
                    "SHLD r16 0x1234, 0xabcd by 20 (count > 16) = 0x0000bcda",
                    "SHRD r16 0x1234, 0xabcd by 20 (count > 16) = 0x00000abc"),
            "stacks", List.of(
                    "ESP[31:16] after INT onto a 16-bit ring-0 stack (ring 3: 0x0007, TSS.ESP0: 0x5a5a) = 0x00000007"),
            "tasks", List.of(),
            "frames", List.of(),
            "paging", List.of(
                    "PDE accessed bit after a #PF on a not-present PTE = 0x00000000"));

    @ParameterizedTest
    @CsvSource({"bitops, 59", "stacks, 113", "tasks, 43", "paging, 34", "frames, 530"})
    void everyCheckPasses(String name, int checks) throws IOException {
        String out = run(name);
        assertFalse(out.contains("FAIL"), out);
        assertFalse(out.contains("WARN"), out);
        assertEquals(checks, out.lines().filter(l -> l.startsWith("  ok ")).count(), out);
        assertEquals(INFO.get(name), out.lines().filter(l -> l.startsWith("  info "))
                .map(l -> l.substring("  info ".length())).toList(), out);
    }

    /** Runs a ROM to its isa-debug-exit write; returns the serial output, requiring exit 0x10 (PASS). */
    private String run(String name) throws IOException {
        byte[] rom;
        try (InputStream in = getClass().getResourceAsStream("/dev/tern/x86/guests/" + name + ".rom")) {
            assertNotNull(in, name + ".rom resource");
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
        VcpuExit exit = cpu.run(20_000_000);
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
        assertInstanceOf(VcpuExit.Halted.class, exit, cpu.describe() + "\n" + out);
        assertEquals(0x10, exitCode, out);
        return out;
    }
}
