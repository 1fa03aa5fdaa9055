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
 * Runs single-instruction test vectors (SingleStepTests 80286 real mode, JSON) against the x86
 * interpreter: loads the initial registers and RAM, runs until the HLT that follows the
 * instruction has executed, and compares every register and all of RAM that the CPU wrote.
 * Differences the i686 model is entitled to are masked only as listed in {@link ConformanceMasks}.
 */
public final class ConformanceRunner {

    private static final String[] REGS = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
    private static final String[] SEGS = {"es", "cs", "ss", "ds"};
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

    /** Runs every {@code *.json.gz} file of {@code dir} (at most {@code perFile} tests each, 0 = all). */
    public Result runDirectory(Path dir, int perFile) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".json.gz")).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IOException("no *.json.gz test files in " + dir);
        }
        for (Path f : files) {
            runFile(f, perFile);
        }
        return new Result(passed, failed, Map.copyOf(skipped), List.copyOf(failures));
    }

    /** Runs the tests of one file. */
    public void runFile(Path file, int perFile) throws IOException {
        String name = file.getFileName().toString();
        String key = name.substring(0, name.length() - ".json.gz".length());
        String text;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!(Json.parse(text) instanceof List<?> tests)) {
            throw new IOException(file + ": top level is not a JSON array");
        }
        int n = 0;
        for (Object t : tests) {
            if (perFile > 0 && n++ >= perFile) {
                break;
            }
            if (!(t instanceof Map<?, ?> m)) {
                throw new IOException(file + ": test is not an object");
            }
            String skip = ConformanceMasks.skipBefore(key, m);
            String problem = skip != null ? null : runTest(key, m);
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
    String runTest(String key, Map<?, ?> test) {
        Map<?, ?> init = obj(test, "initial");
        Map<?, ?> initRegs = obj(init, "regs");
        Map<?, ?> fin = obj(test, "final");
        Map<?, ?> finRegs = obj(fin, "regs");
        int flagMask = ConformanceMasks.undefinedFlags(key);
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
        cpu.load(initialState(initRegs));
        memory.clearDirty();
        cpu.writeProtectAll();
        StringBuilder diff = new StringBuilder();
        VcpuExit exit = cpu.run(STEP_LIMIT);
        if (!(exit instanceof VcpuExit.Halted)) {
            diff.append("did not reach HLT (").append(exit).append(") ");
        }
        X86State st = cpu.save();
        compareRegs(initRegs, finRegs, st, flagMask, diff);
        touched.or(memory.dirtyPages());
        Map<Long, Integer> byteMasks = new HashMap<>();
        if (test.get("exception") instanceof Map<?, ?> ex && ex.get("flag_address") instanceof Long) {
            // The FLAGS image is the first word of the exception frame. The vectors' flag_address is
            // even-aligned and misses it when SP is odd, so the address is derived from SS:SP instead.
            long fa = ((long) num(initRegs, "ss") << 4) + ((num(initRegs, "sp") - 2) & 0xffff);
            byteMasks.put(fa, flagMask & 0xff);
            byteMasks.put(fa + 1, (flagMask >>> 8) & 0xff);
        }
        compareRam(touched, initRam, finRam, byteMasks, diff);
        return diff.isEmpty() ? null : diff.toString().trim();
    }

    private static X86State initialState(Map<?, ?> regs) {
        int[] gprs = new int[8];
        for (int i = 0; i < 8; i++) {
            gprs[i] = num(regs, REGS[i]);
        }
        List<SegmentState> segs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            segs.add(SegmentState.real(num(regs, SEGS[i])));
        }
        segs.add(SegmentState.real(0));
        segs.add(SegmentState.real(0));
        int flags = (num(regs, "flags") & ConformanceMasks.INITIAL_FLAGS) | 2;
        SegmentState ldtr = new SegmentState(0, 0, 0xffff, 0x82, true);
        SegmentState tr = new SegmentState(0, 0, 0xffff, 0x8b, true);
        return new X86State(gprs, num(regs, "ip"), flags, segs, ldtr, tr, 0, 0xffff, 0, 0x3ff, 0x60000010, 0, 0, 0,
                new int[] {0, 0, 0, 0, 0, 0, 0xffff0ff0, 0x400}, 0, 0, 0xfee00100L, 0, false, false, false, true, X86State.FPU_POWER_ON);
    }

    private static void compareRegs(Map<?, ?> init, Map<?, ?> fin, X86State st, int flagMask, StringBuilder diff) {
        for (int i = 0; i < 8; i++) {
            check(REGS[i], expected(init, fin, REGS[i]), st.gprs()[i] & 0xffff, 0xffff, diff);
        }
        for (int i = 0; i < 4; i++) {
            check(SEGS[i], expected(init, fin, SEGS[i]), st.segments().get(i).selector(), 0xffff, diff);
        }
        check("ip", expected(init, fin, "ip"), st.eip() & 0xffff, 0xffff, diff);
        int exp = expected(init, fin, "flags");
        check("flags", exp, st.eflags(), 0xffff & ~flagMask & ~ConformanceMasks.FLAGS_286_HIGH, diff);
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
            System.err.println("usage: ConformanceRunner <directory of *.json.gz> [tests per file, 0 = all]");
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
