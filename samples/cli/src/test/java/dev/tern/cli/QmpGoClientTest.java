package dev.tern.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A third-party QMP client drives Tern: DigitalOcean's go-qemu (Debian's
 * golang-github-digitalocean-go-qemu-dev, built offline from /usr/share/gocode) connects, queries
 * the status, stops, continues, queries and starts a migration to a second Tern, and powers the
 * destination down. The same program then drives two of Debian's qemu-system-i386, so Tern's
 * replies are held against the real ones. Outside CI the test is skipped where Go or go-qemu is
 * not installed; .ci/run installs both.
 */
class QmpGoClientTest {

    private static final Path GOPATH = Path.of("/usr/share/gocode");
    private static final Pattern QMP = Pattern.compile("tern: qmp listening on unix:(\\S+)");

    @TempDir
    static Path build;

    @TempDir
    Path dir;

    private static Path drive;

    @BeforeAll
    static void buildTheGoProgram() throws Exception {
        boolean present = Files.isDirectory(GOPATH.resolve("src/github.com/digitalocean/go-qemu/qmp/raw"))
                && onPath("go");
        if (System.getenv("CI") == null) {
            assumeTrue(present, "needs golang-go and golang-github-digitalocean-go-qemu-dev (apt); .ci/run installs them");
        }
        assertTrue(present, "CI must have golang-go and golang-github-digitalocean-go-qemu-dev (see .ci/run)");
        Path src = build.resolve("main.go");
        try (InputStream in = QmpGoClientTest.class.getResourceAsStream("/qmp-go/main.go")) {
            assertNotNull(in, "qmp-go/main.go");
            Files.write(src, in.readAllBytes());
        }
        drive = build.resolve("qmpdrive");
        var pb = new ProcessBuilder("go", "build", "-o", drive.toString(), src.toString()).directory(build.toFile())
                .redirectErrorStream(true);
        pb.environment().put("GOPATH", GOPATH.toString());
        pb.environment().put("GO111MODULE", "off");
        pb.environment().put("GOCACHE", build.resolve("gocache").toString());
        pb.environment().put("GOFLAGS", "");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(600, TimeUnit.SECONDS), "go build did not finish");
        assertEquals(0, p.exitValue(), "go build failed:\n" + out);
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Runs one step of the Go program; returns its output after checking it succeeded. */
    private static String step(String... args) throws Exception {
        var cmd = new ArrayList<String>();
        cmd.add(drive.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "qmpdrive " + args[0] + " did not finish:\n" + out);
        System.out.println(out);
        assertEquals(0, p.exitValue(), "qmpdrive " + String.join(" ", args) + ":\n" + out);
        assertTrue(out.endsWith("qmpdrive: ok\n"), out);
        return out;
    }

    private List<String> guest() throws Exception {
        var guests = new LiveMigrationTest();
        guests.dir = dir;
        List<String> args = guests.guestArgs();
        // no instruction limit: the clients end both runs (migration, power-down, quit)
        return new ArrayList<>(args.subList(0, args.indexOf("--max-instructions")));
    }

    @Test
    @Timeout(600)
    void goQemuDrivesTernThroughAMigration() throws Exception {
        List<String> args = guest();
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming", "tcp:127.0.0.1:0",
                "--qmp", "unix:" + dir.resolve("dst.sock") + ",server").toArray(String[]::new));
             MigrationPeer source = MigrationPeer.start(LiveMigrationTest.with(args,
                     "--qmp", "unix:" + dir.resolve("src.sock") + ",server").toArray(String[]::new))) {
            String address = dest.awaitAddress();
            String sourceQmp = source.awaitLine(QMP).group(1);
            String out = step("source", sourceQmp, address);
            assertTrue(out.contains("connected, version 7.2.0"), out);
            assertTrue(out.contains("event MIGRATION map[status:completed]"), out);
            assertTrue(out.contains("query-migrate after: status=completed"), out);

            step("destination", dest.awaitLine(QMP).group(1));
            assertEquals(0, dest.awaitExit(), "the destination powers off:\n" + dest.output());
            step("quit", sourceQmp);
            assertEquals(0, source.awaitExit(), source.output());
        }
    }

    @Test
    @Timeout(600)
    void theSameProgramDrivesQemu() throws Exception {
        assumeTrue(onPath("qemu-system-i386") || System.getenv("CI") != null,
                "the QEMU comparison needs qemu-system-i386 (Debian's qemu-system-x86)");
        int port;
        try (var free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Path src = dir.resolve("qemu-src.sock");
        Path dst = dir.resolve("qemu-dst.sock");
        // -daemonize returns once QEMU listens, so the client never races the socket's creation
        startQemu(src, dir.resolve("src.pid"), List.of());
        startQemu(dst, dir.resolve("dst.pid"), List.of("-incoming", "tcp:127.0.0.1:" + port));
        try {
            String out = step("source", src.toString(), "tcp:127.0.0.1:" + port);
            assertTrue(out.contains("event MIGRATION map[status:completed]"), out);
            step("destination", dst.toString());
            step("quit", src.toString());
            step("quit", dst.toString());
        } finally {
            for (Path pid : List.of(dir.resolve("src.pid"), dir.resolve("dst.pid"))) {
                if (Files.exists(pid)) {
                    ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
    }

    private void startQemu(Path qmp, Path pidFile, List<String> extra) throws IOException, InterruptedException {
        var cmd = new ArrayList<>(List.of("qemu-system-i386", "-machine", "pc", "-m", "16", "-display", "none",
                "-nodefaults", "-accel", "tcg", "-daemonize", "-pidfile", pidFile.toString(),
                "-qmp", "unix:" + qmp + ",server=on,wait=off"));
        cmd.addAll(extra);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("qemu-system-i386 did not daemonize:\n" + out);
        }
        assertEquals(0, p.exitValue(), "qemu-system-i386 " + String.join(" ", cmd) + ":\n" + out);
    }
}
