package dev.tern.pc.boot.archive;

import static dev.tern.pc.boot.archive.ArchiveBytes.ar;
import static dev.tern.pc.boot.archive.ArchiveBytes.arMember;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArArchiveTest {

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void debStyleGnuAndBsdNamesAreResolved(@TempDir Path dir) throws Exception {
        String longName = "a-very-long-member-name-over-16.txt";
        byte[] archive = ar(arMember("debian-binary", ascii("2.0\n")), arMember("//", ascii(longName + "/\n")),
                arMember("/0", ascii("long!")), arMember("#1/20", ascii("bsd-name-of-20-char" + "\0" + "bsd data")),
                arMember("data.tar.xz/", ascii("xyz")));
        Path file = Files.write(dir.resolve("t.deb"), archive);
        try (var a = ArArchive.open(file)) {
            assertEquals(List.of("debian-binary", longName, "bsd-name-of-20-char", "data.tar.xz"),
                    a.members().stream().map(ArMember::name).toList());
            assertArrayEquals(ascii("2.0\n"), a.read(a.members().get(0)));
            assertArrayEquals(ascii("long!"), a.open(a.members().get(1)).readAllBytes());
            assertArrayEquals(ascii("bsd data"), a.read(a.members().get(2)));
            assertArrayEquals(ascii("xyz"), a.open(a.find("data.tar").orElseThrow()).readAllBytes());
        }
    }

    @Test
    void realArOutputIsRead(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(ArchiveBytes.onPath("ar"), "binutils ar not installed; hand-built archives are still tested");
        Files.writeString(dir.resolve("odd.txt"), "odd");
        Files.writeString(dir.resolve("even-length-file-name-longer-than-sixteen.bin"), "even");
        ArchiveBytes.run(dir, "ar", "rcD", "x.a", "odd.txt", "even-length-file-name-longer-than-sixteen.bin");
        try (var a = ArArchive.open(dir.resolve("x.a"))) {
            var names = a.members().stream().map(ArMember::name).toList();
            assertEquals(List.of("odd.txt", "even-length-file-name-longer-than-sixteen.bin"), names);
            assertArrayEquals(ascii("odd"), a.read(a.members().get(0)));
            assertArrayEquals(ascii("even"), a.read(a.members().get(1)));
        }
    }

    @Test
    void malformedArchivesAreReported(@TempDir Path dir) throws Exception {
        Path notAr = Files.write(dir.resolve("n"), ascii("hello world"));
        assertTrue(assertThrows(ArchiveFormatException.class, () -> ArArchive.open(notAr))
                .getMessage().contains("not an ar archive"));
        byte[] ok = ar(arMember("a", ascii("abc")));
        Path oversize = Files.write(dir.resolve("o"), new String(ok, StandardCharsets.US_ASCII)
                .replace("3         `", "999       `").getBytes(StandardCharsets.US_ASCII));
        var e = assertThrows(ArchiveFormatException.class, () -> ArArchive.open(oversize));
        assertTrue(e.getMessage().contains("declares size 999 past the end"), e.getMessage());
        Path badSize = Files.write(dir.resolve("b"), new String(ok, StandardCharsets.US_ASCII)
                .replace("3         `", "3x        `").getBytes(StandardCharsets.US_ASCII));
        e = assertThrows(ArchiveFormatException.class, () -> ArArchive.open(badSize));
        assertTrue(e.getMessage().contains("size \"3x\" is not a base-10 number"), e.getMessage());
        Path truncated = Files.write(dir.resolve("t"), java.util.Arrays.copyOf(ok, 30));
        assertTrue(assertThrows(ArchiveFormatException.class, () -> ArArchive.open(truncated))
                .getMessage().contains("truncated member header at offset 8"));
        Path danglingLong = Files.write(dir.resolve("l"), ar(arMember("/5", ascii("x"))));
        assertTrue(assertThrows(ArchiveFormatException.class, () -> ArArchive.open(danglingLong))
                .getMessage().contains("before any \"//\" name table"));
    }
}
