package dev.tern.x86.jit;

import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the compiling tier of one vCPU did so far.
 *
 * @param translated     blocks translated (classes defined), including ones since dropped
 * @param live           translations in the code cache now
 * @param liveBytes      class-file bytes of the live translations
 * @param bytes          class-file bytes of every translation made
 * @param largest        class-file bytes of the largest translation made (BlockCompiler caps them at 8,000)
 * @param translationNanos host time spent translating (on the translator thread unless inline)
 * @param evicted        translations dropped because the code cache was full
 * @param invalidated    translations dropped with their block (code changed, or its table slot reused)
 * @param queueFull      hot blocks not queued because the translation queue was full (tried again later)
 * @param instructions   guest instructions retired in translated code
 * @param chained        translated runs followed straight by their successor block, without the run loop
 * @param refused        hot blocks with no translation, by cause (the first instruction outside the subset)
 * @param partial        translations covering only a prefix of their block, by the first instruction left out
 * @param exits          translated runs that left to the interpreter mid-block, by cause
 */
public record TierStats(long translated, int live, long liveBytes, long bytes, int largest, long translationNanos, long evicted,
                        long invalidated, long queueFull, long instructions, long chained, Map<String, Long> refused, Map<String, Long> partial,
                        Map<String, Long> exits) {

    public TierStats {
        refused = Map.copyOf(refused);
        partial = Map.copyOf(partial);
        exits = Map.copyOf(exits);
    }

    /** One line for bench output and the monitor. */
    public String summary() {
        return String.format(java.util.Locale.ROOT,
                "%d blocks translated (%d live, %d KiB live of %d KiB made, largest %,d bytes), translation %.1f ms, %,d instructions "
                        + "run translated, %,d chained, %d evicted, %d dropped with their block, %d queue-full, %d refused, %d partial",
                translated, live, liveBytes >> 10, bytes >> 10, largest, translationNanos / 1e6, instructions, chained, evicted, invalidated, queueFull,
                total(refused), total(partial));
    }

    /** The {@code n} most frequent causes of {@code counts}, most frequent first, as "cause ×count". */
    public static String top(Map<String, Long> counts, int n) {
        return counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(n).map(e -> e.getKey() + " x" + e.getValue()).collect(Collectors.joining("; "));
    }

    private static long total(Map<String, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }
}
