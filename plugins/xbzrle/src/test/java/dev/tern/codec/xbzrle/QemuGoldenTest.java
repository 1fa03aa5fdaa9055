package dev.tern.codec.xbzrle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.codec.xbzrle.ScenarioPages.Scenario;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Our encoder against output recorded from QEMU's own C encoders (scalar and AVX-512) on the
 * scenario pages: whole-run digests, including overflow decisions, and full deltas of a few pages.
 * Runs with whichever scan this JVM selected; {@link VectorRunScanTest} covers both explicitly.
 */
class QemuGoldenTest {

    private static final String RESOURCE = "qemu-xbzrle-golden.txt";

    private static List<String[]> lines(String kind) throws IOException {
        List<String[]> out = new ArrayList<>();
        try (InputStream in = QemuGoldenTest.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("test resource " + RESOURCE + " is missing");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String[] fields = line.trim().split(" ");
                if (fields[0].equals(kind)) {
                    out.add(fields);
                }
            }
        }
        return out;
    }

    @Test
    void digestsMatchBothQemuEncodersOnEveryScenario() throws IOException {
        List<String[]> digests = lines("digest");
        assertEquals(2 * Scenario.values().length, digests.size(), "one line per scenario and QEMU encoder");
        boolean sawOverflow = false;
        for (String[] d : digests) {
            Scenario scenario = Scenario.valueOf(d[1]);
            int pages = Integer.parseInt(d[2]);
            ScenarioPages.Digest ours = digest(XbzrleEncoding.scan(), scenario, pages);
            String where = scenario + " against " + d[3];
            assertEquals(d[4], String.format("%016x", ours.hash()), where);
            assertEquals(Long.parseLong(d[5]), ours.totalBytes(), where);
            assertEquals(Integer.parseInt(d[6]), ours.overflows(), where);
            sawOverflow |= ours.overflows() > 0;
        }
        assertTrue(sawOverflow, "the golden data must cover QEMU's overflow decision");
    }

    @Test
    void deltasMatchQemuByteForByte() throws IOException {
        List<String[]> deltas = lines("delta");
        assertEquals(2 * Scenario.values().length, deltas.size());
        byte[] old = new byte[ScenarioPages.PAGE];
        byte[] cur = new byte[ScenarioPages.PAGE];
        byte[] dst = new byte[ScenarioPages.PAGE];
        for (String[] d : deltas) {
            ScenarioPages.generate(Scenario.valueOf(d[1]), Long.parseLong(d[2]), old, cur);
            int n = XbzrleEncoding.encode(old, cur, ScenarioPages.PAGE, dst, ScenarioPages.PAGE);
            assertEquals(Integer.parseInt(d[3]), n, d[1] + " page " + d[2]);
            assertEquals(d[4], HexFormat.of().formatHex(dst, 0, n), d[1] + " page " + d[2]);
        }
    }

    static ScenarioPages.Digest digest(RunScan scan, Scenario scenario, int pages) {
        byte[] old = new byte[ScenarioPages.PAGE];
        byte[] cur = new byte[ScenarioPages.PAGE];
        byte[] dst = new byte[ScenarioPages.PAGE];
        ScenarioPages.Digest digest = new ScenarioPages.Digest();
        for (int p = 0; p < pages; p++) {
            ScenarioPages.generate(scenario, p, old, cur);
            digest.add(XbzrleEncoding.encode(scan, old, cur, ScenarioPages.PAGE, dst, ScenarioPages.PAGE), dst);
        }
        return digest;
    }
}
