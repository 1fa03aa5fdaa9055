package dev.tern.pc.boot.archive;

import static dev.tern.pc.boot.archive.ArchiveBytes.concat;
import static dev.tern.pc.boot.archive.ArchiveBytes.tarEntry;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarReaderTest {

    private static List<TarEntry> entries(byte[] tar, Map<String, byte[]> contents) {
        var out = new ArrayList<TarEntry>();
        var reader = new TarReader("test.tar", new ByteArrayInputStream(tar));
        for (var e = reader.next(); e.isPresent(); e = reader.next()) {
            out.add(e.get());
            if (e.get().kind() == TarEntry.Kind.FILE && e.get().path().endsWith("1")) {
                contents.put(e.get().path(), reader.readData(1 << 20));
            }
        }
        return out;
    }

    @Test
    void handBuiltUstarEntriesAreDecoded() {
        byte[] data = "hello tar".getBytes(StandardCharsets.US_ASCII);
        byte[] tar = concat(tarEntry("./dir/", '5', new byte[0], ""), tarEntry("./dir/file1", '0', data, ""),
                tarEntry("./dir/skipped", '0', new byte[700], ""), tarEntry("./dir/ln", '2', new byte[0], "file1"),
                tarEntry("./dev/ttyS0", '3', new byte[0], ""), new byte[1024]);
        var contents = new HashMap<String, byte[]>();
        var list = entries(tar, contents);
        assertEquals(List.of("dir", "dir/file1", "dir/skipped", "dir/ln", "dev/ttyS0"),
                list.stream().map(TarEntry::path).toList());
        assertEquals(TarEntry.Kind.DIRECTORY, list.get(0).kind());
        assertArrayEquals(data, contents.get("dir/file1"));
        assertEquals(700, list.get(2).size());
        assertEquals("file1", list.get(3).linkTarget());
        assertEquals(TarEntry.Kind.CHAR_DEVICE, list.get(4).kind());
        assertEquals(4, list.get(4).devMajor());
        assertEquals(64, list.get(4).devMinor());
        assertEquals(0644, list.get(1).mode());
    }

    @Test
    void badChecksumTruncationAndTraversalAreReported() {
        byte[] good = tarEntry("a1", '0', new byte[10], "");
        byte[] bad = good.clone();
        bad[0] = 'b';
        var e = assertThrows(ArchiveFormatException.class, () -> entries(bad, new HashMap<>()));
        assertTrue(e.getMessage().contains("header at offset 0 has checksum"), e.getMessage());
        byte[] cut = java.util.Arrays.copyOf(good, 300);
        e = assertThrows(ArchiveFormatException.class, () -> entries(cut, new HashMap<>()));
        assertTrue(e.getMessage().contains("truncated header at offset 0"), e.getMessage());
        byte[] shortData = java.util.Arrays.copyOf(tarEntry("b1", '0', new byte[2000], ""), 1000);
        e = assertThrows(ArchiveFormatException.class, () -> entries(shortData, new HashMap<>()));
        assertTrue(e.getMessage().contains("ends inside an entry"), e.getMessage());
        byte[] escape = tarEntry("../etc/passwd", '0', new byte[0], "");
        e = assertThrows(ArchiveFormatException.class, () -> entries(escape, new HashMap<>()));
        assertTrue(e.getMessage().contains("escapes the archive root"), e.getMessage());
        byte[] weird = tarEntry("x", 'Z', new byte[0], "");
        assertTrue(assertThrows(ArchiveFormatException.class, () -> entries(weird, new HashMap<>()))
                .getMessage().contains("unsupported type 'Z'"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gnu", "pax", "ustar"})
    void realTarOutputIsRead(String format, @TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(ArchiveBytes.onPath("tar"), "tar not installed; hand-built archives are still tested");
        Path root = Files.createDirectories(dir.resolve("root"));
        String longDir = "d".repeat(60) + "/" + "e".repeat(60);
        Files.createDirectories(root.resolve(longDir));
        byte[] big = new byte[5000];
        new java.util.Random(7).nextBytes(big);
        Files.write(root.resolve(longDir).resolve("f".repeat(40) + "1"), big);
        Files.writeString(root.resolve("small1"), "x");
        Files.createSymbolicLink(root.resolve("link"), Path.of("small1"));
        ArchiveBytes.run(dir, "tar", "--format=" + format, "--owner=0", "--group=0", "--numeric-owner", "--sort=name",
                "-C", root.toString(), "-cf", dir.resolve("a.tar").toString(), ".");
        var contents = new HashMap<String, byte[]>();
        var list = entries(Files.readAllBytes(dir.resolve("a.tar")), contents);
        var byPath = new HashMap<String, TarEntry>();
        list.forEach(e -> byPath.put(e.path(), e));
        String longFile = longDir + "/" + "f".repeat(40) + "1";
        assertArrayEquals(big, contents.get(longFile), "long path read through " + format);
        assertEquals(TarEntry.Kind.SYMLINK, byPath.get("link").kind());
        assertEquals("small1", byPath.get("link").linkTarget());
        assertArrayEquals(new byte[] {'x'}, contents.get("small1"));
        assertEquals(TarEntry.Kind.DIRECTORY, byPath.get(longDir).kind());
    }

    @Test
    void xzCompressedTarStreams() throws Exception {
        byte[] tar = concat(tarEntry("f1", '0', "payload".getBytes(StandardCharsets.US_ASCII), ""), new byte[1024]);
        var buf = new ByteArrayOutputStream();
        try (var xz = new org.tukaani.xz.XZOutputStream(buf, new org.tukaani.xz.LZMA2Options(1))) {
            xz.write(tar);
        }
        var in = TarCompression.XZ.decompress("t.tar.xz", new ByteArrayInputStream(buf.toByteArray()));
        var reader = new TarReader("t", in);
        assertEquals("f1", reader.next().orElseThrow().path());
        assertEquals("payload", new String(reader.readData(100), StandardCharsets.US_ASCII));
        assertTrue(reader.next().isEmpty());
    }

    @Test
    void zstdAndUnknownNamesAreRejectedClearly() {
        assertEquals(TarCompression.ZSTD, TarCompression.ofName("data.tar.zst"));
        var e = assertThrows(ArchiveFormatException.class,
                () -> TarCompression.ZSTD.decompress("p.deb:data.tar.zst", new ByteArrayInputStream(new byte[4])));
        assertTrue(e.getMessage().contains("zstd compression is unsupported"), e.getMessage());
        assertThrows(ArchiveFormatException.class, () -> TarCompression.ofName("data.zip"));
    }
}
