package dev.tern.cli;

import dev.tern.kernel.ft.FtConfig;
import dev.tern.kernel.ft.FtPrimary;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.SnapshotStore;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.migration.MachineDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fault tolerance between two JVMs over real sockets: a {@code tern run --ft primary} runs the
 * dirty-writer guest (deterministic under warp pacing) and checkpoints it to a
 * {@code tern run --ft standby}. The primary dies — SIGKILL, or halted by a test hook at an exact
 * point of the protocol — and the standby must take over from a complete checkpoint: its state
 * then equals a run that never stopped, paused at the same instruction count, and the guest runs on
 * to the same final RAM.
 */
class FtFailoverTest {

    /** Where every run stops; the primary is killed long before. */
    static final long LIMIT = 80_000_000;
    /** Large, so a loaded test machine never fails over on a late heartbeat: deaths here close the socket. */
    static final String TIMEOUT = "timeout=5s";
    private static final Pattern LOST = Pattern.compile("ft: primary lost after checkpoint (\\d+); running as primary");
    private static final Pattern AT = Pattern.compile(
            "tern: ft standby at checkpoint (\\d+): instructions=(\\d+) ram-sha256=([0-9a-f]{64}) state-sha256=([0-9a-f]{64})");
    private static final Map<Long, String> STATES = new ConcurrentHashMap<>();
    private static volatile String finalRam;

    @TempDir
    Path dir;

    private List<String> guest() throws Exception {
        return List.of("--bios", RunMachines.guest(dir, "dirty-writer.rom").toString(), "-m", "4M", "--serial", "none",
                "--pacing", "warp", "--max-instructions", Long.toString(LIMIT));
    }

    private Path password(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text + "\n");
        return p;
    }

    private String[] run(List<String> extra) throws Exception {
        var all = new ArrayList<>(guest());
        all.addAll(extra);
        return all.toArray(String[]::new);
    }

    private MigrationPeer standby(String listen, Path pw, String... more) throws Exception {
        var extra = new ArrayList<>(List.of("--ft", "standby,listen=" + listen + ",password-file=" + pw + ",fencing=none", "--print-digest"));
        extra.addAll(List.of(more));
        return MigrationPeer.start(run(extra));
    }

    private MigrationPeer primary(List<String> jvm, String peer, Path pw) throws Exception {
        return MigrationPeer.start(jvm, run(List.of("--ft", "primary,peer=" + peer + ",password-file=" + pw + ",fencing=none"
                + ",interval=20ms," + TIMEOUT)));
    }

    /** The whole state of a run that never stopped, at {@code instructions}. */
    private String stateAt(long instructions) throws Exception {
        String known = STATES.get(instructions);
        if (known != null) {
            return known;
        }
        try (Machine m = RunMachines.create(guest())) {
            var at = m.pauseAt(instructions);
            m.start();
            at.get();
            String d = MachineDigest.full(m);
            STATES.put(instructions, d);
            return d;
        }
    }

    private String finalRam() throws Exception {
        if (finalRam == null) {
            try (Machine m = RunMachines.create(guest())) {
                m.start();
                assertEquals(MachineExit.Reason.INSTRUCTION_LIMIT, m.awaitExit().reason());
                finalRam = MachineDigest.ram(m);
            }
        }
        return finalRam;
    }

    /**
     * The standby took over from checkpoint {@code expected} (any when negative), exactly; with
     * {@code toEnd} the guest then runs on to the limit, ending as a run that never stopped.
     */
    private void assertTookOver(MigrationPeer standby, long expected, boolean toEnd) throws Exception {
        long lost = Long.parseLong(standby.awaitLine(LOST).group(1));
        Matcher at = standby.awaitLine(AT);
        assertEquals(lost, Long.parseLong(at.group(1)), standby.output());
        if (expected >= 0) {
            assertEquals(expected, lost, standby.output());
        }
        long instructions = Long.parseLong(at.group(2));
        assertEquals(stateAt(instructions), at.group(4),
                "the standby's state at takeover is not the guest's state at instruction " + instructions);
        if (!toEnd) {
            return;
        }
        MigrationPeer.Digest end = standby.awaitDigest("stopped");
        assertEquals(LIMIT, end.instructions(), standby.output());
        assertEquals(finalRam(), end.ram(), "the guest did not go on from the checkpoint as it would have");
        assertEquals(0, standby.awaitExit(), standby.output());
    }

    @Test
    @Timeout(120)
    void aKilledPrimaryIsReplacedByTheStandbyFromItsLastCheckpoint() throws Exception {
        Path pw = password("pw", "correct horse");
        try (MigrationPeer standby = standby("tcp:127.0.0.1:0", pw)) {
            String address = standby.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+)")).group(1);
            try (MigrationPeer primary = primary(List.of(), address, pw)) {
                primary.awaitLine(Pattern.compile("ft: protected by standby"));
                primary.kill(); // SIGKILL at whatever point the checkpoints are
            }
            assertTookOver(standby, -1, true);
        }
    }

    @ParameterizedTest(name = "halted at {0} over {1}")
    @CsvSource({"3:mid, unix, 2", "2:acked, tcp, 2"})
    @Timeout(120)
    void aPrimaryDyingAtAnExactPointLeavesTheStandbyAtTheLastCompleteCheckpoint(String halt, String transport,
            long expected) throws Exception {
        Path pw = password("pw", "correct horse");
        String listen = transport.equals("unix") ? "unix:" + dir.resolve("ft.sock") : "tcp:127.0.0.1:0";
        try (MigrationPeer standby = standby(listen, pw)) {
            String address = standby.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+)")).group(1);
            try (MigrationPeer primary = primary(List.of("-Dtern.ft.test.halt=" + halt), address, pw)) {
                primary.awaitLine(Pattern.compile("ft: test hook: halting at checkpoint"));
                assertEquals(137, primary.awaitExit(), primary.output());
            }
            assertTookOver(standby, expected, false);
        }
    }

    @Test
    @Timeout(120)
    void aWrongPasswordIsRefusedAndThePrimaryRunsOnUnprotected() throws Exception {
        try (MigrationPeer standby = standby("tcp:127.0.0.1:0", password("pw", "correct horse"))) {
            String address = standby.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+)")).group(1);
            try (MigrationPeer primary = primary(List.of(), address, password("other", "battery staple"))) {
                Matcher m = primary.awaitLine(Pattern.compile("ft: no standby \\((.*)\\); running unprotected"));
                assertTrue(m.group(1).startsWith("the standby refused: authentication failed"), m.group(1));
                standby.awaitLine(Pattern.compile("ft: refused primary \\S+: authentication failed"));
                assertEquals(0, primary.awaitExit(), primary.output()); // its guest ran on to the limit
                assertTrue(standby.process().isAlive(), "the standby waits for another primary");
                assertTrue(!standby.output().contains("running as primary"), standby.output());
            }
        }
    }

    @Test
    @Timeout(120)
    void aDifferentMachineIsRefusedOnBothSides() throws Exception {
        Path pw = password("pw", "correct horse");
        var bigger = new ArrayList<>(guest());
        bigger.set(bigger.indexOf("4M"), "8M");
        bigger.addAll(List.of("--ft", "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none"));
        try (MigrationPeer standby = MigrationPeer.start(bigger.toArray(String[]::new))) {
            String address = standby.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+)")).group(1);
            try (MigrationPeer primary = primary(List.of(), address, pw)) {
                Matcher p = primary.awaitLine(Pattern.compile("ft: no standby \\(the standby refused: (.*)\\); running"
                        + " unprotected"));
                assertTrue(p.group(1).startsWith("configuration mismatch: primary has 'ram: "), p.group(1));
                Matcher s = standby.awaitLine(Pattern.compile("ft: refused primary \\S+: (.*); waiting for another"));
                assertEquals(p.group(1), s.group(1));
                assertEquals(0, primary.awaitExit(), primary.output());
                assertTrue(standby.process().isAlive(), "the standby waits for another primary");
            }
        }
    }

    @Test
    @Timeout(120)
    void aCorruptedCheckpointIsRefusedAndTheStandbyKeepsThePreviousOne() throws Exception {
        Path pw = password("pw", "correct horse");
        try (MigrationPeer standby = standby("tcp:127.0.0.1:0", pw)) {
            String address = standby.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+)")).group(1);
            try (MigrationPeer primary = primary(List.of("-Dtern.ft.test.corrupt=2"), address, pw)) {
                Matcher refused = standby.awaitLine(Pattern.compile("ft: refused checkpoint 2: (.*); the standby stays at"
                        + " checkpoint 1 and ends without running the guest"));
                assertTrue(refused.group(1).startsWith("checkpoint 2: CRC32C"), refused.group(1));
                Matcher at = standby.awaitLine(AT);
                assertEquals("1", at.group(1));
                assertEquals(stateAt(Long.parseLong(at.group(2))), at.group(4), "the refused checkpoint changed the standby");
                assertEquals(2, standby.awaitExit(), standby.output());
                primary.awaitLine(Pattern.compile("ft: standby lost after checkpoint 1 \\(the standby refused: checkpoint 2:"
                        + " CRC32C.*\\); running unprotected"));
                assertEquals(0, primary.awaitExit(), primary.output()); // its guest ran on to the limit
            }
        }
    }

    @Test
    @Timeout(120)
    void aKilledStandbyLeavesThePrimaryRunningUnprotected() throws Exception {
        Path pw = password("pw", "correct horse");
        try (MigrationPeer standby = standby("tcp:127.0.0.1:0", pw)) {
            String address = standby.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+)")).group(1);
            try (MigrationPeer primary = primary(List.of(), address, pw)) {
                primary.awaitLine(Pattern.compile("ft: protected by standby"));
                standby.kill();
                primary.awaitLine(Pattern.compile("ft: standby lost after checkpoint \\d+ \\(.*\\); running unprotected"));
                assertEquals(0, primary.awaitExit(), primary.output()); // the guest still reached its limit
            }
        }
    }

    @Test
    @Timeout(120)
    void theStandbyAnswersInfoFtAndQuitEndsItWithoutRunningTheGuest() throws Exception {
        Path pw = password("pw", "correct horse");
        try (MigrationPeer standby = standby("tcp:127.0.0.1:0", pw, "--monitor", "tcp:127.0.0.1:0")) {
            String address = standby.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+)")).group(1);
            int port = Integer.parseInt(standby.awaitLine(Pattern.compile("tern: monitor listening on [^:]+:(\\d+)"))
                    .group(1));
            try (MigrationPeer primary = primary(List.of(), address, pw);
                 var socket = new java.net.Socket("127.0.0.1", port)) {
                primary.awaitLine(Pattern.compile("ft: protected by standby"));
                socket.setSoTimeout(30_000);
                var out = new java.io.PrintWriter(socket.getOutputStream(), true, java.nio.charset.StandardCharsets.UTF_8);
                var in = socket.getInputStream();
                out.println("info ft");
                String info = readUntil(in, "bytes received:");
                assertTrue(info.contains("role: standby") && info.contains("state: protected")
                        && info.contains("last checkpoint applied:"), info);
                out.println("quit");
                assertEquals(0, standby.awaitExit(), standby.output());
                assertTrue(!standby.output().contains("running as primary"), standby.output());
                primary.awaitLine(Pattern.compile("ft: standby lost after checkpoint \\d+ \\(.*\\); running unprotected"));
                assertEquals(0, primary.awaitExit(), primary.output());
            }
        }
    }

    /** Reads the monitor's answer up to the line holding {@code marker} (bounded by the socket timeout). */
    private static String readUntil(java.io.InputStream in, String marker) throws java.io.IOException {
        var text = new StringBuilder();
        while (!text.toString().contains(marker) || !text.toString().endsWith("\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            text.append((char) b);
        }
        return text.toString();
    }

    @Test
    @Timeout(120)
    void aGuestThatEndsOnThePrimaryReleasesTheStandby() throws Exception {
        Path pw = password("pw", "correct horse");
        try (MigrationPeer standby = standby("tcp:127.0.0.1:0", pw)) {
            String address = standby.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+)")).group(1);
            try (MigrationPeer primary = primary(List.of(), address, pw)) {
                primary.awaitLine(Pattern.compile("ft: protected by standby"));
                assertEquals(0, primary.awaitExit(), primary.output()); // the guest reached its instruction limit
                standby.awaitLine(Pattern.compile("ft: the primary ended protection \\(the primary's guest ended.*\\);"
                        + " the standby ends without running the guest"));
                assertEquals(0, standby.awaitExit(), standby.output());
                assertTrue(!standby.output().contains("running as primary"), standby.output());
            }
        }
    }

    @Test
    @Timeout(120)
    void aStalledPrimaryIsLostAfterTheHeartbeatTimeout() throws Exception {
        Path pw = password("pw", "correct horse");
        try (MigrationPeer standby = standby("tcp:127.0.0.1:0", pw)) {
            String address = standby.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+)")).group(1);
            try (MigrationPeer primary = MigrationPeer.start(run(List.of("--ft", "primary,peer=" + address
                    + ",password-file=" + pw + ",fencing=none,interval=50ms,timeout=1s")))) {
                primary.awaitLine(Pattern.compile("ft: protected by standby"));
                // SIGSTOP: the socket stays open, only the heartbeats stop
                assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(primary.process().pid())).start()
                        .waitFor());
                long stopped = System.nanoTime();
                Matcher lost = standby.awaitLine(Pattern.compile("ft: primary lost after checkpoint \\d+; running as"
                        + " primary \\(no message within the heartbeat timeout\\)"));
                long ms = (System.nanoTime() - stopped) / 1_000_000;
                assertTrue(ms < 5_000, "took over " + ms + " ms after the primary stalled: " + lost.group());
                assertTookOver(standby, -1, false);
            }
        }
    }

    @Test
    @Timeout(120)
    void ftFailoverHandsTheGuestOverAtACheckpoint() throws Exception {
        Path pw = password("pw", "correct horse");
        try (MigrationPeer standby = standby("tcp:127.0.0.1:0", pw);
             Machine machine = RunMachines.create(guest())) {
            String address = standby.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+)")).group(1);
            var protectedLine = new java.util.concurrent.CountDownLatch(1);
            var log = new java.io.PrintStream(new java.io.ByteArrayOutputStream() {
                @Override
                public synchronized void write(byte[] b, int off, int len) {
                    super.write(b, off, len);
                    if (toString(java.nio.charset.StandardCharsets.UTF_8).contains("ft: protected by standby")) {
                        protectedLine.countDown();
                    }
                }
            }, true, java.nio.charset.StandardCharsets.UTF_8);
            // the full sync held to 16 MiB/s (sync-bandwidth): the hand-over is exact all the same
            var config = FtConfig.parse("primary,peer=" + address + ",password-file=" + pw + ",fencing=none,interval=20ms,sync-bandwidth=16M,"
                    + TIMEOUT);
            try (FtPrimary node = new FtPrimary(machine, config, RunMachines.plugins(), log)) {
                var monitor = new Monitor(machine, new SnapshotStore(dir));
                new FtCommands(node).registerOn(monitor);
                machine.start();
                node.start();
                assertTrue(protectedLine.await(60, java.util.concurrent.TimeUnit.SECONDS), "never protected");
                String info = monitor.execute("info ft");
                assertTrue(info.contains("role: primary") && info.contains("state: protected")
                        && info.contains("initial 1"), info);
                String handed = monitor.execute("ft_failover");
                assertTrue(handed.startsWith("ft: handed over to standby"), handed);
                MachineExit exit = machine.awaitExit();
                assertEquals(MachineExit.Reason.HOST_STOP, exit.reason(), exit.detail());
                assertTrue(monitor.execute("info ft").contains("state: handed-over"));
                assertTrue(monitor.execute("info ft").contains("failover 1"));
                String here = MachineDigest.full(machine);
                long n = Long.parseLong(standby.awaitLine(Pattern.compile(
                        "ft: primary handed over at checkpoint (\\d+); running as primary")).group(1));
                Matcher at = standby.awaitLine(AT);
                assertEquals(n, Long.parseLong(at.group(1)));
                assertEquals(here, at.group(4), "the standby's state is not the primary's at the hand-over");
                MigrationPeer.Digest end = standby.awaitDigest("stopped");
                assertEquals(LIMIT, end.instructions(), standby.output());
                assertEquals(finalRam(), end.ram(), "the guest did not go on from the hand-over as it would have");
            }
        }
    }
}
