package dev.tern.testkit.fuzz;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Runs one parse of a hostile input and checks the refusal contract. A fuzz target calls
 * {@link #parse} once per input and then checks its own post-conditions (an accepted input decodes to
 * something sensible; a refused one left the target unchanged).
 *
 * <p>{@code parse} must be repeatable (each run sees the same input and a target in the same state):
 * when a first run exceeds the allocation bound it runs once more and the second run is judged.
 * Allocation is measured per thread ({@code com.sun.management.ThreadMXBean}), so it is
 * deterministic for a given input and counts only what the parse itself allocated.
 */
public final class HostileInput {

    /** A parse that may throw anything. */
    @FunctionalInterface
    public interface Parse {
        void run() throws Exception;
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private HostileInput() {
    }

    /**
     * Runs {@code parse} and returns its refusal, if any.
     *
     * @param refusal      the one exception type the parser documents for bad input
     * @param message      what every refusal's message must contain (matched with {@code find}):
     *                     typically the thing refused and a position
     * @param maxAllocated most bytes the parse may allocate on this thread, whatever the input
     * @return the refusal, or empty if the input was accepted
     */
    public static <E extends Exception> Optional<E> parse(Class<E> refusal, Pattern message, long maxAllocated,
            Parse parse) {
        Outcome first = run(parse);
        // The first run of a path also pays for class loading and lazy initialisation; only a
        // repeat that still exceeds the bound is the parse's own allocation.
        Outcome outcome = first.allocated() <= maxAllocated ? first : run(parse);
        Throwable thrown = outcome.thrown();
        if (thrown != null && !refusal.isInstance(thrown)) {
            fail("expected nothing or " + refusal.getSimpleName() + ", got " + thrown, thrown);
        }
        if (outcome.allocated() > maxAllocated) {
            fail("the parse allocated " + outcome.allocated() + " bytes, above its bound of " + maxAllocated
                    + (thrown == null ? "" : " (then refused: " + thrown.getMessage() + ")"));
        }
        if (thrown == null) {
            return Optional.empty();
        }
        String text = thrown.getMessage();
        if (text == null || !message.matcher(text).find()) {
            fail(refusal.getSimpleName() + " message does not match /" + message + "/: " + text, thrown);
        }
        return Optional.of(refusal.cast(thrown));
    }

    private record Outcome(Throwable thrown, long allocated) { }

    private static Outcome run(Parse parse) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        Throwable thrown = null;
        try {
            parse.run();
        } catch (Throwable t) {
            thrown = t;
        }
        return new Outcome(thrown, THREADS.getCurrentThreadAllocatedBytes() - before);
    }
}
