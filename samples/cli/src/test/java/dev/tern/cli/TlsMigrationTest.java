package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.migration.MigrationSource;
import dev.tern.kernel.migration.MigrationStats;
import dev.tern.kernel.migration.MigrationStatus;
import dev.tern.kernel.migration.MigrationUri;
import java.nio.charset.StandardCharsets;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.SnapshotStore;
import dev.tern.kernel.vm.VmState;
import dev.tern.testkit.transport.TestCertificates;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Migration and fault tolerance over {@code tls:} between two JVMs, with certificates made at test
 * time: the destination (or standby) has the CA-signed "node" certificate for 127.0.0.1, the
 * source (or primary) the CA-signed "client" one, and each checks the other (mutual
 * authentication). The dirty-writer guest is deterministic under warp pacing, so a migrated run
 * must end exactly as one that never moved.
 */
class TlsMigrationTest {

    static final long LIMIT = 80_000_000;

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

    private static List<String> with(List<String> base, String... more) {
        var l = new ArrayList<>(base);
        l.addAll(List.of(more));
        return l;
    }

    private String referenceRam() throws Exception {
        try (Machine m = RunMachines.create(guest())) {
            m.start();
            assertEquals(MachineExit.Reason.INSTRUCTION_LIMIT, m.awaitExit().reason());
            return MachineDigest.ram(m);
        }
    }

    @Test
    @Timeout(300)
    void runningGuestMigratesOverMutuallyAuthenticatedTls() throws Exception {
        String listen = "tls:127.0.0.1:0" + pki.options("node", "ca");
        try (MigrationPeer dest = MigrationPeer.start(with(guest(), "--incoming", listen, "--print-digest")
                .toArray(String[]::new));
             Machine source = RunMachines.create(guest())) {
            String address = dest.awaitAddress();
            assertTrue(address.matches("tls:127\\.0\\.0\\.1:\\d+"), "the listener shows no credentials: " + address);
            source.start();
            LiveMigrationTest.runAtLeast(source, 2_000_000);
            // Through the monitor, with multifd: the extra RAM channels connect to the same tls: URI.
            var mon = new Monitor(source, new SnapshotStore(dir));
            new MigrationCommands(source, RunMachines.plugins(), System.out).registerOn(mon);
            assertEquals("", mon.execute("migrate_set_capability multifd on"));
            assertEquals("", mon.execute("migrate_set_parameter multifd-channels 2"));
            assertEquals("", mon.execute("migrate " + address + pki.options("client", "ca")), dest.output());
            String info = mon.execute("info migrate");
            assertTrue(info.contains("Migration status: completed"), info + "\n" + dest.output());
            long atSwitch = source.vcpus().getFirst().instructionCount();
            MigrationPeer.Digest received = dest.awaitDigest("incoming migration complete");
            assertEquals(atSwitch, received.instructions());
            assertEquals(MachineDigest.full(source), received.state(), "machine state differs at switch-over");
            assertEquals(0, dest.awaitExit(), dest.output());
            assertEquals(referenceRam(), dest.awaitDigest("stopped").ram(),
                    "the migrated guest ended differently from one that never moved");
        }
    }

    /**
     * Post-copy over tls: the destination reads pages and writes its page requests on one TLS
     * connection at the same time, and the guest ends exactly as one that never moved.
     */
    @Test
    @Timeout(300)
    void postcopyOverTlsEndsAsIfNeverMoved() throws Exception {
        String listen = "tls:127.0.0.1:0" + pki.options("node", "ca");
        try (MigrationPeer dest = MigrationPeer.start(with(guest(), "--incoming", listen, "--print-digest")
                .toArray(String[]::new));
             Machine source = RunMachines.create(guest())) {
            String address = dest.awaitAddress();
            source.start();
            LiveMigrationTest.runAtLeast(source, 2_000_000);
            var config = dev.tern.kernel.migration.MigrationConfig.DEFAULT.withCapability("postcopy-ram", true)
                    .with("max-bandwidth", "16M");
            var migration = new dev.tern.kernel.migration.MigrationSource(source, dev.tern.kernel.migration.MigrationUri
                    .parse(address + pki.options("client", "ca")).connect(RunMachines.plugins()), config,
                    RunMachines.plugins());
            var statuses = new java.util.concurrent.CopyOnWriteArrayList<dev.tern.kernel.migration.MigrationStatus>();
            migration.addListener(new dev.tern.kernel.migration.MigrationListener() {
                @Override
                public void changed(dev.tern.kernel.migration.MigrationStatus status,
                        dev.tern.kernel.migration.MigrationStats stats) {
                    statuses.add(status);
                }

                @Override
                public void pass(long pass) {
                    if (pass == 1) {
                        migration.startPostcopy();
                    }
                }
            });
            var stats = migration.run();
            assertEquals(dev.tern.kernel.migration.MigrationStatus.COMPLETED, stats.status(),
                    stats.render() + "\n" + dest.output());
            assertTrue(statuses.contains(dev.tern.kernel.migration.MigrationStatus.POSTCOPY_ACTIVE), statuses.toString());
            assertEquals(0, dest.awaitExit(), dest.output());
            assertTrue(dest.output().contains("post-copy complete"), dest.output());
            assertEquals(referenceRam(), dest.awaitDigest("stopped").ram(),
                    "the migrated guest ended differently from one that never moved");
        }
    }

    /**
     * A client that fails its TLS handshake while the destination waits for the multifd channels
     * (here: plain bytes, sent once the destination took the main connection and before the first
     * channel connects) is refused alone: the channels that follow are accepted and the migration
     * completes.
     */
    @Test
    @Timeout(300)
    void aStrayClientDuringMultifdSetupIsRefusedAndTheChannelsStillConnect() throws Exception {
        String listen = "tls:127.0.0.1:0" + pki.options("node", "ca");
        try (MigrationPeer dest = MigrationPeer.start(with(guest(), "--incoming", listen, "--print-digest")
                .toArray(String[]::new));
             Machine source = RunMachines.create(guest())) {
            String address = dest.awaitAddress();
            int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            MigrationUri uri = MigrationUri.parse(address + pki.options("client", "ca"));
            var config = MigrationConfig.DEFAULT.withCapability("multifd", true).with("multifd-channels", "2");
            var strayDone = new java.util.concurrent.atomic.AtomicBoolean();
            var migration = new MigrationSource(source, uri.connect(RunMachines.plugins()), config,
                    RunMachines.plugins(), () -> {
                        if (strayDone.compareAndSet(false, true)) {
                            strayBefore(dest, port);
                        }
                        return uri.connect(RunMachines.plugins());
                    });
            MigrationStats stats = migration.run();
            assertEquals(MigrationStatus.COMPLETED, stats.status(), stats.render() + "\n" + dest.output());
            assertTrue(stats.multifdBytes() > 0, stats.render());
            assertEquals(source.vcpus().getFirst().instructionCount(),
                    dest.awaitDigest("incoming migration complete").instructions());
            assertEquals(0, dest.awaitExit(), dest.output());
        }
    }

    /** Once {@code dest} took its main connection: a plain-TCP client's bytes, until the destination hangs up. */
    private static void strayBefore(MigrationPeer dest, int port) throws java.io.IOException {
        try {
            dest.awaitLines(java.util.regex.Pattern.compile("^tern: incoming migration from "), 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("waiting for the destination to take the main connection");
        }
        try (var stray = new java.net.Socket("127.0.0.1", port)) {
            stray.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            stray.getInputStream().readAllBytes(); // the refusal (if any) and the close: the handshake failed
        }
    }

    @Test
    @Timeout(300)
    void sourceWithAnUntrustedCertificateIsRefusedAndTheGuestStaysAtTheSource() throws Exception {
        String listen = "tls:127.0.0.1:0" + pki.options("node", "ca");
        try (MigrationPeer dest = MigrationPeer.start(with(guest(), "--incoming", listen).toArray(String[]::new));
             Machine source = RunMachines.create(guest())) {
            String address = dest.awaitAddress();
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            MigrationStats stats = new MigrationSource(source,
                    MigrationUri.parse(address + pki.options("stranger", "ca")).connect(RunMachines.plugins()),
                    MigrationConfig.DEFAULT, RunMachines.plugins()).run();
            assertEquals(MigrationStatus.FAILED, stats.status(), stats.render());
            assertTrue(stats.error().contains("server refused") && stats.error().contains("alert"), stats.error());
            assertNotEquals(0, dest.awaitExit(), dest.output());
            assertTrue(dest.output().contains("client's certificate 'CN=stranger'")
                    && dest.output().contains("not signed by a trusted CA"), dest.output());
            assertNotEquals(VmState.POSTMIGRATE, source.lifecycle().state(), "the guest stays at the source");
        }
    }

    @Test
    @Timeout(180)
    void ftStandbyOverTlsTakesOverFromAKilledPrimary() throws Exception {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "correct horse\n");
        String listen = "tls:127.0.0.1:0" + pki.options("node", "ca");
        try (MigrationPeer standby = MigrationPeer.start(with(guest(), "--ft",
                "standby,listen=" + listen + ",password-file=" + pw + ",fencing=none", "--print-digest").toArray(String[]::new))) {
            String address = standby.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+)")).group(1);
            try (MigrationPeer primary = MigrationPeer.start(with(guest(), "--ft", "primary,peer=" + address
                    + pki.options("client", "ca") + ",password-file=" + pw + ",fencing=none,interval=20ms,timeout=5s")
                    .toArray(String[]::new))) {
                primary.awaitLine(Pattern.compile("ft: protected by standby"));
                primary.kill();
            }
            standby.awaitLine(Pattern.compile("ft: primary lost after checkpoint (\\d+); running as primary"));
            MigrationPeer.Digest end = standby.awaitDigest("stopped");
            assertEquals(LIMIT, end.instructions(), standby.output());
            assertEquals(referenceRam(), end.ram(), "the guest did not go on from the checkpoint as it would have");
            assertEquals(0, standby.awaitExit(), standby.output());
        }
    }
}
