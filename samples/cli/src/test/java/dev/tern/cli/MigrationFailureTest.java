package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.migration.MigrationSource;
import dev.tern.kernel.migration.MigrationStats;
import dev.tern.kernel.migration.MigrationStatus;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.vm.VmState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A migration that fails or is cancelled in any phase leaves the source running as if nothing had
 * happened: it reaches the instruction limit with exactly the RAM of a run that never migrated,
 * and the destination discards what it received and exits non-zero without running the guest.
 */
class MigrationFailureTest {

    @TempDir
    Path dir;

    private final LiveMigrationTest guests = new LiveMigrationTest();

    private List<String> args() throws Exception {
        guests.dir = dir;
        return guests.guestArgs();
    }

    /** Bandwidth-limited so every phase lasts long enough to be interrupted in. */
    private static final MigrationConfig SLOW = MigrationConfig.DEFAULT.with("max-bandwidth", "16M");

    private void assertSourceUnharmed(Machine source, MigrationStats stats, MigrationStatus expected) throws Exception {
        assertEquals(expected, stats.status(), stats.render());
        assertFalse(stats.error().isEmpty(), "a failed migration says why");
        assertEquals(VmState.RUNNING, source.lifecycle().state(), "the source runs on");
        assertFalse(source.memory().dirtyLog().isEnabled(), "dirty logging is off again");
        MachineExit exit = source.awaitExit();
        assertEquals(MachineExit.Reason.INSTRUCTION_LIMIT, exit.reason(), exit.detail());
        assertEquals(guests.reference(), MachineDigest.ram(source), "the source's RAM differs from an unmigrated run");
    }

    /** A destination JVM waiting for an incoming migration over {@code transport}. */
    private MigrationPeer destination(List<String> args, String transport) throws Exception {
        return MigrationPeer.start(LiveMigrationTest.with(args, "--incoming",
                LiveMigrationTest.listenAddress(transport, dir)).toArray(String[]::new));
    }

    /** Starts the source guest, lets it run a while, and prepares a bandwidth-limited migration to {@code dest}. */
    private MigrationSource slowMigration(Machine source, MigrationPeer dest) throws Exception {
        String address = dest.awaitAddress();
        source.start();
        LiveMigrationTest.runAtLeast(source, 1_000_000);
        return new MigrationSource(source, MigrationUri.parse(address).connect(guests.plugins), SLOW, guests.plugins);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"tcp,SETUP", "tcp,ACTIVE", "tcp,DEVICE", "shm,SETUP", "shm,ACTIVE", "shm,DEVICE"})
    @Timeout(300)
    void destinationKilled(String transport, MigrationStatus phase) throws Exception {
        List<String> args = args();
        try (MigrationPeer dest = destination(args, transport);
             Machine source = guests.machine(args)) {
            var migration = slowMigration(source, dest);
            at(migration, phase, dest::kill);
            assertSourceUnharmed(source, migration.run(), MigrationStatus.FAILED);
        }
    }

    /** What a test does (to the peer, its relay, the migration) on the migration's own thread. */
    private interface PhaseAction {
        void run() throws IOException, InterruptedException;
    }

    /** Runs {@code action} on the migration's thread when it enters {@code phase}. */
    private static void at(MigrationSource migration, MigrationStatus phase, PhaseAction action) {
        migration.addListener((status, stats) -> {
            if (status == phase) {
                try {
                    action.run();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
    }

    /**
     * The connection cut (the relay closes both ends: each side sees it end) at setup, in a bulk
     * round, or with the guest paused for the switch-over, between this source and a destination
     * JVM: the source runs on unharmed, and the destination refuses (exit 2) without running the guest.
     */
    @ParameterizedTest(name = "tcp {0}")
    @EnumSource(value = MigrationStatus.class, names = {"SETUP", "ACTIVE", "DEVICE"})
    @Timeout(300)
    void connectionCut(MigrationStatus phase) throws Exception {
        List<String> args = args();
        try (MigrationPeer dest = destination(args, "tcp");
             Machine source = guests.machine(args);
             PartitionProxy relay = new PartitionProxy(dest.awaitAddress())) {
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            var migration = new MigrationSource(source, MigrationUri.parse(relay.uri()).connect(guests.plugins), SLOW,
                    guests.plugins);
            at(migration, phase, () -> {
                // At SETUP the source has connected, but the relay may not yet have reached the destination.
                relay.awaitFirstLink();
                relay.close();
            });
            assertSourceUnharmed(source, migration.run(), MigrationStatus.FAILED);
            assertEquals(2, dest.awaitExit(), dest.output());
            assertTrue(dest.output().contains("incoming migration from"), dest.output());
        }
    }

    /**
     * One of two multifd channels cut (its relay closes both ends) in a bulk round and with the
     * guest paused for the switch-over: the migration fails, the source runs on unharmed, and
     * the destination refuses (exit 2).
     */
    @ParameterizedTest(name = "tcp {0}")
    @EnumSource(value = MigrationStatus.class, names = {"ACTIVE", "DEVICE"})
    @Timeout(300)
    void multifdChannelCut(MigrationStatus phase) throws Exception {
        List<String> args = args();
        try (MigrationPeer dest = destination(args, "tcp");
             Machine source = guests.machine(args);
             PartitionProxy relay = new PartitionProxy(dest.awaitAddress())) {
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            MigrationUri uri = MigrationUri.parse(relay.uri());
            var config = SLOW.withCapability("multifd", true).with("multifd-channels", "2");
            var migration = new MigrationSource(source, uri.connect(guests.plugins), config, guests.plugins,
                    () -> uri.connect(guests.plugins));
            at(migration, phase, () -> {
                relay.awaitLinks(3); // the main connection, then the two channels
                relay.closeLink(2);
            });
            assertSourceUnharmed(source, migration.run(), MigrationStatus.FAILED);
            assertEquals(2, dest.awaitExit(), dest.output());
        }
    }

    /**
     * The link stalls in a bulk round or with the guest paused for the switch-over (the relay stops
     * reading: nothing moves either way and both sockets stay open, as with a hung host). With
     * {@code io-timeout=1s} in both addresses each end gives up after a second of no progress,
     * naming the idle timeout: the source runs on unharmed, the destination exits non-zero without
     * running the guest.
     */
    @ParameterizedTest(name = "tcp {0}")
    @EnumSource(value = MigrationStatus.class, names = {"ACTIVE", "DEVICE"})
    @Timeout(120)
    void stalledConnectionTimesOutOnBothEnds(MigrationStatus phase) throws Exception {
        List<String> args = args();
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming",
                "tcp:127.0.0.1:0?io-timeout=1s").toArray(String[]::new));
             Machine source = guests.machine(args);
             PartitionProxy relay = new PartitionProxy(dest.awaitAddress())) {
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            var migration = new MigrationSource(source,
                    MigrationUri.parse(relay.uri() + "?io-timeout=1s").connect(guests.plugins), SLOW, guests.plugins);
            at(migration, phase, () -> {
                relay.awaitFirstLink();
                relay.stall();
            });
            MigrationStats stats = migration.run();
            assertTrue(stats.error().contains("for 1s (idle timeout)"), stats.error());
            assertSourceUnharmed(source, stats, MigrationStatus.FAILED);
            assertNotEquals(0, dest.awaitExit(), dest.output());
            assertTrue(dest.output().contains("for 1s (idle timeout)"), dest.output());
        }
    }

    /**
     * The source JVM killed (SIGKILL, a host crash as the destination sees it) once the destination
     * has its connection, and once a bulk round runs: the destination refuses (exit 2) naming the
     * peer and never reports a completed migration, so nothing runs the guest from half a stream.
     */
    @ParameterizedTest
    @ValueSource(strings = {"connected", "active"})
    @Timeout(300)
    void sourceKilled(String when) throws Exception {
        List<String> args = args();
        List<String> endless = new java.util.ArrayList<>(args);
        endless.set(endless.indexOf("--max-instructions") + 1, "0");
        try (MigrationPeer dest = destination(args, "tcp");
             MigrationPeer source = MigrationPeer.start(LiveMigrationTest.with(endless, "--monitor", "stdio")
                     .toArray(String[]::new))) {
            String address = dest.awaitAddress();
            var monitor = new java.io.PrintStream(source.process().getOutputStream(), true,
                    java.nio.charset.StandardCharsets.UTF_8);
            monitor.println("migrate_set_capability events on");
            monitor.println("migrate_set_parameter max-bandwidth 16M");
            monitor.println("migrate -d " + address);
            if (when.equals("connected")) {
                dest.awaitLine(java.util.regex.Pattern.compile("incoming migration from"));
            } else {
                source.awaitLine(java.util.regex.Pattern.compile("MIGRATION status=active"));
            }
            source.kill();
            assertEquals(2, dest.awaitExit(), dest.output());
            assertTrue(dest.output().contains("incoming migration from tcp:") && dest.output().contains("failed"),
                    dest.output());
            assertFalse(dest.output().contains("incoming migration complete"), dest.output());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"tcp,SETUP", "tcp,ACTIVE", "tcp,DEVICE", "shm,SETUP", "shm,ACTIVE", "shm,DEVICE"})
    @Timeout(300)
    void cancelled(String transport, MigrationStatus phase) throws Exception {
        List<String> args = args();
        try (MigrationPeer dest = destination(args, transport);
             Machine source = guests.machine(args)) {
            var migration = slowMigration(source, dest);
            var cancelAccepted = new AtomicReference<Boolean>();
            at(migration, phase, () -> cancelAccepted.set(migration.cancel()));
            MigrationStats stats = migration.run();
            assertEquals(Boolean.TRUE, cancelAccepted.get());
            int status = dest.awaitExit();
            assertNotEquals(0, status, dest.output());
            assertTrue(dest.output().contains("incoming migration from"), dest.output());
            assertSourceUnharmed(source, stats, MigrationStatus.CANCELLED);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "shm"})
    @Timeout(300)
    void cancelledWhileTheGuestIsPausedForSwitchOver(String transport) throws Exception {
        List<String> args = args();
        try (MigrationPeer dest = destination(args, transport);
             Machine source = guests.machine(args)) {
            var migration = slowMigration(source, dest);
            var cancelAccepted = new AtomicReference<Boolean>();
            source.lifecycle().onChange((from, to) -> {
                if (to == VmState.MIGRATING) {
                    cancelAccepted.set(migration.cancel());
                }
            });
            MigrationStats stats = migration.run();
            assertEquals(Boolean.TRUE, cancelAccepted.get());
            assertNotEquals(0, dest.awaitExit(), dest.output());
            assertSourceUnharmed(source, stats, MigrationStatus.CANCELLED);
        }
    }

    @Test
    @Timeout(300)
    void timeoutWhenTheGuestOutrunsTheLink() throws Exception {
        List<String> args = args();
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming", "tcp:127.0.0.1:0")
                .toArray(String[]::new));
             Machine source = guests.machine(args)) {
            String address = dest.awaitAddress();
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            // 1 KiB per millisecond cannot move even one page within 1 ms: it never converges.
            var config = MigrationConfig.DEFAULT.with("max-bandwidth", "1M").with("downtime-limit", "1")
                    .with("timeout", "300");
            MigrationStats stats = new MigrationSource(source, MigrationUri.parse(address).connect(guests.plugins),
                    config, guests.plugins).run();
            assertTrue(stats.error().contains("did not converge within 300 ms"), stats.error());
            assertNotEquals(0, dest.awaitExit(), dest.output());
            assertTrue(dest.output().contains("the source aborted the migration: did not converge"), dest.output());
            assertSourceUnharmed(source, stats, MigrationStatus.FAILED);
        }
    }

    @Test
    @Timeout(120)
    void destinationRefusesGarbageAndNeverRunsTheGuest() throws Exception {
        Path serial = dir.resolve("serial.log");
        try (MigrationPeer dest = MigrationPeer.start("--serial", "file:" + serial, "--pacing", "warp",
                "--incoming", "tcp:127.0.0.1:0")) {
            MigrationUri uri = MigrationUri.parse(dest.awaitAddress());
            try (var c = uri.connect(guests.plugins)) {
                byte[] text = "not a saved-state stream".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                var message = java.nio.ByteBuffer.allocate(5 + text.length).put((byte) 1).putInt(text.length).put(text);
                c.write(message.flip());
            }
            assertEquals(2, dest.awaitExit(), dest.output());
            assertTrue(dest.output().contains("incoming migration from") && dest.output().contains("bad magic"),
                    dest.output());
            assertEquals("", java.nio.file.Files.exists(serial) ? java.nio.file.Files.readString(serial) : "");
        }
    }

    /**
     * The destination tells its source why it refuses (REFUSED with the reason) before it closes
     * the connection: the source then reports the destination's reason, not a broken pipe.
     */
    @Test
    @Timeout(120)
    void destinationSendsItsReasonBeforeClosing() throws Exception {
        try (MigrationPeer dest = MigrationPeer.start("--serial", "none", "--pacing", "warp",
                "--incoming", "tcp:127.0.0.1:0")) {
            MigrationUri uri = MigrationUri.parse(dest.awaitAddress());
            try (var c = uri.connect(guests.plugins)) {
                byte[] text = "not a saved-state stream, long enough for any header".getBytes(
                        java.nio.charset.StandardCharsets.US_ASCII);
                var message = java.nio.ByteBuffer.allocate(5 + text.length).put((byte) 1).putInt(text.length).put(text);
                c.write(message.flip());
                var head = java.nio.ByteBuffer.allocate(5);
                readFully(c, head);
                assertEquals(0x11, head.get(0), "the destination's answer is REFUSED (0x11)");
                int length = head.getInt(1);
                assertTrue(length > 0 && length < 4096, "REFUSED's reason is " + length + " bytes");
                var reason = java.nio.ByteBuffer.allocate(length);
                readFully(c, reason);
                String why = new String(reason.array(), java.nio.charset.StandardCharsets.UTF_8);
                assertTrue(why.contains("bad magic"), why);
            }
            assertEquals(2, dest.awaitExit(), dest.output());
        }
    }

    private static void readFully(dev.tern.spi.transport.Connection c, java.nio.ByteBuffer into) throws IOException {
        while (into.hasRemaining()) {
            if (c.read(into) < 0) {
                throw new java.io.EOFException("the destination closed the connection after " + into.position()
                        + " of " + into.capacity() + " bytes, without its REFUSED");
            }
        }
    }

    @Test
    @Timeout(300)
    void connectionDroppedMidStream() throws Exception {
        List<String> args = args();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Machine source = guests.machine(args)) {
            Thread dropper = Thread.ofPlatform().start(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    in.readNBytes(300_000); // part of the first round, then the line goes dead
                } catch (Exception ignored) {
                    // the test asserts on the source
                }
            });
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            MigrationStats stats = new MigrationSource(source,
                    MigrationUri.parse("tcp:127.0.0.1:" + server.getLocalPort()).connect(guests.plugins),
                    MigrationConfig.DEFAULT, guests.plugins).run();
            dropper.join();
            assertSourceUnharmed(source, stats, MigrationStatus.FAILED);
        }
    }

    /**
     * Over shm the pages bypass the stream: a destination that exposes the RAM, lets the source
     * write part of it and then drops the control channel.
     */
    @Test
    @Timeout(300)
    void shmConnectionDroppedMidStream() throws Exception {
        List<String> args = args();
        var listen = MigrationUri.parse(LiveMigrationTest.listenAddress("shm", dir));
        try (var listener = listen.listen(guests.plugins);
             Machine source = guests.machine(args);
             var ramArena = java.lang.foreign.Arena.ofShared()) {
            Thread dropper = Thread.ofPlatform().start(() -> {
                try (var c = (dev.tern.spi.transport.RemoteMemoryConnection) listener.accept()) {
                    var writable = source.memory().regions().stream().filter(r -> !r.readOnly()).toList();
                    for (int i = 0; i < writable.size(); i++) {
                        c.expose("ram" + i, writable.get(i).length(), ramArena);
                    }
                    var in = java.nio.ByteBuffer.allocate(64);
                    while (in.hasRemaining() && c.read(in) >= 0) {
                        // the start of the RAM stream, then the line goes dead
                    }
                } catch (Exception ignored) {
                    // the test asserts on the source
                }
            });
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            MigrationStats stats = new MigrationSource(source, MigrationUri.parse(listener.address()).connect(guests.plugins),
                    SLOW, guests.plugins).run();
            dropper.join();
            assertSourceUnharmed(source, stats, MigrationStatus.FAILED);
        }
    }

    @Test
    @Timeout(300)
    void destinationRefusesAnotherMemoryLayout() throws Exception {
        List<String> args = args();
        List<String> bigger = LiveMigrationTest.with(args, "-m", "8M", "--incoming", "tcp:127.0.0.1:0");
        try (MigrationPeer dest = MigrationPeer.start(bigger.toArray(String[]::new));
             Machine source = guests.machine(args)) {
            String address = dest.awaitAddress();
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            MigrationStats stats = new MigrationSource(source, MigrationUri.parse(address).connect(guests.plugins),
                    MigrationConfig.DEFAULT, guests.plugins).run();
            assertNotEquals(0, dest.awaitExit());
            assertTrue(dest.output().contains("differs from this one"), dest.output());
            assertSourceUnharmed(source, stats, MigrationStatus.FAILED);
        }
    }

    /**
     * A migration to a full device fails naming the cause (ENOSPC), and the source runs on. The
     * device is written in place; a regular file is covered by {@link #cancelledToAFileLeavesNoFile}.
     */
    @Test
    @Timeout(120)
    void toAFullDevice() throws Exception {
        assumeTrue(java.nio.file.Files.exists(Path.of("/dev/full")), "no /dev/full on this host");
        List<String> args = args();
        try (Machine source = guests.machine(args)) {
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            MigrationStats stats = new MigrationSource(source, MigrationUri.parse("file:/dev/full").connect(guests.plugins),
                    MigrationConfig.DEFAULT, guests.plugins).run();
            assertTrue(stats.error().contains("No space left on device"), stats.error());
            assertSourceUnharmed(source, stats, MigrationStatus.FAILED);
        }
    }

    /**
     * A migration to a file cancelled mid-round (after megabytes reached the disk) leaves neither
     * the file nor a partial one beside it, and a file of the same name from before is kept whole.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    @Timeout(120)
    void cancelledToAFileLeavesNoFile(boolean previousFile) throws Exception {
        List<String> args = args();
        Path out = dir.resolve("out").resolve("vm.mig");
        java.nio.file.Files.createDirectories(out.getParent());
        byte[] previous = "an earlier snapshot".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (previousFile) {
            java.nio.file.Files.write(out, previous);
        }
        try (Machine source = guests.machine(args)) {
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            var migration = new MigrationSource(source, MigrationUri.parse("file:" + out).connect(guests.plugins),
                    SLOW, guests.plugins);
            var cancelAccepted = new AtomicReference<Boolean>();
            at(migration, MigrationStatus.ACTIVE, () -> cancelAccepted.set(migration.cancel()));
            MigrationStats stats = migration.run();
            assertEquals(Boolean.TRUE, cancelAccepted.get());
            assertSourceUnharmed(source, stats, MigrationStatus.CANCELLED);
        }
        try (var files = java.nio.file.Files.list(out.getParent())) {
            assertEquals(previousFile ? List.of(out) : List.of(), files.toList());
        }
        if (previousFile) {
            assertArrayEquals(previous, java.nio.file.Files.readAllBytes(out));
        }
    }
}
