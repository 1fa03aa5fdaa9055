package dev.tern.x86;

import dev.tern.x86.conformance.ConformanceRunner;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SingleStepTests 80286 real-mode vectors: the committed subset always, the full set when present. */
class ConformanceTest {

    @Test
    void committedSubsetPasses() throws Exception {
        Path dir = resourceDir();
        ConformanceRunner.Result r = new ConformanceRunner(20).runDirectory(dir, 0);
        ConformanceRunner.print(r, System.out);
        assertEquals(0, r.failed(), () -> String.join("\n", r.firstFailures()));
        assertTrue(r.passed() > 6000, "expected the ~6500-test subset to run, passed " + r.passed());
    }

    @Test
    void fullSharedSetPassesWhenAvailable() throws Exception {
        String shared = System.getProperty("tern.shared.dir");
        Path dir = shared == null ? null : Path.of(shared, "conformance", "sst-80286-real");
        if (dir == null || !Files.isDirectory(dir)) {
            System.out.println("full SST 286 set not found at " + dir + "; the committed subset covers this run");
            return;
        }
        ConformanceRunner.Result r = new ConformanceRunner(20).runDirectory(dir, 0);
        ConformanceRunner.print(r, System.out);
        assertEquals(0, r.failed(), () -> String.join("\n", r.firstFailures()));
        assertTrue(r.passed() > 150_000, "passed only " + r.passed());
    }

    /**
     * The 80386 real-mode set (MOO files) when present: its repository's {@code v1_ex_real_mode}
     * directory copied to {@code ../shared/conformance/sst-80386-real} (or the repository itself
     * at {@code ../shared/conformance/80386}). Its failures are printed, not asserted: the set has
     * not been run here yet (it could not be fetched), so nothing is known about how Tern fares.
     */
    @Test
    void the386SetRunsWhenAvailable() throws Exception {
        String shared = System.getProperty("tern.shared.dir");
        Path dir = shared == null ? null : java.util.stream.Stream.of("sst-80386-real", "80386/v1_ex_real_mode")
                .map(d -> Path.of(shared, "conformance", d)).filter(Files::isDirectory).findFirst().orElse(null);
        if (dir == null) {
            System.out.println("SST 386 real-mode set not found under " + shared + "/conformance; MooFileTest covers the reader");
            return;
        }
        ConformanceRunner.Result r = new ConformanceRunner(40).runDirectory(dir, 0);
        ConformanceRunner.print(r, System.out);
        assertTrue(r.passed() > 0, "no 386 vector passed");
    }

    private static Path resourceDir() throws URISyntaxException {
        var url = ConformanceTest.class.getResource("/sst-80286-real-subset/LICENSE");
        assertNotNull(url, "subset resources missing");
        return Path.of(url.toURI()).getParent();
    }
}
