package dev.tern.x86.fpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Replays the operand/result vectors that guests/vectors/fpuvec.rom printed on QEMU 7.2 (whose
 * x87 is floatx80 softfloat) and compares Tern's X87 with them: bit-exact results and exception
 * flags for the arithmetic and for F2XM1, FYL2X, FYL2XP1 and FPATAN (which QEMU also computes
 * in extended precision), and a double-precision error bound for FSIN and FCOS, which QEMU
 * evaluates in host double precision. C1 is not compared: QEMU does not report "rounded up".
 */
class X87QemuReferenceTest {

    private static final Path VECTORS = Path.of("guests/vectors/qemu-7.2-output.txt");
    private static final Map<String, int[]> OPCODES = Map.ofEntries(
            Map.entry("fadd", new int[] {0xD8, 0xC1}), Map.entry("fsub", new int[] {0xD8, 0xE1}),
            Map.entry("fmul", new int[] {0xD8, 0xC9}), Map.entry("fdiv", new int[] {0xD8, 0xF1}),
            Map.entry("fprem", new int[] {0xD9, 0xF8}), Map.entry("fprem1", new int[] {0xD9, 0xF5}),
            Map.entry("fsqrt", new int[] {0xD9, 0xE1, 0xD9, 0xFA}),
            Map.entry("frndint", new int[] {0xD9, 0xFC}), Map.entry("fxtract", new int[] {0xD9, 0xF4}),
            Map.entry("fscale", new int[] {0xD9, 0xFD}), Map.entry("f2xm1", new int[] {0xD9, 0xF0}),
            Map.entry("fyl2x", new int[] {0xD9, 0xF1}), Map.entry("fyl2xp1", new int[] {0xD9, 0xF9}),
            Map.entry("fpatan", new int[] {0xD9, 0xF3}), Map.entry("fsin", new int[] {0xD9, 0xFE}),
            Map.entry("fcos", new int[] {0xD9, 0xFF}));
    /** QEMU computes these two through host double precision; Tern is more precise. */
    private static final List<String> APPROXIMATE = List.of("fsin", "fcos");

    private record Vector(String name, int cw, Float80 a, Float80 b, List<Float80> results,
                          int status, String line) {
    }

    private static Float80 parse(String text) {
        String[] parts = text.split(":");
        return new Float80(Integer.parseInt(parts[0], 16), Long.parseUnsignedLong(parts[1], 16));
    }

    private static List<Vector> vectors() throws IOException {
        List<Vector> vectors = new ArrayList<>();
        for (String line : Files.readAllLines(VECTORS)) {
            String[] halves = line.split(">");
            String[] in = halves[0].trim().split(" ");
            String[] out = halves[1].trim().split(" ");
            List<Float80> results = new ArrayList<>();
            for (int i = 0; i < out.length - 1; i++) {
                results.add(parse(out[i]));
            }
            vectors.add(new Vector(in[0], Integer.parseInt(in[1], 16), parse(in[2]), parse(in[3]),
                    results, Integer.parseInt(out[out.length - 1], 16), line));
        }
        return vectors;
    }

    @Test
    void matchesQemuOnEveryVector() throws IOException {
        List<Vector> vectors = vectors();
        assertEquals(600, vectors.size(), "vector file complete");
        for (Vector v : vectors) {
            X87 fpu = new X87();
            ByteMemory mem = new ByteMemory(16);
            mem.writeU16(0, v.cw);
            fpu.execute(0xD9, 0x28, mem); // FLDCW
            v.b.store(mem, 0);
            fpu.execute(0xDB, 0x28, mem); // FLD m80
            v.a.store(mem, 0);
            fpu.execute(0xDB, 0x28, mem);
            int[] code = OPCODES.get(v.name);
            for (int i = 0; i < code.length; i += 2) {
                fpu.execute(code[i], code[i + 1], null);
            }
            int status = fpu.statusWord();
            X87State state = fpu.save();
            int top = (status >> 11) & 7;
            for (int i = 0; i < v.results.size(); i++) {
                Float80 actual = state.registers().get((top + i) & 7);
                Float80 expected = v.results.get(i);
                if (APPROXIMATE.contains(v.name)) {
                    assertClose(expected, actual, v.line);
                } else {
                    assertEquals(expected, actual, v.line);
                }
            }
            int compared = switch (v.name) {
                case "fprem" -> 0x473F; // quotient bits, C2 and exceptions
                // QEMU 7.2 never reports FPREM1's quotient bits (all 47 vectors show C0=C3=C1=0);
                // the SDM, and musl's remquo which reads them, say C0/C3/C1 = Q2/Q1/Q0 as for
                // FPREM, which Tern does. Only C2 and the exceptions are compared.
                case "fprem1" -> 0x043F;
                case "fsin", "fcos" -> 0x1F;
                default -> 0x3F;
            };
            assertEquals(v.status & compared, status & compared, "status " + v.line);
        }
    }

    private static void assertClose(Float80 expected, Float80 actual, String line) {
        double e = Transcendental.toDouble(expected);
        double a = Transcendental.toDouble(actual);
        assertTrue(Math.abs(e - a) <= 4 * Math.ulp(e), line + " got " + actual + " (" + a + ")");
    }
}
