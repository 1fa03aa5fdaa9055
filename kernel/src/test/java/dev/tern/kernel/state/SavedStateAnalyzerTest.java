package dev.tern.kernel.state;

import dev.tern.kernel.memory.GuestRam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SavedStateAnalyzerTest {

    @TempDir
    Path dir;

    static Map<String, Object> trailer(byte[] stream) throws IOException {
        Path f = Files.createTempFile("tern", ".state");
        try {
            Files.write(f, stream);
            return SavedStateAnalyzer.readTrailer(f);
        } finally {
            Files.delete(f);
        }
    }

    @Test
    void trailerReportListsSectionsVersionsAndFields() throws IOException {
        try (GuestRam ram = Samples.smallRam()) {
            Path f = dir.resolve("s.tern");
            Files.write(f, Samples.smallStream(ram));
            String report = SavedStateAnalyzer.fromTrailer(f);
            assertTrue(report.contains("machine 'pc', page size 4096, SPI " + dev.tern.spi.SpiVersion.CURRENT), report);
            assertTrue(report.contains("ram 0x0-0x3fff;") && report.contains("bios 0x10000-0x10fff ro;"), report);
            assertTrue(report.matches("(?s).*\\n +1 +live +ram +0 +2 +\\d+ +\\d+ +\\(3 frames\\).*"), report);
            assertTrue(report.matches("(?s).*\\n +2 +full +uart16550 +0 +1 .*"), report);
            assertTrue(report.contains("        fcr : byte"), report);
            assertTrue(report.contains("        subsection 'fifo':") && report.contains("          bytes : byte[]"),
                    report);
            assertTrue(report.contains("        timers : list<record>") && report.contains("          deadline : long"),
                    report);
        }
    }

    @Test
    void walkDecodesValuesWithoutTheTrailerOrClasses() throws IOException {
        try (GuestRam ram = Samples.smallRam()) {
            String report = SavedStateAnalyzer.walk(new ByteArrayInputStream(Samples.smallStream(ram)));
            assertTrue(report.contains("START #1 ram instance 0 version 2"), report);
            assertTrue(report.contains("END #1 ram instance 0"), report);
            assertTrue(report.contains("    divisor : int = 12 (0xc)"), report);
            assertTrue(report.contains("      bytes : byte[] = [09 08]"), report);
            assertTrue(report.contains("timers : list<record> = [{name=\"pit\", deadline=1000 (0x3e8)}, "
                    + "{name=\"rtc\", deadline=2000 (0x7d0)}]"), report);
            assertTrue(report.contains("EOF; trailer and footer verified"), report);
        }
    }

    @Test
    void damagedFooterOrTrailerIsReported() throws IOException {
        try (GuestRam ram = Samples.smallRam()) {
            byte[] s = Samples.smallStream(ram);
            Path f = dir.resolve("bad.tern");
            Files.write(f, Arrays.copyOf(s, s.length - 1));
            assertTrue(assertThrows(SavedStateException.class, () -> SavedStateAnalyzer.fromTrailer(f)).getMessage()
                    .contains("no saved-state footer"));
            byte[] t = s.clone();
            t[s.length - 30] ^= 1;
            Files.write(f, t);
            assertTrue(assertThrows(SavedStateException.class, () -> SavedStateAnalyzer.fromTrailer(f)).getMessage()
                    .contains("trailer CRC32C mismatch"));
            Files.write(f, new byte[40]);
            assertThrows(SavedStateException.class, () -> SavedStateAnalyzer.fromTrailer(f));
            assertEquals(3, ((java.util.List<?>) trailer(s).get("sections")).size());
            byte[] noFooter = s.clone();
            noFooter[s.length - 1] ^= 1;
            Files.write(f, noFooter);
            SavedStateException walked = assertThrows(SavedStateException.class, () -> SavedStateAnalyzer.analyze(f));
            assertTrue(walked.getMessage().startsWith("footer does not point back"), walked.getMessage());
            Files.write(f, s);
            assertTrue(SavedStateAnalyzer.analyze(f).contains("subsection 'fifo':"));
        }
    }
}
