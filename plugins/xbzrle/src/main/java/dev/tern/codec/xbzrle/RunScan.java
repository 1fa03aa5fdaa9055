package dev.tern.codec.xbzrle;

import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.Optional;

/**
 * The inner loops of XBZRLE, in one implementation per instruction width: how the encoder finds
 * the runs of equal bytes (zero runs) and differing bytes (changed runs) between an old and a new
 * page, and how the decoder writes a changed run back. Runs are maximal and the overflow checks
 * are QEMU's, so every implementation writes the same bytes and makes the same overflow decisions;
 * they differ only in how many bytes one step handles.
 *
 * <p>{@link #fastest()} picks the SIMD scan when the JDK's incubating Vector API module is in the
 * boot layer ({@code --add-modules jdk.incubator.vector}) and the CPU has at least 256-bit vectors,
 * else the word-at-a-time scan. The system property {@value #PROPERTY} ({@code auto}, {@code scalar}
 * or {@code vector}) overrides the choice, e.g. to benchmark both in one JVM.
 */
sealed interface RunScan permits ScalarRunScan, VectorRunScan {

    /** The system property that forces a scan: {@code auto} (default), {@code scalar}, {@code vector}. */
    String PROPERTY = "tern.xbzrle.scan";

    /**
     * Encodes {@code cur} against {@code old} exactly as {@link XbzrleEncoding#encode} documents,
     * with arguments already checked.
     */
    int encode(MemorySegment old, byte[] cur, int length, byte[] dst, int dlen);

    /** Copies {@code n} bytes of a decoded changed run from {@code src} at {@code at} into {@code page} at {@code offset}. */
    void copyRun(byte[] src, int at, MemorySegment page, long offset, int n);

    /** The word-at-a-time scan, always available. */
    static RunScan scalar() {
        return ScalarRunScan.INSTANCE;
    }

    /** Whether the SIMD scan can run in this JVM: the vector module is resolved and vectors are wide enough. */
    static boolean vectorAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() && vectorScan().isPresent();
    }

    /**
     * The SIMD scan.
     *
     * @throws IllegalStateException if it cannot run here, saying why
     */
    static RunScan vector() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            throw new IllegalStateException("the XBZRLE vector scan needs the JVM option --add-modules jdk.incubator.vector");
        }
        return vectorScan().orElseThrow(() -> new IllegalStateException(
                "the XBZRLE vector scan needs 256-bit or wider vectors; this CPU's preferred vector is narrower"));
    }

    /** The scan {@value #PROPERTY} asks for, by default the fastest one available. */
    static RunScan fastest() {
        String choice = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        return switch (choice) {
            case "scalar" -> scalar();
            case "vector" -> vector();
            case "auto" -> vectorAvailable() ? vector() : scalar();
            default -> throw new IllegalArgumentException("system property " + PROPERTY + " is '" + choice
                    + "'; expected auto, scalar or vector");
        };
    }

    /**
     * Loads the SIMD scan reflectively, so that a JVM without the vector module never loads a class
     * that links against it.
     */
    private static Optional<RunScan> vectorScan() {
        try {
            Class<?> type = Class.forName("dev.tern.codec.xbzrle.VectorRunScan");
            Object scan = type.getDeclaredMethod("create").invoke(null);
            return Optional.ofNullable((RunScan) scan);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("cannot load the XBZRLE vector scan: " + e, e);
        }
    }
}
