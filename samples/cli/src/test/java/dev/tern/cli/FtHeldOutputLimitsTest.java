package dev.tern.cli;

import dev.tern.kernel.ft.FtConfig;
import dev.tern.kernel.ft.FtPrimary;
import dev.tern.kernel.machine.Machine;
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
 * limits protect the guest, and both sides' {@code info ft} show them.
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
