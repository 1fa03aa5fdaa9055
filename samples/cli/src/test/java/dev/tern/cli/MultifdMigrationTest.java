package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.migration.ChannelConnector;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.migration.MigrationSource;
import dev.tern.kernel.migration.MigrationStats;
import dev.tern.kernel.migration.MigrationStatus;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.vm.VmState;
import dev.tern.spi.transport.Connection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Multifd between two JVMs (docs/protocols/multifd.md): RAM pages over 1, 2 or 4 extra connections
 * of the same transport, with and without XBZRLE and LZ4 per channel; the migrated guest must end
 * exactly as one that never moved. A channel lost mid-migration fails it with the source running
 * on; stray and duplicate channel connections are refused by the destination.
 */
class MultifdMigrationTest {

    @TempDir
    Path dir;

    private final LiveMigrationTest guests = new LiveMigrationTest();

    private List<String> args() throws Exception {
        guests.dir = dir;
        return guests.guestArgs();
    }

    private static MigrationConfig multifd(int channels) {
        return MigrationConfig.DEFAULT.withCapability("multifd", true)
                .with("multifd-channels", Integer.toString(channels));
    }

    @ParameterizedTest(name = "{0} channels={1} xbzrle={2} compression={3}")
    @CsvSource({"tcp,1,off,lz4", "tcp,2,on,none", "tcp,4,on,lz4", "unix,1,on,none", "unix,2,off,lz4", "unix,4,off,none"})
    @Timeout(300)
    void pagesOverChannelsArriveExactly(String transport, int channels, String xbzrle, String compression)
            throws Exception {
        List<String> args = args();
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming",
                LiveMigrationTest.listenAddress(transport, dir), "--print-digest").toArray(String[]::new));
             Machine source = guests.machine(args)) {
            MigrationUri uri = MigrationUri.parse(dest.awaitAddress());
            source.start();
            LiveMigrationTest.runAtLeast(source, 2_000_000);
            var config = multifd(channels).withCapability("xbzrle", xbzrle.equals("on")).with("compression", compression)
                    .with("max-bandwidth", "64M");
            var migration = new MigrationSource(source, uri.connect(guests.plugins), config, guests.plugins,
                    () -> uri.connect(guests.plugins));
            MigrationStats stats = migration.run();
            assertEquals(MigrationStatus.COMPLETED, stats.status(), stats.error() + "\n" + dest.output());
            System.out.println("multifd over " + transport + ", " + channels + " channels, xbzrle " + xbzrle
                    + ", compression " + compression + ":\n" + stats.render());
            LiveMigrationTest.assertSwitchOverFollowedTheEstimates(migration, stats, config.downtimeLimitMs());
            assertEquals(VmState.POSTMIGRATE, source.lifecycle().state());
            assertTrue(stats.render().contains("multifd channels: " + channels), stats.render());
            // The 4 MiB guest's RAM crossed on the channels: the main stream carries no page.
            assertTrue(stats.ramTransferred() > 64 * 4096, stats.render());
            assertTrue(stats.multifdBytes() > 64 * 4096, stats.render());
            assertTrue(stats.ramTransferred() - stats.multifdBytes() < 64 * 4096, "devices and control only:\n"
                    + stats.render());
            if (xbzrle.equals("on")) {
                assertTrue(stats.codec("xbzrle").containsKey("cache-miss"), stats.render());
            }
            if (compression.equals("lz4")) {
                assertTrue(stats.codec("lz4").getOrDefault("pages", 0L) > 0, stats.render());
            }
            long atSwitch = source.vcpus().getFirst().instructionCount();
            MigrationPeer.Digest received = dest.awaitDigest("incoming migration complete");
            assertEquals(atSwitch, received.instructions());
            assertEquals(MachineDigest.ram(source), received.ram(), "RAM differs at switch-over");
            assertEquals(MachineDigest.full(source), received.state(), "machine state differs at switch-over");
            assertEquals(0, dest.awaitExit(), dest.output());
            MigrationPeer.Digest end = dest.awaitDigest("stopped");
            assertEquals(LiveMigrationTest.LIMIT, end.instructions());
            assertEquals(guests.reference(), end.ram(), "the migrated guest ended differently from one that never moved");
        }
    }

    /**
     * Issue #6's 64 MiB rewriter over 2 channels: each channel's XBZRLE cache holds only its own
     * pages, and the deltas it sends must apply to exactly the copy its receiver holds — checked by
     * the digests after rounds of deltas.
     */
    @Test
    @Timeout(600)
    void perChannelXbzrleCachesStayConsistentOverRounds() throws Exception {
        List<String> args = MigrationConvergenceTest.args(dir);
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming", "tcp:127.0.0.1:0",
                "--print-digest").toArray(String[]::new));
             Machine source = guests.machine(args)) {
            MigrationUri uri = MigrationUri.parse(dest.awaitAddress());
            source.start();
            LiveMigrationTest.runAtLeast(source, 5_000_000);
            var config = MigrationConvergenceTest.XBZRLE_100M.withCapability("multifd", true)
                    .with("multifd-channels", "2");
            var migration = new MigrationSource(source, uri.connect(guests.plugins), config, guests.plugins,
                    () -> uri.connect(guests.plugins));
            MigrationStats stats = migration.run();
            System.out.println("64 MiB rewriter, 2 channels, xbzrle:\n" + stats.render());
            assertEquals(MigrationStatus.COMPLETED, stats.status(), stats.error() + "\n" + dest.output());
            LiveMigrationTest.assertSwitchOverFollowedTheEstimates(migration, stats, config.downtimeLimitMs());
            assertTrue(stats.codec("xbzrle").getOrDefault("pages", 0L) >= 16384, stats.render());
            assertEquals(128L << 20, stats.codec("xbzrle").get("cache-size"), "two caches of half the size");
            MigrationPeer.Digest received = dest.awaitDigest("incoming migration complete");
            assertEquals(source.vcpus().getFirst().instructionCount(), received.instructions());
            assertEquals(MachineDigest.ram(source), received.ram(), "RAM differs at switch-over");
            assertEquals(MachineDigest.full(source), received.state(), "machine state differs at switch-over");
        }
    }

    /**
     * Channel 1's connection is closed at the start of {@code phase} (the rounds, or the switch-over
     * with the guest paused): the migration fails naming the channel, the source runs on as if it had
     * never migrated, and the destination discards everything and exits non-zero.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"tcp,ACTIVE", "unix,DEVICE"})
    @Timeout(300)
    void channelLostFailsCleanlyAndTheSourceRunsOn(String transport, MigrationStatus phase) throws Exception {
        List<String> args = args();
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming",
                LiveMigrationTest.listenAddress(transport, dir)).toArray(String[]::new));
             Machine source = guests.machine(args)) {
            MigrationUri uri = MigrationUri.parse(dest.awaitAddress());
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            List<Connection> opened = new CopyOnWriteArrayList<>();
            ChannelConnector connector = () -> {
                Connection c = uri.connect(guests.plugins);
                opened.add(c);
                return c;
            };
            var config = multifd(2).with("max-bandwidth", "16M");
            var migration = new MigrationSource(source, uri.connect(guests.plugins), config, guests.plugins, connector);
            migration.addListener((status, stats) -> {
                if (status == phase) {
                    try {
                        opened.get(1).close();
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            MigrationStats stats = migration.run();
            assertEquals(MigrationStatus.FAILED, stats.status(), stats.render());
            // The source may see the other channel fail first (the destination closes every channel
            // once it loses one), so it names a channel; so does the destination.
            assertTrue(stats.error().contains("multifd channel "), stats.error());
            assertEquals(VmState.RUNNING, source.lifecycle().state(), "the source runs on");
            assertFalse(source.memory().dirtyLog().isEnabled(), "dirty logging is off again");
            assertNotEquals(0, dest.awaitExit(), dest.output());
            assertTrue(dest.output().contains("incoming migration from") && dest.output().contains("multifd channel "),
                    dest.output());
            MachineExit exit = source.awaitExit();
            assertEquals(MachineExit.Reason.INSTRUCTION_LIMIT, exit.reason(), exit.detail());
            assertEquals(guests.reference(), MachineDigest.ram(source), "the source's RAM differs from an unmigrated run");
        }
    }

    /**
     * A fake source announces two channels; connections naming another migration's id, sending
     * no hello, or repeating a channel index are refused with a reason, and the real channels are
     * still taken. The main stream then turns out to be garbage: the guest never runs.
     */
    @Test
    @Timeout(120)
    void strayAndDuplicateChannelsAreRefused() throws Exception {
        Path serial = dir.resolve("serial.log");
        try (MigrationPeer dest = MigrationPeer.start("--serial", "file:" + serial, "--pacing", "warp",
                "--incoming", "tcp:127.0.0.1:0")) {
            MigrationUri uri = MigrationUri.parse(dest.awaitAddress());
            String id = "0123456789abcdef0123456789abcdef";
            try (Connection main = uri.connect(guests.plugins)) {
                send(main, 5, "id=" + id + " channels=2");
                try (Connection stray = uri.connect(guests.plugins)) {
                    send(stray, 6, "id=" + "f".repeat(32) + " channel=0 channels=2");
                    assertTrue(refusal(stray).contains("another migration's id"));
                }
                try (Connection garbage = uri.connect(guests.plugins)) {
                    send(garbage, 1, "GET / HTTP/1.0");
                    assertTrue(refusal(garbage).contains("expected CHANNEL"));
                }
                try (Connection tooHigh = uri.connect(guests.plugins)) {
                    send(tooHigh, 6, "id=" + id + " channel=2 channels=2");
                    assertTrue(refusal(tooHigh).contains("this migration has 2 channels"));
                }
                try (Connection first = uri.connect(guests.plugins);
                     Connection again = uri.connect(guests.plugins)) {
                    send(first, 6, "id=" + id + " channel=0 channels=2");
                    assertEquals(6, answer(first), "channel 0 is accepted with an echo of its hello");
                    send(again, 6, "id=" + id + " channel=0 channels=2");
                    assertTrue(refusal(again).contains("channel 0 is already connected"));
                    try (Connection second = uri.connect(guests.plugins)) {
                        send(second, 6, "id=" + id + " channel=1 channels=2");
                        assertEquals(6, answer(second));
                        send(main, 1, "not a saved-state stream");
                        assertEquals(2, dest.awaitExit(), dest.output());
                    }
                }
            }
            assertTrue(dest.output().contains("bad magic"), dest.output());
            assertEquals("", Files.exists(serial) ? Files.readString(serial) : "");
        }
    }

    /** Multifd over a one-way transport is refused before anything is sent; the source runs on. */
    @Test
    @Timeout(120)
    void refusedOverAFile() throws Exception {
        try (Machine source = guests.machine(args())) {
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            MigrationUri uri = MigrationUri.parse("file:" + dir.resolve("m.bin"));
            MigrationStats stats = new MigrationSource(source, uri.connect(guests.plugins), multifd(2), guests.plugins,
                    () -> uri.connect(guests.plugins)).run();
            assertEquals(MigrationStatus.FAILED, stats.status(), stats.render());
            assertTrue(stats.error().contains("multifd needs a bidirectional transport"), stats.error());
            assertEquals(VmState.RUNNING, source.lifecycle().state());
            assertFalse(source.memory().dirtyLog().isEnabled());
        }
    }

    /** Writes one wire message: u8 kind, i32 length, the text. */
    private static void send(Connection c, int kind, String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer m = ByteBuffer.allocate(5 + payload.length).put((byte) kind).putInt(payload.length).put(payload)
                .flip();
        while (m.hasRemaining()) {
            c.write(m);
        }
    }

    /** Reads the REFUSED message (kind 0x11) the destination answers, and returns its text. */
    private static String refusal(Connection c) throws IOException {
        ByteBuffer header = read(c, 5);
        assertEquals(0x11, header.get(0) & 0xFF, "not a REFUSED message");
        int len = header.getInt(1);
        assertTrue(len > 0 && len < 4096, "length " + len);
        return new String(read(c, len).array(), StandardCharsets.UTF_8);
    }

    /** Reads one message the destination answers and returns its kind. */
    private static int answer(Connection c) throws IOException {
        ByteBuffer header = read(c, 5);
        int len = header.getInt(1);
        assertTrue(len >= 0 && len < 4096, "length " + len);
        read(c, len);
        return header.get(0) & 0xFF;
    }

    private static ByteBuffer read(Connection c, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new IOException("the destination closed before " + n + " bytes");
            }
        }
        return b;
    }
}
