package dev.tern.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.stream.Stream;

/**
 * The process's CPU time split by kind of thread, read from Linux's {@code /proc/self/task/<tid>}
 * (each thread's {@code comm} name and the nanoseconds on a CPU {@code schedstat} gives): the vCPU
 * threads, HotSpot's JIT compilers, the x86 translator, the garbage collector and the rest. It says
 * where a boot's process CPU goes beside the guest itself (JVM warm-up compiling Tern's own code,
 * translation). A thread that ended between two readings drops out of the difference; elsewhere than
 * Linux both readings are empty and {@link #since} says so.
 */
record ThreadCpu(Map<String, Long> nanosByKind) {

    private static final Path TASKS = Path.of("/proc/self/task");
    /** Kinds in print order; a thread belongs to the first whose name prefix matches. */
    private static final String[][] KINDS = {
            {"vCPU", "tern-emt-"},
            {"JIT compilers", "C1 CompilerThre", "C2 CompilerThre"},
            {"translator", "tern-x86-transl"}, // comm keeps 15 characters
            {"GC", "GC Thread", "ParGC"},
    };
    private static final String OTHER = "other";

    /** The CPU time of every live thread of this process, summed by kind (empty when unreadable). */
    static ThreadCpu read() {
        Map<String, Long> sums = new LinkedHashMap<>();
        for (String[] kind : KINDS) {
            sums.put(kind[0], 0L);
        }
        sums.put(OTHER, 0L);
        if (!Files.isDirectory(TASKS)) {
            return new ThreadCpu(Map.of());
        }
        try (Stream<Path> tasks = Files.list(TASKS)) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                long nanos = onCpuNanos(task);
                if (nanos >= 0) {
                    sums.merge(kindOf(task), nanos, Long::sum);
                }
            }
        } catch (IOException e) {
            return new ThreadCpu(Map.of());
        }
        return new ThreadCpu(sums);
    }

    /** "vCPU 8.10 s, JIT compilers 2.31 s, ..." for the time spent since {@code before}. */
    String since(ThreadCpu before) {
        if (nanosByKind.isEmpty() || before.nanosByKind.isEmpty()) {
            return "not available (no /proc/self/task)";
        }
        StringJoiner out = new StringJoiner(", ");
        for (String kind : nanosByKind.keySet()) {
            out.add(String.format(Locale.ROOT, "%s %.2f s", kind, nanosSince(before, kind) / 1e9));
        }
        return out.toString();
    }

    /** CPU nanoseconds the threads of {@code kind} ("vCPU", "JIT compilers", ...) spent since {@code before}. */
    long nanosSince(ThreadCpu before, String kind) {
        return Math.max(0, nanosByKind.getOrDefault(kind, 0L) - before.nanosByKind.getOrDefault(kind, 0L));
    }

    private static String kindOf(Path task) {
        String name = firstLine(task.resolve("comm"));
        for (String[] kind : KINDS) {
            for (int i = 1; i < kind.length; i++) {
                if (name.startsWith(kind[i])) {
                    return kind[0];
                }
            }
        }
        return OTHER;
    }

    /** The first field of schedstat: nanoseconds on a CPU; -1 when the thread has gone. */
    private static long onCpuNanos(Path task) {
        String line = firstLine(task.resolve("schedstat"));
        int space = line.indexOf(' ');
        try {
            return Long.parseLong(space < 0 ? line : line.substring(0, space));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String firstLine(Path file) {
        try {
            String s = Files.readString(file);
            int nl = s.indexOf('\n');
            return nl < 0 ? s : s.substring(0, nl);
        } catch (IOException e) {
            return "";
        }
    }
}
