package dev.tern.testkit.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A fuzz target's committed seeds, checked against the real encoder output they were taken from.
 * Jazzer reads seeds from {@code src/test/resources/<package>/<Class>Inputs/<method>/}; a test calls
 * {@link #check} with the seeds its real writers produce now, so a seed can neither go stale nor be
 * edited by hand. Run with {@code -Dtern.fuzz.writeSeeds=true} to (re)write them.
 */
public final class SeedCorpus {

    /** The system property that makes {@link #check} write the seeds instead of comparing. */
    public static final String WRITE = "tern.fuzz.writeSeeds";

    private SeedCorpus() {
    }

    /** The seed directory of {@code fuzzTest}'s method {@code method}, in this module's sources. */
    public static Path directory(Class<?> fuzzTest, String method) {
        return Path.of("src/test/resources", fuzzTest.getPackageName().replace('.', '/'),
                fuzzTest.getSimpleName() + "Inputs", method);
    }

    /**
     * For a recording that differs run to run (a live migration's stream carries its own timings):
     * returns the committed seed {@code name}, or writes {@code now} first (see {@link #WRITE}). The
     * caller then checks that the committed seed is still accepted and gives the state it recorded.
     */
    public static byte[] recorded(Class<?> fuzzTest, String method, String name, byte[] now) {
        Path file = directory(fuzzTest, method).resolve(name);
        try {
            if (Boolean.getBoolean(WRITE)) {
                Files.createDirectories(file.getParent());
                Files.write(file, now);
            }
            assertTrue(Files.isRegularFile(file), file + " is missing; run with -D" + WRITE + "=true");
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asserts that every seed is committed with exactly these bytes (or writes them, see {@link #WRITE}). */
    public static void check(Class<?> fuzzTest, String method, Map<String, byte[]> seeds) {
        Path dir = directory(fuzzTest, method);
        try {
            if (Boolean.getBoolean(WRITE)) {
                Files.createDirectories(dir);
                for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
                    Files.write(dir.resolve(e.getKey()), e.getValue());
                }
            }
            for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
                Path file = dir.resolve(e.getKey());
                assertTrue(Files.isRegularFile(file), file + " is missing; run with -D" + WRITE + "=true");
                assertArrayEquals(e.getValue(), Files.readAllBytes(file), file + " differs from what the writer gives now");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
