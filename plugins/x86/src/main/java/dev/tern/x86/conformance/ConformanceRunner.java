package dev.tern.x86.conformance;

import dev.tern.spi.cpu.VcpuExit;
import dev.tern.x86.SegmentState;
import dev.tern.x86.X86Cpu;
import dev.tern.x86.X86State;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Runs single-instruction test vectors (SingleStepTests real mode: the 80286 set in JSON, the 80386
 * set in the binary MOO format, {@link MooFile}) against the x86 interpreter: loads the initial registers and RAM, runs until the HLT that follows the
 * instruction has executed, and compares every register and all of RAM that the CPU wrote.
 * Differences the i686 model is entitled to are masked only as listed in {@link ConformanceMasks}.
 */
public final class ConformanceRunner {

    private static final long RAM_SIZE = 16L << 20;
    private static final long STEP_LIMIT = 200_000;

    /** Totals of a run. */
    public record Result(long passed, long failed, Map<String, Long> skipped, List<String> firstFailures) {
    }

    private final FlatGuestMemory memory = new FlatGuestMemory(RAM_SIZE);
    private final X86Cpu cpu = new X86Cpu(0, memory, null, null, null, () -> 0L, 1_000_000_000L, 0x611);
    private final int maxReported;
    private final byte[] expectedPage = new byte[4096];
    private long passed;
    private long failed;
    private final List<String> failures = new ArrayList<>();
    private final Map<String, Long> skipped = new java.util.TreeMap<>();

    public ConformanceRunner(int maxReported) {
        this.maxReported = maxReported;
    }

    /** File name endings the runner reads, the binary MOO format first (it picks the reader by name). */
    static final List<String> SUFFIXES = List.of(".MOO.gz", ".MOO", ".json.gz", ".json");
    /** The sets' list of withdrawn tests (hex SHA-1 hashes, one a line), read when present beside the files. */
    static final String REVOCATION_LIST = "revocation_list.txt";
    static final String REVOKED = "revoked by the set's " + REVOCATION_LIST;
    static final String NOT_REAL_MODE = "MOO file whose META cpu_mode is not real mode (0): this runner loads "
            + "real-mode state only";

    /** The 80386 set's opcode table, whose {@code f_umask} column gives each opcode's undefined flags. */
    static final String OPCODE_TABLE = "80386.csv";

    private java.util.Set<String> revoked = java.util.Set.of();
    private OpcodeFlagMasks opcodeMasks = OpcodeFlagMasks.NONE;

    /** A set's file, in its directory or (as in the set's repository, for v1_ex_real_mode) the parent. */
    private static Path besideSet(Path dir, String name) {
        Path here = dir.resolve(name);
        if (Files.isRegularFile(here)) {
            return here;
        }
        Path parent = dir.toAbsolutePath().getParent();
        return parent != null && Files.isRegularFile(parent.resolve(name)) ? parent.resolve(name) : null;
    }

    /**
     * Runs every vector file of {@code dir} ({@code *.MOO}, {@code *.MOO.gz}, {@code *.json},
     * {@code *.json.gz}; at most {@code perFile} tests each, 0 = all).
     */
    public Result runDirectory(Path dir, int perFile) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> suffix(p) != null).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IOException("no test files (" + String.join(", ", SUFFIXES) + ") in " + dir);
        }
        Path revocations = besideSet(dir, REVOCATION_LIST);
        if (revocations != null) {
            revoked = Files.readAllLines(revocations).stream().map(String::trim)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                    .map(String::toLowerCase).collect(java.util.stream.Collectors.toUnmodifiableSet());
        }
        Path csv = besideSet(dir, OPCODE_TABLE);
        opcodeMasks = csv == null ? OpcodeFlagMasks.NONE : OpcodeFlagMasks.read(csv);
        for (Path f : files) {
            runFile(f, perFile);
        }
        return result();
    }

    /** The totals so far. */
    public Result result() {
        return new Result(passed, failed, Map.copyOf(skipped), List.copyOf(failures));
    }

    private static String suffix(Path p) {
        String name = p.getFileName().toString();
        return SUFFIXES.stream().filter(x -> name.regionMatches(true, name.length() - x.length(), x, 0, x.length()))
                .findFirst().orElse(null);
    }

    /** Runs the tests of one file, read as MOO or JSON by its name. */
    public void runFile(Path file, int perFile) throws IOException {
        String name = file.getFileName().toString();
        String suffix = suffix(file);
        if (suffix == null) {
            throw new IOException(file + ": not a vector file (" + String.join(", ", SUFFIXES) + ")");
        }
        String key = name.substring(0, name.length() - suffix.length());
        List<?> tests;
        Map<?, ?> fileMasks = Map.of();
        String fileSkip = null;
        if (suffix.toLowerCase().startsWith(".moo")) {
            MooFile.Contents moo = MooFile.read(file);
            tests = moo.tests();
            fileMasks = moo.masks();
            fileSkip = moo.cpuMode() > 0 ? NOT_REAL_MODE : null;
        } else {
            String text;
            try (InputStream in = suffix.endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(file))
                    : Files.newInputStream(file)) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!(Json.parse(text) instanceof List<?> list)) {
                throw new IOException(file + ": top level is not a JSON array");
            }
            tests = list;
        }
        int n = 0;
        for (Object t : tests) {
            if (perFile > 0 && n++ >= perFile) {
                break;
            }
            if (!(t instanceof Map<?, ?> m)) {
                throw new IOException(file + ": test is not an object");
            }
            String skip = fileSkip != null ? fileSkip
                    : m.get("hash") instanceof String h && revoked.contains(h.toLowerCase()) ? REVOKED
                    : ConformanceMasks.skipBefore(key, m);
            String problem;
            try {
                problem = skip != null ? null : runTest(key, m, fileMasks);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": test " + m.get("idx") + ": " + e.getMessage(), e);
            }
            if (skip == null && problem != null) {
                skip = ConformanceMasks.skipAfter(key, m, cpu.firstException());
            }
            if (skip != null) {
                skipped.merge(skip, 1L, Long::sum);
            } else if (problem == null) {
                passed++;
            } else {
                failed++;
                if (failures.size() < maxReported) {
                    failures.add(key + " #" + m.get("idx") + " '" + m.get("name") + "': " + problem);
                }
            }
        }
    }

    private static Map<?, ?> obj(Map<?, ?> m, String k) {
        Object v = m.get(k);
        if (!(v instanceof Map<?, ?> r)) {
            throw new IllegalArgumentException("test field '" + k + "' is missing or not an object");
        }
        return r;
    }

    private static int num(Map<?, ?> m, String k) {
        Object v = m.get(k);
        if (!(v instanceof Long l)) {
            throw new IllegalArgumentException("register '" + k + "' is missing or not an integer");
        }
        return (int) (long) l;
    }

    private static List<long[]> ram(Map<?, ?> state) {
        List<long[]> out = new ArrayList<>();
        if (!(state.get("ram") instanceof List<?> list)) {
            return out;
        }
        for (Object e : list) {
            if (!(e instanceof List<?> pair) || pair.size() != 2 || !(pair.get(0) instanceof Long a)
                    || !(pair.get(1) instanceof Long b) || a < 0 || a >= RAM_SIZE || b < 0 || b > 255) {
                throw new IllegalArgumentException("ram entry " + e + " is not [address < 16 MiB, byte]");
            }
            out.add(new long[] {a, b});
        }
        return out;
    }

    /** Runs one test; returns null when it passes, else the first differences. */
    String runTest(String key, Map<?, ?> test, Map<?, ?> fileMasks) {
        Map<?, ?> init = obj(test, "initial");
        Map<?, ?> initRegs = obj(init, "regs");
        Map<?, ?> fin = obj(test, "final");
        Map<?, ?> finRegs = obj(fin, "regs");
        RegisterFile rf = RegisterFile.of(initRegs);
        Map<?, ?> masks = test.get("masks") instanceof Map<?, ?> m ? m : fileMasks;
        // The set's own register masks say which FLAGS bits are defined; without them its opcode
        // table's f_umask, and without that ConformanceMasks.
        Integer fromTable = opcodeMasks.undefined(key);
        int flagMask = masks.get(rf.flags) instanceof Long defined ? ~(int) (long) defined & 0xffff
                : fromTable != null ? fromTable
                : ConformanceMasks.undefinedFlags(ConformanceMasks.withoutSizePrefixes(key));
        MemorySegment seg = memory.segment();
        List<long[]> initRam = ram(init);
        List<long[]> finRam = ram(fin);
        BitSet touched = new BitSet();
        for (long[] e : initRam) {
            seg.set(ValueLayout.JAVA_BYTE, e[0], (byte) e[1]);
            touched.set((int) (e[0] >>> 12));
        }
        for (long[] e : finRam) {
            touched.set((int) (e[0] >>> 12));
        }
        cpu.load(initialState(rf, initRegs));
        memory.clearDirty();
        cpu.writeProtectAll();
        StringBuilder diff = new StringBuilder();
        VcpuExit exit = cpu.run(STEP_LIMIT);
        if (!(exit instanceof VcpuExit.Halted)) {
            diff.append("did not reach HLT (").append(exit).append(") ");
        }
        X86State st = cpu.save();
        compareRegs(rf, initRegs, finRegs, masks, st, flagMask, diff);
        touched.or(memory.dirtyPages());
        Map<Long, Integer> byteMasks = new HashMap<>();
        if (test.get("exception") instanceof Map<?, ?> ex && ex.get("flag_address") instanceof Long) {
            // The FLAGS image is the first word of the exception frame. The vectors' flag_address is
            // even-aligned and misses it when SP is odd, so the address is derived from SS:SP instead.
            long fa = ((long) num(initRegs, "ss") << 4) + ((num(initRegs, rf.gprs[4]) - 2) & 0xffff);
            byteMasks.put(fa, flagMask & 0xff);
            byteMasks.put(fa + 1, (flagMask >>> 8) & 0xff);
        }
        compareRam(touched, initRam, finRam, byteMasks, diff);
        return diff.isEmpty() ? null : diff.toString().trim();
    }

    private static X86State initialState(RegisterFile rf, Map<?, ?> regs) {
        int[] gprs = new int[8];
        for (int i = 0; i < 8; i++) {
            gprs[i] = num(regs, rf.gprs[i]);
        }
        List<SegmentState> segs = new ArrayList<>();
        for (String s : rf.segments) {
            segs.add(SegmentState.real(num(regs, s) & 0xffff));
        }
        while (segs.size() < 6) {
            segs.add(SegmentState.real(0));
        }
        int flags = (num(regs, rf.flags) & rf.initialFlags) | 2;
        SegmentState ldtr = new SegmentState(0, 0, 0xffff, 0x82, true);
        SegmentState tr = new SegmentState(0, 0, 0xffff, 0x8b, true);
        return new X86State(gprs, num(regs, rf.ip) & rf.width, flags, segs, ldtr, tr, 0, 0xffff, 0, 0x3ff,
                0x60000010, 0, 0, 0, new int[] {0, 0, 0, 0, 0, 0, 0xffff0ff0, 0x400}, 0, 0, 0xfee00100L, 0, false,
                false, false, true, X86State.FPU_POWER_ON);
    }

    private static void compareRegs(RegisterFile rf, Map<?, ?> init, Map<?, ?> fin, Map<?, ?> masks, X86State st,
                                    int flagMask, StringBuilder diff) {
        for (int i = 0; i < 8; i++) {
            String r = rf.gprs[i];
            check(r, expected(init, fin, r), st.gprs()[i], rf.width & defined(masks, r), diff);
        }
        for (int i = 0; i < rf.segments.length; i++) {
            String s = rf.segments[i];
            check(s, expected(init, fin, s), st.segments().get(i).selector(), 0xffff & defined(masks, s), diff);
        }
        check(rf.ip, expected(init, fin, rf.ip), st.eip(), rf.width & defined(masks, rf.ip), diff);
        check(rf.flags, expected(init, fin, rf.flags), st.eflags(), rf.comparedFlags & ~flagMask, diff);
    }

    /** The bits of a register a set's mask says are defined (all of them without a mask). */
    private static int defined(Map<?, ?> masks, String reg) {
        return masks.get(reg) instanceof Long l ? (int) (long) l : -1;
    }

    private static int expected(Map<?, ?> init, Map<?, ?> fin, String reg) {
        return fin.containsKey(reg) ? num(fin, reg) : num(init, reg);
    }

    private static void check(String name, int exp, int act, int mask, StringBuilder diff) {
        if (((exp ^ act) & mask) != 0) {
            diff.append(String.format("%s expected %04x got %04x; ", name, exp & mask, act & mask));
        }
    }

    private void compareRam(BitSet pages, List<long[]> initRam, List<long[]> finRam, Map<Long, Integer> byteMasks,
                            StringBuilder diff) {
        MemorySegment seg = memory.segment();
        Map<Long, Integer> expected = new HashMap<>();
        for (long[] e : initRam) {
            expected.put(e[0], (int) e[1]);
        }
        for (long[] e : finRam) {
            expected.put(e[0], (int) e[1]);
        }
        int reported = 0;
        for (int p = pages.nextSetBit(0); p >= 0; p = pages.nextSetBit(p + 1)) {
            long base = (long) p << 12;
            java.util.Arrays.fill(expectedPage, (byte) 0);
            for (Map.Entry<Long, Integer> e : expected.entrySet()) {
                if (e.getKey() >>> 12 == p) {
                    expectedPage[(int) (e.getKey() & 0xfff)] = (byte) (int) e.getValue();
                }
            }
            MemorySegment page = seg.asSlice(base, 4096);
            if (page.mismatch(MemorySegment.ofArray(expectedPage)) >= 0) {
                for (int i = 0; i < 4096; i++) {
                    int act = page.get(ValueLayout.JAVA_BYTE, i) & 0xff;
                    int exp = expectedPage[i] & 0xff;
                    int mask = ~byteMasks.getOrDefault(base + i, 0) & 0xff;
                    if (((act ^ exp) & mask) != 0 && reported++ < 4) {
                        diff.append(String.format("ram[%06x] expected %02x got %02x; ", base + i, exp, act));
                    }
                }
            }
            page.fill((byte) 0);
        }
    }

    /** Command line: {@code ConformanceRunner <dir> [perFile]}. */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: ConformanceRunner <directory of *.MOO[.gz] or *.json[.gz]> [tests per file, 0 = all]");
            System.exit(2);
        }
        int perFile = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        ConformanceRunner r = new ConformanceRunner(40);
        Result res = r.runDirectory(Path.of(args[0]), perFile);
        print(res, System.out);
        System.exit(res.failed() == 0 ? 0 : 1);
    }

    /** Prints the summary line and the first failures. */
    public static void print(Result res, PrintStream out) {
        out.println(res.passed() + " passed, " + res.failed() + " failed");
        res.skipped().forEach((why, n) -> out.println("  skipped " + n + ": " + why));
        for (String f : res.firstFailures()) {
            out.println("  " + f);
        }
        out.println("masked: " + ConformanceMasks.describe());
    }
}
