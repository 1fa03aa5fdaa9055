package dev.tern.x86.conformance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * A SingleStepTests vector file in the binary MOO format (the 80386 set, the newer 8088/V20 sets),
 * read into the shape the JSON sets have, so {@link ConformanceRunner} runs both the same way:
 * {@code idx}, {@code name}, {@code bytes}, {@code initial}/{@code final} with {@code regs} and
 * {@code ram} ([address, byte] pairs), {@code exception} ({@code number}, {@code flag_address}),
 * {@code hash}, and {@code masks} (the registers' defined bits, from an RMSK/RM32 chunk).
 *
 * <p>Every length and count is checked against the bytes that remain before anything is allocated
 * for it, so a hostile file costs at most its own size; errors name the file, the test and the
 * field.
 */
public final class MooFile {

    /** Largest file accepted, compressed or not (the biggest 386 file is a few MiB). */
    static final int MAX_BYTES = 256 << 20;

    private static final String[] REGS16 = {"ax", "bx", "cx", "dx", "cs", "ss", "ds", "es", "sp", "bp", "si", "di",
            "ip", "flags"};
    private static final String[] REGS32 = {"cr0", "cr3", "eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp",
            "cs", "ds", "es", "fs", "gs", "ss", "eip", "eflags", "dr6", "dr7"};

    /**
     * A file's contents: the CPU id of its header, the CPU mode of its META chunk (0 = real mode,
     * -1 when there is none), the register masks that apply to every test, and the tests.
     */
    public record Contents(String cpu, int cpuMode, Map<String, Long> masks, List<Map<String, Object>> tests) {
    }

    private MooFile() {
    }

    /** Reads {@code *.MOO} or {@code *.MOO.gz}. */
    public static Contents read(Path file) throws IOException {
        byte[] data;
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.getFileName().toString().toLowerCase().endsWith(".gz")
                     ? new GZIPInputStream(raw) : raw) {
            data = in.readNBytes(MAX_BYTES + 1);
        }
        if (data.length > MAX_BYTES) {
            throw new IOException(file + ": larger than " + MAX_BYTES + " bytes");
        }
        return parse(file.toString(), data);
    }

    /** Parses a whole MOO image; {@code file} names it in errors. */
    public static Contents parse(String file, byte[] data) throws IOException {
        Cursor c = new Cursor(file, data, 0, data.length);
        c.where = "file header";
        String id = c.id("chunk type");
        if (!id.equals("MOO ")) {
            throw c.error("magic", "expected 'MOO ', found '" + printable(id) + "'");
        }
        Cursor header = c.chunk("MOO ");
        if (header.remaining() < 12) {
            throw header.error("length", "header chunk holds " + header.remaining() + " bytes, needs 12");
        }
        int major = header.u8("major version");
        header.u8("minor version");
        header.skip(2, "reserved");
        long count = header.u32("test count");
        String cpu = header.id("cpu id");
        if (major != 1) {
            throw header.error("major version", "version " + major + " is not supported (1 is)");
        }
        // The smallest possible test is a chunk header and its index: 12 bytes.
        if (count > c.remaining() / 12) {
            throw header.error("test count", count + " tests cannot fit in the " + c.remaining()
                    + " bytes that follow");
        }
        int cpuMode = -1;
        Map<String, Long> fileMasks = Map.of();
        List<Map<String, Object>> tests = new ArrayList<>((int) count);
        while (c.remaining() > 0) {
            c.where = "chunk after test " + tests.size();
            String type = c.id("chunk type");
            Cursor body = c.chunk(type);
            switch (type) {
                case "META" -> cpuMode = meta(body);
                case "RMSK" -> fileMasks = registers(body, false);
                case "RM32" -> fileMasks = registers(body, true);
                case "TEST" -> tests.add(test(body, tests.size()));
                default -> { } // the format says unknown chunks are skipped by their length
            }
        }
        if (tests.size() != count) {
            throw new IOException(file + ": header says " + count + " tests, the file holds " + tests.size());
        }
        return new Contents(cpu, cpuMode, fileMasks, tests);
    }

    private static int meta(Cursor c) throws IOException {
        c.where = "META";
        // collection version (2), cpu type (1), opcode (4), mnemonic (8), test count (4), seed (8)
        c.skip(27, "fields before cpu_mode");
        return c.u8("cpu_mode");
    }

    private static Map<String, Object> test(Cursor c, int ordinal) throws IOException {
        c.where = "test #" + ordinal;
        long index = c.u32("index");
        c.where = "test " + index;
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("idx", index);
        while (c.remaining() > 0) {
            String type = c.id("subchunk type");
            Cursor body = c.chunk(type);
            switch (type) {
                case "NAME" -> t.put("name", new String(body.counted("NAME length", 1), StandardCharsets.US_ASCII));
                case "BYTS" -> {
                    List<Long> bytes = new ArrayList<>();
                    for (byte b : body.counted("BYTS length", 1)) {
                        bytes.add((long) (b & 0xff));
                    }
                    t.put("bytes", bytes);
                }
                case "INIT" -> t.put("initial", state(body, t));
                case "FINA" -> t.put("final", state(body, t));
                case "EXCP" -> t.put("exception", Map.of("number", (long) body.u8("EXCP number"),
                        "flag_address", body.u32("EXCP flag address")));
                case "HASH" -> t.put("hash", HexFormat.of().formatHex(body.bytes(20, "HASH")));
                default -> { } // CYCL, IDX and later additions are not needed to run a test
            }
        }
        for (String need : new String[] {"initial", "final"}) {
            if (!(t.get(need) instanceof Map<?, ?> s) || !(s.get("regs") instanceof Map<?, ?>)) {
                throw c.error(need.equals("initial") ? "INIT" : "FINA", "missing, or without REGS/RG32");
            }
        }
        return t;
    }

    private static Map<String, Object> state(Cursor c, Map<String, Object> test) throws IOException {
        Map<String, Object> s = new LinkedHashMap<>();
        while (c.remaining() > 0) {
            String type = c.id("state subchunk type");
            Cursor body = c.chunk(type);
            switch (type) {
                case "REGS" -> s.put("regs", registers(body, false));
                case "RG32" -> s.put("regs", registers(body, true));
                case "RMSK" -> test.put("masks", registers(body, false));
                case "RM32" -> test.put("masks", registers(body, true));
                case "RAM " -> s.put("ram", ram(body));
                default -> { } // QUEU, EA32
            }
        }
        return s;
    }

    private static Map<String, Long> registers(Cursor c, boolean wide) throws IOException {
        String chunk = wide ? "RG32/RM32" : "REGS/RMSK";
        String[] names = wide ? REGS32 : REGS16;
        long mask = wide ? c.u32(chunk + " bitmask") : c.u16(chunk + " bitmask");
        if (mask >>> names.length != 0) {
            throw c.error(chunk + " bitmask", String.format("0x%x names registers past bit %d", mask,
                    names.length - 1));
        }
        int width = wide ? 4 : 2;
        if ((long) Long.bitCount(mask) * width > c.remaining()) {
            throw c.error(chunk + " values", Long.bitCount(mask) + " registers of " + width
                    + " bytes do not fit in " + c.remaining() + " bytes");
        }
        Map<String, Long> regs = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            if ((mask >>> i & 1) != 0) {
                regs.put(names[i], wide ? c.u32(names[i]) : c.u16(names[i]));
            }
        }
        return regs;
    }

    private static List<List<Long>> ram(Cursor c) throws IOException {
        long n = c.u32("RAM entry count");
        if (n > c.remaining() / 5) {
            throw c.error("RAM entry count", n + " entries of 5 bytes do not fit in " + c.remaining() + " bytes");
        }
        List<List<Long>> out = new ArrayList<>((int) n);
        for (long i = 0; i < n; i++) {
            out.add(List.of(c.u32("RAM address"), (long) c.u8("RAM value")));
        }
        return out;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char ch : s.toCharArray()) {
            b.append(ch >= 0x20 && ch < 0x7f ? String.valueOf(ch) : String.format("\\x%02x", (int) ch));
        }
        return b.toString();
    }

    /** A bounded window of the file: every read checks it stays inside {@code [pos, end)}. */
    private static final class Cursor {
        private final String file;
        private final byte[] data;
        private int pos;
        private final int end;
        String where;

        Cursor(String file, byte[] data, int pos, int end) {
            this.file = file;
            this.data = data;
            this.pos = pos;
            this.end = end;
        }

        int remaining() {
            return end - pos;
        }

        IOException error(String field, String problem) {
            return new IOException(file + ": " + where + ": " + field + " (offset " + pos + "): " + problem);
        }

        private void need(int n, String field) throws IOException {
            if (n > remaining()) {
                throw error(field, "needs " + n + " bytes, " + remaining() + " left (truncated)");
            }
        }

        int u8(String field) throws IOException {
            need(1, field);
            return data[pos++] & 0xff;
        }

        long u16(String field) throws IOException {
            need(2, field);
            long v = (data[pos] & 0xff) | (data[pos + 1] & 0xff) << 8;
            pos += 2;
            return v;
        }

        long u32(String field) throws IOException {
            need(4, field);
            long v = (data[pos] & 0xffL) | (data[pos + 1] & 0xffL) << 8 | (data[pos + 2] & 0xffL) << 16
                    | (data[pos + 3] & 0xffL) << 24;
            pos += 4;
            return v;
        }

        byte[] bytes(int n, String field) throws IOException {
            need(n, field);
            byte[] out = new byte[n];
            System.arraycopy(data, pos, out, 0, n);
            pos += n;
            return out;
        }

        void skip(int n, String field) throws IOException {
            need(n, field);
            pos += n;
        }

        String id(String field) throws IOException {
            return new String(bytes(4, field), StandardCharsets.ISO_8859_1);
        }

        /** A uint32 length, then that many bytes of {@code unit}-byte items, bounded by this window. */
        byte[] counted(String field, int unit) throws IOException {
            long n = u32(field);
            if (n * unit > remaining()) {
                throw error(field, n + " does not fit in the " + remaining() + " bytes left");
            }
            return bytes((int) n * unit, field);
        }

        /** Reads a chunk length and returns the chunk's payload as its own window, moving past it. */
        Cursor chunk(String type) throws IOException {
            long len = u32("length of chunk '" + printable(type) + "'");
            if (len > remaining()) {
                throw error("length of chunk '" + printable(type) + "'", len + " runs past the end ("
                        + remaining() + " bytes left)");
            }
            Cursor body = new Cursor(file, data, pos, pos + (int) len);
            body.where = where;
            pos += (int) len;
            return body;
        }
    }
}
