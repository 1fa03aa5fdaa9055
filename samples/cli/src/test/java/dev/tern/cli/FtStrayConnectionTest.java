package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.spi.transport.Connection;
import dev.tern.testkit.transport.TestCertificates;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A standby waits for its primary on a port anyone can reach: connections that are not its
 * primary — a plain TCP client on a {@code tls:} listener, a TLS client whose certificate the
 * standby does not trust, a client that sends garbage or hangs up — are logged and refused, and
 * the standby keeps waiting. The real primary then protects it, is killed, and the standby takes
 * over from a complete checkpoint (its state equals a run that never stopped at that instruction).
 */
class FtStrayConnectionTest {

    static final long LIMIT = 80_000_000;
    private static final Pattern WAITING = Pattern.compile("ft: standby waiting for a primary on (\\S+)");
    private static final Pattern LOST = Pattern.compile("ft: primary lost after checkpoint (\\d+); running as primary");
    private static final Pattern AT = Pattern.compile(
            "tern: ft standby at checkpoint (\\d+): instructions=(\\d+) ram-sha256=([0-9a-f]{64}) state-sha256=([0-9a-f]{64})");

    private static TestCertificates pki;

    @TempDir
    Path dir;

    @BeforeAll
    static void certificates() throws Exception {
        pki = TestCertificates.shared();
    }

    private List<String> guest() throws Exception {
        return List.of("--bios", RunMachines.guest(dir, "dirty-writer.rom").toString(), "-m", "4M", "--serial", "none",
                "--pacing", "warp", "--max-instructions", Long.toString(LIMIT));
    }

    private String[] run(String... more) throws Exception {
        var all = new ArrayList<>(guest());
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private Path password() throws IOException {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "correct horse\n");
        return pw;
    }

    @Test
    @Timeout(180)
    void aTlsStandbyRefusesAPlainClientAndAnUntrustedCertificateThenServesItsPrimary() throws Exception {
        Path pw = password();
        String listen = "tls:127.0.0.1:0" + pki.options("node", "ca");
        try (MigrationPeer standby = MigrationPeer.start(run("--ft", "standby,listen=" + listen + ",password-file=" + pw + ",fencing=none",
                "--print-digest"))) {
            String address = standby.awaitLine(WAITING).group(1);
            Pattern refused = Pattern.compile("ft: refused a connection: (.*); waiting for a primary");
            // a plain TCP client speaking something else entirely
            try (Socket plain = connect(address)) {
                send(plain, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                standby.awaitLines(refused, 1);
            }
            // a TLS client with a certificate from outside the standby's CA: its first read waits for the
            // handshake, which the standby ends with an alert
            try (Connection stranger = MigrationUri.parse(address + pki.options("stranger", "ca"))
                    .connect(RunMachines.plugins())) {
                assertThrows(IOException.class, () -> stranger.read(ByteBuffer.allocate(1)));
            }
            List<String> lines = standby.awaitLines(refused, 2);
            assertTrue(lines.get(1).contains("'CN=stranger'") && lines.get(1).contains("not signed by a trusted CA"),
                    lines.get(1));
            assertTrue(standby.process().isAlive(), standby.output());
            takesOverFromItsPrimary(standby, address + pki.options("client", "ca"), pw);
        }
    }

    @Test
    @Timeout(180)
    void aTcpStandbyRefusesGarbageAndAHangUpThenServesItsPrimary() throws Exception {
        Path pw = password();
        try (MigrationPeer standby = MigrationPeer.start(run("--ft", "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none",
                "--print-digest"))) {
            String address = standby.awaitLine(WAITING).group(1);
            Pattern refused = Pattern.compile("ft: refused primary \\S+: (.*); waiting for another");
            try (Socket garbage = connect(address)) {
                send(garbage, "\u00ff\u00ff\u00ff\u00ff garbage, not a welcome");
                standby.awaitLines(refused, 1);
            }
            try (Socket hangUp = connect(address)) {
                hangUp.shutdownOutput(); // and says nothing
                standby.awaitLines(refused, 2);
            }
            List<String> lines = standby.awaitLines(refused, 2);
            assertTrue(lines.get(0).contains("ft wire: unknown message kind"), lines.get(0));
            assertTrue(lines.get(1).contains("ended inside"), lines.get(1));
            assertTrue(standby.process().isAlive(), standby.output());
            takesOverFromItsPrimary(standby, address, pw);
        }
    }

    private void takesOverFromItsPrimary(MigrationPeer standby, String peer, Path pw) throws Exception {
        try (MigrationPeer primary = MigrationPeer.start(run("--ft", "primary,peer=" + peer + ",password-file=" + pw + ",fencing=none"
                + ",interval=20ms,timeout=5s"))) {
            primary.awaitLine(Pattern.compile("ft: protected by standby"));
            primary.kill();
        }
        long lost = Long.parseLong(standby.awaitLine(LOST).group(1));
        Matcher at = standby.awaitLine(AT);
        assertEquals(lost, Long.parseLong(at.group(1)), standby.output());
        long instructions = Long.parseLong(at.group(2));
        assertEquals(stateAt(instructions), at.group(4),
                "the standby's state at takeover is not the guest's state at instruction " + instructions);
    }

    private String stateAt(long instructions) throws Exception {
        try (Machine m = RunMachines.create(guest())) {
            var at = m.pauseAt(instructions);
            m.start();
            at.get();
            return MachineDigest.full(m);
        }
    }

    private static Socket connect(String address) throws IOException {
        Matcher m = Pattern.compile("(?:tcp|tls):([^:]+):(\\d+)").matcher(address);
        assertTrue(m.matches(), address);
        return new Socket(m.group(1), Integer.parseInt(m.group(2)));
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }
}
