package dev.tern.x86;

import dev.tern.x86.conformance.ConformanceRunner;
import dev.tern.x86.conformance.MooFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The MOO reader and the runner on a small 80386 real-mode file assembled here field by field from
 * the format's description (github.com/dbalsom/moo, doc/moo_format_v1.md): three cases whose
 * results follow from the SDM (ADD's flags, BSF with its undefined flags masked by the file's own
 * RM32, #DE's real-mode frame), then hostile files.
 */
class MooFileTest {

    private static final String HASH0 = "00112233445566778899aabbccddeeff00010203";

    @TempDir
    Path dir;

    @Test
    void threeCasesRunAndPass() throws IOException {
        Path f = write("00.MOO", file(true));
        MooFile.Contents c = MooFile.read(f);
        assertEquals("386E", c.cpu());
        assertEquals(0, c.cpuMode());
        assertEquals(3, c.tests().size());
        assertEquals("bsf eax,ebx", c.tests().get(1).get("name"));
        assertEquals(HASH0, c.tests().get(0).get("hash"));
        ConformanceRunner.Result r = new ConformanceRunner(10).runDirectory(dir, 0);
        assertEquals(3, r.passed(), () -> String.join("\n", r.firstFailures()));
        assertEquals(0, r.failed());
    }

    @Test
    void withoutItsRegisterMaskBsfsUndefinedFlagsAreCompared() throws IOException {
        write("00.MOO.gz", gzip(file(false)));
        ConformanceRunner.Result r = new ConformanceRunner(10).runDirectory(dir, 0);
        assertEquals(2, r.passed());
        assertEquals(1, r.failed());
        assertTrue(r.firstFailures().getFirst().contains("bsf eax,ebx") && r.firstFailures().getFirst()
                .contains("eflags"), r.firstFailures().toString());
    }

    @Test
    void theSetsOpcodeTableMasksUndefinedFlagsWhenTheFileHasNoMask() throws IOException {
        // As in the set's repository: the files in v1_ex_real_mode, 80386.csv beside that directory.
        Path set = Files.createDirectory(dir.resolve("v1_ex_real_mode"));
        Files.write(set.resolve("660FBC.MOO"), file(false));
        Files.writeString(dir.resolve("80386.csv"), String.join("\n",
                "op,re,g,ex,ud,pf,66,67,fc,pm,lck,rep,so,reg,m,mnemonic,f_umask,desc",
                "0F,,,,,,,,,,,,,,,,,\"two-byte escape, not a test file\"",
                "0FBC,,,,,,1,1,,,,,,1,1,BSF,0x0895,\"Bit Scan Forward, \"\"BSF\"\"\"",
                "80,,1,4,,,,1,,,1,,1,1,1,AND,0010,AND"));
        ConformanceRunner.Result r = new ConformanceRunner(10).runDirectory(set, 0);
        assertEquals(3, r.passed(), () -> String.join("\n", r.firstFailures()));
        Files.writeString(dir.resolve("80386.csv"), "op,ex,f_umask\n0FBC,,0x8z5\n");
        IOException e = assertThrows(IOException.class, () -> new ConformanceRunner(10).runDirectory(set, 0));
        assertTrue(e.getMessage().contains("80386.csv: line 2: 'f_umask'"), e.getMessage());
    }

    @Test
    void revokedTestsAreSkipped() throws IOException {
        write("00.MOO", file(true));
        Files.writeString(dir.resolve("revocation_list.txt"), "# revoked tests\n" + HASH0.toUpperCase() + "\n");
        ConformanceRunner.Result r = new ConformanceRunner(10).runDirectory(dir, 0);
        assertEquals(2, r.passed());
        assertEquals(Map.of("revoked by the set's revocation_list.txt", 1L), r.skipped());
    }

    @Test
    void badMagic() {
        byte[] b = file(true);
        b[3] = 'X';
        assertError(b, "bad.MOO", "file header", "magic", "'MOOX'");
    }

    @Test
    void chunkLengthPastTheEnd() {
        byte[] b = file(true);
        int ram = occurrence(b, "RAM ", 3);                     // test 1's INIT RAM chunk
        putU32(b, ram + 4, 0x10000);
        assertError(b, "len.MOO", "test 1", "length of chunk 'RAM '", "runs past the end");
        byte[] top = file(true);
        putU32(top, occurrence(top, "TEST", 3) + 4, 0x7fffffff);   // test 2's own length
        assertError(top, "len.MOO", "chunk after test 2", "length of chunk 'TEST'", "runs past the end");
    }

    @Test
    void countsThatDoNotFit() {
        byte[] b = file(true);
        putU32(b, occurrence(b, "RAM ", 3) + 8, 0x7fffffff);        // test 1's RAM entry count
        assertError(b, "count.MOO", "test 1", "RAM entry count", "do not fit");
        byte[] h = file(true);
        putU32(h, 12, 0xffffffff);                                   // the header's test count
        assertError(h, "count.MOO", "file header", "test count", "cannot fit");
        byte[] n = file(true);
        putU32(n, occurrence(n, "NAME", 1) + 8, 0xfffffff0);         // test 0's name length
        assertError(n, "count.MOO", "test 0", "NAME length", "does not fit");
        byte[] regs = file(true);
        putU32(regs, occurrence(regs, "RG32", 1) + 8, 0x00300000);   // bits past dr7
        assertError(regs, "count.MOO", "test 0", "RG32/RM32 bitmask", "past bit 19");
    }

    @Test
    void everyTruncationIsRefusedWithAnError() {
        byte[] b = file(true);
        for (int n = 0; n < b.length; n++) {
            byte[] cut = Arrays.copyOf(b, n);
            IOException e = assertThrows(IOException.class, () -> MooFile.parse("cut.MOO", cut), "cut at " + n);
            assertTrue(e.getMessage().startsWith("cut.MOO: "), e.getMessage());
        }
        IOException e = assertThrows(IOException.class, () -> MooFile.parse("cut.MOO",
                Arrays.copyOf(b, occurrence(b, "FINA", 3) + 6)));
        assertTrue(e.getMessage().contains("test 2") && e.getMessage().contains("truncated")
                || e.getMessage().contains("runs past the end"), e.getMessage());
    }

    private void assertError(byte[] data, String name, String... parts) {
        IOException e = assertThrows(IOException.class, () -> MooFile.parse(name, data));
        assertTrue(e.getMessage().startsWith(name + ": "), e.getMessage());
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- the file, field by field

    /** Registers of an RG32 chunk in bitmask order: cr0 cr3 eax ebx ecx edx esi edi ebp esp cs ds es fs gs ss eip eflags dr6 dr7. */
    private static byte[] file(boolean bsfMask) {
        Out f = new Out();
        f.ascii("MOO ");                // chunk type
        f.u32(12);                      // chunk length
        f.u8(1);                        // major version
        f.u8(1);                        // minor version
        f.u8(0).u8(0);                  // reserved
        f.u32(3);                       // test count
        f.ascii("386E");                // cpu id
        Out meta = new Out();
        meta.u8(1).u8(0);               // collection version 1.0
        meta.u8(0);                     // cpu_type
        meta.u32(0xffffffff);           // opcode: several in this file
        meta.ascii("MIXED   ");         // mnemonic
        meta.u32(3);                    // test_ct
        meta.u32(0).u32(0);             // file_seed
        meta.u8(0);                     // cpu_mode: real mode
        meta.u8(0).u8(0).u8(0);         // reserved
        f.chunk("META", meta);
        f.chunk("XTRA", new Out().u32(0xdeadbeef)); // a chunk this reader does not know: skipped by its length

        // Test 0: ADD EAX,EBX (66 01 D8) at 1000:0100: 0x7fffffff + 1 = 0x80000000, OF SF AF PF set.
        // The initial EFLAGS has bits above 17 and TF (bit 8) set, as the set's own example has:
        // neither is real-mode state the runner loads, so the ADD does not trap.
        Out init0 = new Out();
        init0.chunk("RG32", regs32(0xfffff, 0, 0, 0x7fffffff, 1, 0, 0, 0, 0, 0, 0x1000, 0x1000, 0, 0, 0, 0, 0x2000,
                0x100, 0xfffc0102, 0, 0));
        init0.chunk("RAM ", ram(0x10100, 0x66, 0x01, 0xd8, 0xf4));
        Out fin0 = new Out();
        fin0.chunk("RG32", regs32(1 << 2 | 1 << 16 | 1 << 17, 0x80000000, 0x104, 0x896));   // eax, eip, eflags
        fin0.chunk("RAM ", ram(0));
        f.chunk("TEST", test(0, "add eax,ebx", new int[] {0x66, 0x01, 0xd8}, init0, fin0, null, HASH0));

        // Test 1: BSF EAX,EBX (66 0F BC C3), EBX = 0x10000: EAX = 16, ZF cleared. CF PF AF SF OF are
        // undefined: the final EFLAGS says they are all set, and the RM32 mask leaves them out.
        Out init1 = new Out();
        init1.chunk("RG32", regs32(0xfffff, 0, 0, 0x12345678, 0x10000, 0, 0, 0, 0, 0, 0x1000, 0x1000, 0, 0, 0, 0,
                0x2000, 0x100, 0x00000042, 0, 0));
        init1.chunk("RAM ", ram(0x10100, 0x66, 0x0f, 0xbc, 0xc3, 0xf4));
        Out fin1 = new Out();
        fin1.chunk("RG32", regs32(1 << 2 | 1 << 16 | 1 << 17, 16, 0x105, 0x897));
        if (bsfMask) {
            fin1.chunk("RM32", regs32(1 << 17, ~0x895));                 // eflags: the defined bits
        }
        fin1.chunk("RAM ", ram(0));
        f.chunk("TEST", test(1, "bsf eax,ebx", new int[] {0x66, 0x0f, 0xbc, 0xc3}, init1, fin1, null,
                "0102030405060708090a0b0c0d0e0f1011121314"));

        // Test 2: DIV EBX (66 F7 F3) with EBX = 0 at 1000:0200: #DE, a fault. The real-mode frame at
        // 2000:0FFA holds IP 0x0200 (the DIV), CS 0x1000, FLAGS 0x0002; the vector table sends it to
        // 1000:0300, whose HLT ends the test.
        Out init2ram = new Out();
        init2ram.u32(15);                  // entry count
        for (int[] e : new int[][] {{0x10200, 0x66}, {0x10201, 0xf7}, {0x10202, 0xf3}, {0x10203, 0xf4},
                {0, 0x00}, {1, 0x03}, {2, 0x00}, {3, 0x10}, {0x10300, 0xf4},
                {0x20ffa, 0xee}, {0x20ffb, 0xee}, {0x20ffc, 0xee}, {0x20ffd, 0xee}, {0x20ffe, 0xee}, {0x20fff, 0xee}}) {
            init2ram.u32(e[0]).u8(e[1]);   // address, value
        }
        Out init2 = new Out();
        init2.chunk("RG32", regs32(0xfffff, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0x1000, 0x1000, 0, 0, 0, 0, 0x2000,
                0x200, 0x00000002, 0, 0));
        init2.chunk("RAM ", init2ram);
        Out fin2 = new Out();
        fin2.chunk("RG32", regs32(1 << 9 | 1 << 16, 0x0ffa, 0x301));     // esp, eip
        fin2.chunk("RAM ", ram(0x20ffa, 0x00, 0x02, 0x00, 0x10, 0x02, 0x00));
        Out excp = new Out().u8(0).u32(0x20ffe);                          // number, flag address
        f.chunk("TEST", test(2, "div ebx", new int[] {0x66, 0xf7, 0xf3}, init2, fin2, excp,
                "ffeeddccbbaa99887766554433221100ffeeddcc"));
        return f.bytes();
    }

    private static Out test(int index, String name, int[] bytes, Out init, Out fin, Out excp, String hash) {
        Out t = new Out();
        t.u32(index);                                          // index
        Out n = new Out().u32(name.length()).ascii(name);      // NAME: length, text
        t.chunk("NAME", n);
        Out b = new Out().u32(bytes.length);                   // BYTS: length, bytes
        for (int x : bytes) {
            b.u8(x);
        }
        t.chunk("BYTS", b);
        t.chunk("INIT", init);
        t.chunk("FINA", fin);
        t.chunk("CYCL", new Out().u32(0));                     // CYCL: no cycles recorded
        if (excp != null) {
            t.chunk("EXCP", excp);
        }
        Out h = new Out();
        for (int i = 0; i < 40; i += 2) {
            h.u8(Integer.parseInt(hash.substring(i, i + 2), 16));
        }
        t.chunk("HASH", h);
        return t;
    }

    /** RG32/RM32: the bitmask, then one uint32 per bit set. */
    private static Out regs32(int mask, int... values) {
        Out o = new Out().u32(mask);
        for (int v : values) {
            o.u32(v);
        }
        return o;
    }

    /** RAM: the entry count, then (uint32 address, uint8 value) for consecutive bytes from {@code base}. */
    private static Out ram(int base, int... values) {
        Out o = new Out().u32(values.length);
        for (int i = 0; i < values.length; i++) {
            o.u32(base + i).u8(values[i]);
        }
        return o;
    }

    private static int occurrence(byte[] b, String id, int nth) {
        byte[] want = id.getBytes(StandardCharsets.US_ASCII);
        int seen = 0;
        for (int i = 0; i + 4 <= b.length; i++) {
            if (Arrays.equals(b, i, i + 4, want, 0, 4) && ++seen == nth) {
                return i;
            }
        }
        throw new AssertionError(id + " #" + nth + " not in the file");
    }

    private static void putU32(byte[] b, int at, int v) {
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    private Path write(String name, byte[] data) throws IOException {
        return Files.write(dir.resolve(name), data);
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (var gz = new java.util.zip.GZIPOutputStream(bos)) {
            gz.write(data);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return bos.toByteArray();
    }

    /** Little-endian bytes, as the format's description lays them out. */
    private static final class Out {
        private final ByteArrayOutputStream b = new ByteArrayOutputStream();

        Out u8(int v) {
            b.write(v);
            return this;
        }

        Out u32(int v) {
            for (int i = 0; i < 4; i++) {
                b.write(v >>> (8 * i));
            }
            return this;
        }

        Out ascii(String s) {
            b.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        /** A chunk: its 4-character type, its uint32 payload length, its payload. */
        Out chunk(String type, Out payload) {
            ascii(type);
            u32(payload.b.size());
            b.writeBytes(payload.b.toByteArray());
            return this;
        }

        byte[] bytes() {
            return b.toByteArray();
        }
    }
}
