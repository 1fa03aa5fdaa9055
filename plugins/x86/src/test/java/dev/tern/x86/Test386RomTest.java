package dev.tern.x86;

import dev.tern.spi.cpu.VcpuExit;
import dev.tern.x86.conformance.FlatGuestMemory;
import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs a locally built test386.asm ROM (github.com/barotto/test386.asm, GPL: never part of this
 * repository, which ships no recipe to build it; {@code scripts/test386.sh ROM} runs it) on a bare CPU and checks the
 * last POST code it writes to port 0x190, the port its default configuration uses.
 *
 * <p>Set {@code TEST386_ROM} to the built 64 KiB (or 128 KiB) {@code test386.bin}. The ROM is placed
 * where a PC's BIOS is (ending at 0xFFFFF) and entered at F000:FFF0, as the README asks. The ROM
 * halts at the first failing test, leaving that test's POST code as the last one written.
 *
 * <p>With {@code TEST386_EE_REFERENCE} pointing at the repository's {@code test386-EE-reference.txt}
 * and a ROM built with {@code OUT_PORT equ 0xE9}, the unchecked arithmetic results of POST 0xEE are
 * compared with that reference line by line. {@code TEST386_TRAIL} set runs one instruction at a
 * time and reports the last 32 CS:EIP (slow; a debugging aid).
 */
class Test386RomTest {

    /** The last POST code Tern reaches; 0xFF when every test passes. */
    static final int EXPECTED_POST = 0xFF;

    static final int POST_PORT = 0x190;
    /** Where a ROM built with {@code OUT_PORT equ 0xE9} prints its messages (read for the report). */
    static final int TEXT_PORT = 0xE9;

    @Test
    void reachesExpectedPostCode() throws IOException {
        String path = System.getenv("TEST386_ROM");
        assumeTrue(path != null && !path.isBlank(),
                "TEST386_ROM is not set: build test386.bin yourself from github.com/barotto/test386.asm "
                        + "(its README says how) and point TEST386_ROM at it to run this test");
        byte[] rom = Files.readAllBytes(Path.of(path));
        assertTrue(rom.length == 0x10000 || rom.length == 0x20000,
                "TEST386_ROM " + path + ": " + rom.length + " bytes, expected a 64 or 128 KiB test386.bin");

        FlatGuestMemory memory = new FlatGuestMemory(2 << 20);
        int base = 0x100000 - rom.length;
        for (int i = 0; i < rom.length; i++) {
            memory.writeU8(base + i, rom[i] & 0xff);
        }
        MapPortSpace ports = new MapPortSpace();
        X86Cpu cpu = new X86Cpu(0, memory, null, ports, null, () -> 0L, 1_000_000_000L, 0x611);
        // The reset vector's alias below 4 GiB is not mapped here: start at its copy at 0xFFFF0.
        cpu.core().seg[CpuCore.CS].set(0xf000, 0xf0000, 0xffff, 0x93, true);

        VcpuExit exit;
        StringBuilder trail = new StringBuilder();
        if (System.getenv("TEST386_TRAIL") != null) {
            // Debugging aid: one instruction per run, remembering the last 32 CS:EIP.
            long[] ring = new long[32];
            int n = 0;
            do {
                ring[n++ & 31] = ((long) cpu.core().seg[CpuCore.CS].selector << 32) | (cpu.core().eip & 0xffffffffL);
                exit = cpu.run(1);
            } while (!(exit instanceof VcpuExit.Halted) && n < 500_000_000);
            for (int i = 0; i < 32; i++) {
                long e = ring[(n + i) & 31];
                trail.append(String.format(" %04x:%08x", e >>> 32, e & 0xffffffffL));
            }
        } else {
            exit = cpu.run(500_000_000L);
        }

        ByteArrayOutputStream posts = new ByteArrayOutputStream();
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        for (int[] w : ports.writes) {
            if (w[0] == POST_PORT) {
                posts.write(w[2]);
            } else if (w[0] == TEXT_PORT) {
                text.write(w[2]);
            }
        }
        byte[] codes = posts.toByteArray();
        int last = codes.length == 0 ? -1 : codes[codes.length - 1] & 0xff;
        String printed = text.toString(StandardCharsets.ISO_8859_1);
        // The ROM's last words say which test failed; POST 0xEE alone prints 45,000 lines before them.
        String report = String.format("last POST 0x%02X, exit %s, %s%s%n%s", last, exit, cpu.describe(), trail,
                printed.substring(Math.max(0, printed.length() - 2000)));
        System.out.println("test386: " + report);
        assertTrue(exit instanceof VcpuExit.Halted, report);
        assertEquals(EXPECTED_POST, last, report);

        String reference = System.getenv("TEST386_EE_REFERENCE");
        if (reference != null && !reference.isBlank()) {
            // POST 0xEE prints its results unchecked; they must equal the reference the project ships.
            List<String> expected = lines(Files.readString(Path.of(reference), StandardCharsets.ISO_8859_1));
            List<String> actual = lines(printed);
            assertFalse(actual.isEmpty(), "no POST 0xEE output on port 0xE9: build the ROM with OUT_PORT equ 0xE9");
            for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
                assertEquals(expected.get(i), actual.get(i), "POST 0xEE output line " + (i + 1));
            }
            assertEquals(expected.size(), actual.size(), "POST 0xEE output line count");
        }
    }

    /** The non-empty lines of {@code text}, trailing blanks and carriage returns removed. */
    private static List<String> lines(String text) {
        return text.lines().map(String::stripTrailing).filter(l -> !l.isEmpty()).toList();
    }
}
