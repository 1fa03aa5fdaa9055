package dev.tern.pc.boot.initramfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class InitramfsTest {

    /** Header fields in order: ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check. */
    private static String header(String ino, String mode, String nlink, String filesize, String rdevMajor,
                                 String rdevMinor, String namesize) {
        return "070701" + ino + mode + "00000000" + "00000000" + nlink + "00000000" + filesize + "00000000" + "00000000"
                + rdevMajor + rdevMinor + namesize + "00000000";
    }

    @Test
    void smallTreeMatchesHandCheckedBytes() {
        var fs = new Initramfs().directory("dev", 0755).charDevice("dev/console", 0600, 5, 1)
                .file("init", 0755, "#!/bin/sh\n".getBytes(StandardCharsets.US_ASCII)).symlink("bin/sh", "busybox");
        String z = "\0";
        String expected =
                // dev: 040755 = 0x41ED, nlink 2, name "dev\0" (4): 110 + 4 = 114 -> pad 2
                header("00000001", "000041ED", "00000002", "00000000", "00000000", "00000000", "00000004")
                        + "dev" + z + z + z
                // dev/console: 020600 = 0x2180, rdev 5:1, name 12 bytes: 122 -> pad 2
                + header("00000002", "00002180", "00000001", "00000000", "00000005", "00000001", "0000000C")
                        + "dev/console" + z + z + z
                // init: 0100755 = 0x81ED, 10 bytes; name 5: 115 -> pad 1; data 10 -> pad 2
                + header("00000003", "000081ED", "00000001", "0000000A", "00000000", "00000000", "00000005")
                        + "init" + z + z + "#!/bin/sh\n" + z + z
                // bin: added as the parent of bin/sh
                + header("00000004", "000041ED", "00000002", "00000000", "00000000", "00000000", "00000004")
                        + "bin" + z + z + z
                // bin/sh -> busybox: 0120777 = 0xA1FF, name 7: 117 -> pad 3; data 7 -> pad 1
                + header("00000005", "0000A1FF", "00000001", "00000007", "00000000", "00000000", "00000007")
                        + "bin/sh" + z + z + z + z + "busybox" + z
                // trailer: name 11: 121 -> pad 3
                + header("00000000", "00000000", "00000001", "00000000", "00000000", "00000000", "0000000B")
                        + "TRAILER!!!" + z + z + z + z;
        byte[] actual = fs.toBytes();
        assertEquals(736, actual.length);
        assertEquals(expected, new String(actual, StandardCharsets.ISO_8859_1));
        assertEquals(0, actual.length % 4);
        assertEquals(5, fs.size());
    }

    @Test
    void outputIsReproducible() {
        var a = new Initramfs().file("a/b/c", 0644, new byte[] {1, 2, 3}).charDevice("dev/ttyS0", 0660, 4, 64);
        var b = new Initramfs().file("a/b/c", 0644, new byte[] {1, 2, 3}).charDevice("dev/ttyS0", 0660, 4, 64);
        assertArrayEquals(a.toBytes(), b.toBytes());
        assertTrue(a.contains("a") && a.contains("a/b") && a.contains("dev"));
    }

    @Test
    void badPathsAndModesAreRejected() {
        var fs = new Initramfs().file("init", 0755, new byte[0]);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> fs.file("init", 0644, new byte[0]))
                .getMessage().contains("duplicate path init"));
        assertThrows(IllegalArgumentException.class, () -> fs.file("/abs", 0644, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> fs.file("a/../b", 0644, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> fs.file("a//b", 0644, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> fs.file("x", 010000, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> fs.symlink("l", ""));
        assertThrows(IllegalArgumentException.class, () -> fs.charDevice("d", 0600, -1, 0));
    }
}
