package dev.tern.cli;

import dev.tern.kernel.ft.FtConfig;
import dev.tern.kernel.ft.FtPrimary;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.vm.VmState;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.SnapshotStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The held-output limits as {@code --ft} keys ({@code held-batches=}, {@code held-bytes=},
 * {@code epoch-bytes=}), through real processes: a bad value ends {@code tern run} naming the key;
 * a standby keeping other limits than its primary holds is refused by both in the handshake; equal
 * limits protect the guest, and both sides' {@code info ft} show them; a standby that does not
 * acknowledge makes the primary pause its guest once the epoch is full, and resume after the ACK.
 */
class FtHeldOutputLimitsTest {

    private static final Pattern WAITING = Pattern.compile("ft: standby waiting for a primary on (\\S+)");

    @TempDir
    Path dir;

    private List<String> guest() throws Exception {
        return List.of("--bios", RunMachines.guest(dir, "dirty-writer.rom").toString(), "-m", "4M", "--serial", "none",
                "--pacing", "warp", "--max-instructions", Long.toString(FtFailoverTest.LIMIT));
    }

    private Path password() throws Exception {
        Path p = dir.resolve("pw");
        Files.writeString(p, "correct horse\n");
        return p;
    }

    private MigrationPeer tern(String ft, String... more) throws Exception {
        var args = new ArrayList<>(guest());
        args.addAll(List.of("--ft", ft));
        args.addAll(List.of(more));
        return MigrationPeer.start(args.toArray(String[]::new));
    }

    @Test
    @Timeout(60)
    void aBadValueEndsTernRunNamingTheKey() throws Exception {
        Path pw = password();
        try (MigrationPeer primary = tern("primary,peer=tcp:127.0.0.1:1,password-file=" + pw + ",fencing=none,held-bytes=lots")) {
            primary.awaitLine(Pattern.compile(Pattern.quote("tern: --ft: held-bytes='lots' is not a size in bytes (e.g. 32M)")));
            assertEquals(2, primary.awaitExit(), primary.output());
        }
        try (MigrationPeer standby = tern("standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none,held-batches=8,epoch-bytes=4K")) {
            standby.awaitLine(Pattern.compile(Pattern.quote("tern: --ft standby: epoch-bytes= applies to the primary a standby"
                    + " becomes when it protects the guest after taking over; it needs reprotect=URI")));
            assertEquals(2, standby.awaitExit(), standby.output());
            assertTrue(!standby.output().contains("waiting for a primary"), standby.output());
        }
    }

    @Test
    @Timeout(120)
    void aStandbyKeepingOtherLimitsIsRefusedOnBothSidesAndThePrimaryRunsOn() throws Exception {
        Path pw = password();
        try (MigrationPeer standby = tern("standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none,held-batches=8")) {
            String address = standby.awaitLine(WAITING).group(1);
            try (MigrationPeer primary = tern("primary,peer=" + address + ",password-file=" + pw + ",fencing=none,interval=20ms,"
                    + FtFailoverTest.TIMEOUT)) {
                Matcher p = primary.awaitLine(Pattern.compile("ft: no standby \\(the standby refused: (.*)\\); running"
                        + " unprotected"));
                assertEquals("configuration mismatch: primary has 'held output: at most 64 batches, 33554432 bytes',"
                        + " standby has 'held output: at most 8 batches, 33554432 bytes'", p.group(1));
                Matcher s = standby.awaitLine(Pattern.compile("ft: refused primary \\S+: (.*); waiting for another"));
                assertEquals(p.group(1), s.group(1));
                assertEquals(0, primary.awaitExit(), primary.output()); // its guest ran on to the limit
                assertTrue(standby.process().isAlive(), "the standby waits for another primary");
                assertTrue(!standby.output().contains("running as primary"), standby.output());
            }
        }
    }

    @Test
    @Timeout(120)
    void equalLimitsProtectTheGuestAndInfoFtShowsThemOnBothSides() throws Exception {
        Path pw = password();
        String limits = ",held-batches=8,held-bytes=1M";
        try (MigrationPeer standby = tern("standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none" + limits,
                "--monitor", "tcp:127.0.0.1:0");
             Machine machine = RunMachines.create(guest())) {
            String address = standby.awaitLine(WAITING).group(1);
            int port = Integer.parseInt(standby.awaitLine(Pattern.compile("tern: monitor listening on [^:]+:(\\d+)"))
                    .group(1));
            var protectedLine = new CountDownLatch(1);
            var config = FtConfig.parse("primary,peer=" + address + ",password-file=" + pw + ",fencing=none,interval=20ms," + FtFailoverTest.TIMEOUT
                    + limits + ",epoch-bytes=4K");
            try (FtPrimary node = new FtPrimary(machine, config, RunMachines.plugins(), watching(protectedLine))) {
                var monitor = new Monitor(machine, new SnapshotStore(dir));
                new FtCommands(node).registerOn(monitor);
                machine.start();
                node.start();
                assertTrue(protectedLine.await(60, TimeUnit.SECONDS), "never protected: " + node.render());
                String info = monitor.execute("info ft");
                assertTrue(info.contains("state: protected") && info.contains(
                        "held-output limits: 8 batches, 1048576 bytes; epoch 4096 bytes\n"), info);
                try (var socket = new Socket("127.0.0.1", port)) {
                    socket.setSoTimeout(30_000);
                    var out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
                    out.println("info ft");
                    String standbyInfo = readUntil(socket.getInputStream(), "held-output limits:");
                    assertTrue(standbyInfo.contains("state: protected") && standbyInfo.contains("held-output limits: keeps"
                            + " at most 8 batches, 68157440 bytes (held-bytes 1048576 + one epoch's section)"), standbyInfo);
                }
            }
        }
    }

    /**
     * A standby that does not acknowledge (SIGSTOP) while the guest outputs: the epoch fills up to
     * {@code epoch-bytes=} while the primary waits for an ACK, so the primary pauses its guest
     * (a JVM of its own for the standby, the primary's machine in this JVM, whose state the test
     * reads); SIGCONT: the ACK comes, the guest runs again and on to its end, and its serial output
     * is one uninterrupted run's — the pause lost and repeated nothing.
     */
    @Test
    @Timeout(120)
    void aStandbyThatDoesNotAcknowledgeMakesThePrimaryPauseItsGuestAtAFullEpoch() throws Exception {
        var counter = new FtCounterGuest(dir);
        Path pw = counter.password();
        Path a = dir.resolve("a.log");
        String limits = ",held-batches=8,held-bytes=4K";
        var log = new WaitLines();
        try (MigrationPeer standby = MigrationPeer.start(counter.withFt(dir.resolve("b.log"),
                "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none" + limits));
             Machine machine = RunMachines.create(counter.args(a))) {
            String address = standby.awaitLine(WAITING).group(1);
            // timeout=30s: the stopped standby must not be taken for lost while the test holds it
            var config = FtConfig.parse("primary,peer=" + address + ",password-file=" + pw + ",fencing=none,interval=20ms,"
                    + "timeout=30s" + limits + ",epoch-bytes=256");
            try (FtPrimary node = new FtPrimary(machine, config, RunMachines.plugins(), log.stream())) {
                machine.start();
                node.start();
                log.await(() -> log.count("ft: protected by standby") > 0, () -> "never protected: " + node.render());
                FtFencingTest.signal("STOP", standby);
                int before = log.count("ft: held output at its limit");
                log.await(() -> log.count("ft: held output at its limit") > before
                        && log.last().startsWith("ft: held output at its limit")
                        && machine.lifecycle().state() == VmState.PAUSED,
                        () -> "the guest never waited for the stopped standby: " + node.render());
                assertTrue(node.render().contains("waits at the held-output limit: "), node.render());
                FtFencingTest.signal("CONT", standby);
                log.await(() -> log.count("ft: held output below its limit again; the guest runs")
                        == log.count("ft: held output at its limit"), () -> "the guest never ran again: " + node.render());
                assertEquals(MachineExit.Reason.INSTRUCTION_LIMIT, machine.awaitExit().reason(), node.render());
                assertEquals(0, log.count("ft: standby lost"), "protection lasted through the wait: " + node.render());
            }
            assertEquals(0, standby.awaitExit(), standby.output()); // released by the guest's end, never ran
        }
        assertEquals(counter.reference(), Files.readString(a), "the wait lost or repeated output");
    }

    /** A log that remembers its lines and wakes waiters on each. */
    private static final class WaitLines {
        private final List<String> lines = new ArrayList<>();
        private final StringBuilder partial = new StringBuilder();

        PrintStream stream() {
            return new PrintStream(new java.io.OutputStream() {
                @Override
                public void write(int b) {
                    synchronized (WaitLines.this) {
                        if (b == '\n') {
                            lines.add(partial.toString());
                            partial.setLength(0);
                            WaitLines.this.notifyAll();
                        } else {
                            partial.append((char) b);
                        }
                    }
                }
            }, true, StandardCharsets.UTF_8);
        }

        synchronized int count(String prefix) {
            return (int) lines.stream().filter(l -> l.startsWith(prefix)).count();
        }

        synchronized String last() {
            return lines.isEmpty() ? "" : lines.getLast();
        }

        /** Waits (60 s at most) until {@code done} holds; it is checked at each line and every 10 ms. */
        synchronized void await(java.util.function.BooleanSupplier done, java.util.function.Supplier<String> otherwise)
                throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!done.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(otherwise.get() + "\nlog:\n" + String.join("\n", lines));
                }
                // the state read alongside the lines changes just before its line: re-check soon
                wait(Math.min(10, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))));
            }
        }
    }

    /** The primary's log, whose protected line opens {@code latch}. */
    private static PrintStream watching(CountDownLatch latch) {
        return new PrintStream(new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                super.write(b, off, len);
                if (toString(StandardCharsets.UTF_8).contains("ft: protected by standby")) {
                    latch.countDown();
                }
            }
        }, true, StandardCharsets.UTF_8);
    }

    /** Reads the monitor's answer up to the end of the line holding {@code marker} (bounded by the socket timeout). */
    private static String readUntil(InputStream in, String marker) throws java.io.IOException {
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
}
