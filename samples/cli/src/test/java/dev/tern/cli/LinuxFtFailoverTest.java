package dev.tern.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Debian guest under fault tolerance, two real JVMs: the primary boots it to the shell prompt
 * while checkpointing it to a standby, its console (COM1 on a TCP serial backend, output commit on)
 * runs {@code sha256sum /init}, which must print the digest of {@code /init} in the initramfs; the
 * primary is SIGKILLed, the standby takes over, its console goes on from the primary's, and the
 * shell there answers a command typed after the failover.
 */
class LinuxFtFailoverTest {

    /** Bounds both runs: the prompt comes after about 545 M instructions. */
    private static final long BOUND = 2_000_000_000L;

    @TempDir
    Path dir;

    private static List<String> boot(int consolePort, String ft) {
        Path guest = LinuxGuest.guestDir();
        return List.of("--kernel", guest.resolve("vmlinuz").toString(), "--initrd",
                guest.resolve("initrd.cpio").toString(), "--append", LinuxGuest.APPEND, "--pacing", "warp",
                "--serial", "tcp:127.0.0.1:" + consolePort, "--max-instructions", Long.toString(BOUND), "--ft", ft);
    }

    @Test
    @Timeout(600)
    void theShellGoesOnInTheStandbyAfterThePrimaryIsKilled() throws Exception {
        LinuxGuest.assumeGuest();
        long started = System.nanoTime();
        String init = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(
                initramfsFile(LinuxGuest.guestDir().resolve("initrd.cpio"), "init")));
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "correct horse\n");
        int standbyPort = freePort();
        int primaryPort = freePort();
        try (MigrationPeer standby = MigrationPeer.start(boot(standbyPort,
                "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none").toArray(String[]::new))) {
            String address = standby.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+)")).group(1);
            try (LinuxMigrationTest.Console after = LinuxMigrationTest.Console.connect(standbyPort)) {
                String seen;
                try (MigrationPeer primary = MigrationPeer.start(boot(primaryPort, "primary,peer=" + address
                        + ",password-file=" + pw + ",fencing=none,interval=50ms,timeout=5s").toArray(String[]::new))) {
                    primary.awaitLine(Pattern.compile("ft: protected by standby"));
                    try (LinuxMigrationTest.Console before = LinuxMigrationTest.Console.connect(primaryPort)) {
                        int prompt = before.awaitText(LinuxGuest.PROMPT, 0, primary).indexOf(LinuxGuest.PROMPT);
                        before.type("sha256sum /init\r");
                        before.awaitText(init + "  /init\r\n" + LinuxGuest.PROMPT, prompt, primary);
                        primary.kill();
                        seen = before.awaitText("", 0, primary); // all it released: the connection is still open
                    }
                }
                String lost = standby.awaitLine(Pattern.compile("ft: primary lost after checkpoint \\d+; running as primary"))
                        .group();
                after.type("echo after-failover-$((6*7))\r");
                String rest = after.awaitText("after-failover-42\r\n" + LinuxGuest.PROMPT, 0, standby);
                // what the standby delivered before the new command: the primary's unreported tail, if any
                String delivered = rest.substring(0, rest.indexOf("echo after-failover"));
                assertTrue(seen.endsWith(delivered), "the standby's console does not continue the primary's: '"
                        + delivered + "' after '" + seen.substring(Math.max(0, seen.length() - 200)) + "'");
                assertTrue(!rest.contains("Linux version"), "the standby booted anew:\n" + rest);
                System.out.printf("LinuxFtFailoverTest: %s; the standby delivered %d bytes of the primary's console"
                        + " again, then answered; %.1f s in all%n", lost, delivered.length(),
                        (System.nanoTime() - started) / 1e9);
            }
        }
    }

    /** The bytes of regular file {@code name} in a newc ("070701") cpio archive. */
    static byte[] initramfsFile(Path archive, String name) throws IOException {
        byte[] a = Files.readAllBytes(archive);
        int p = 0;
        while (p + 110 <= a.length) {
            String header = new String(a, p, 110, StandardCharsets.US_ASCII);
            if (!header.startsWith("070701")) {
                throw new IOException(archive + ": no newc cpio header at byte " + p);
            }
            int size = Integer.parseInt(header.substring(54, 62), 16);
            int nameSize = Integer.parseInt(header.substring(94, 102), 16);
            String member = new String(a, p + 110, nameSize - 1, StandardCharsets.US_ASCII);
            int data = (p + 110 + nameSize + 3) & ~3;
            if (member.equals(name)) {
                return java.util.Arrays.copyOfRange(a, data, data + size);
            }
            if (member.equals("TRAILER!!!")) {
                break;
            }
            p = (data + size + 3) & ~3;
        }
        throw new IOException(archive + " holds no " + name);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
