package dev.tern.cli;

import dev.tern.kernel.block.OfferedDisk;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.migration.MigrationSource;
import dev.tern.kernel.migration.MigrationStats;
import dev.tern.kernel.migration.MigrationStatus;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.SnapshotStore;
import dev.tern.kernel.vm.VmState;
import dev.tern.spi.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Block migration between this JVM (the source) and a destination JVM over tcp loopback, each with
 * its own image file: the net-blk-counter guest writes its counter to sector 0 of its virtio-blk
 * disk step after step while the rest of the source image holds random bytes; the destination
 * image starts zeroed.
 */
class BlockMigrationTest {

    /** Far beyond any test's run: each ends by closing its machines. */
    private static final long LIMIT = 2_000_000_000L;
    private static final int COUNTER = 0x500;

    @TempDir
    Path dir;
    private DatagramSocket observer;
    private final LiveMigrationTest guests = new LiveMigrationTest();

    private Thread reader;
    /** The highest counter each sending port's frames carried so far. */
    private final Map<Integer, Integer> counters = new HashMap<>();

    @BeforeEach
    void observe() throws Exception {
        observer = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        reader = Thread.ofPlatform().daemon().start(this::read);
    }

    @AfterEach
    void close() throws InterruptedException {
        observer.close(); // ends the reader's receive
        reader.join();
    }

    /** Takes every frame (so the socket buffer never drops the destination's) and keeps each port's counter. */
    private void read() {
        byte[] buf = new byte[2048];
        while (true) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                observer.receive(p);
            } catch (IOException e) {
                return;
            }
            ByteBuffer f = ByteBuffer.wrap(p.getData(), 0, p.getLength()).order(ByteOrder.LITTLE_ENDIAN);
            if (p.getLength() >= 22 && f.getShort(12) == (short) 0xb588 && f.get(14) == 'T') {
                synchronized (counters) {
                    counters.merge(p.getPort(), f.getInt(18), Math::max);
                    counters.notifyAll();
                }
            }
        }
    }

    /**
     * Waits (bounded) for a frame from {@code port} with a counter above {@code counter}: the guest
     * sends each step's frame after that step's disk write completed.
     */
    private int awaitCounterAbove(int port, int counter) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        synchronized (counters) {
            while (counters.getOrDefault(port, -1) <= counter) {
                long left = deadline - System.nanoTime();
                assertTrue(left > 0, "no frame above " + counter + " from port " + port + ": " + counters);
                counters.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
            }
            return counters.get(port);
        }
    }

    private static int freePort() throws Exception {
        try (var s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private List<String> args(Path disk) throws Exception {
        return args(disk, freePort());
    }

    private List<String> args(Path disk, int port) throws Exception {
        return List.of("--bios", RunMachines.guest(dir, "net-blk-counter.rom").toString(), "-m", "4M",
                "--serial", "none", "--pacing", "warp", "--max-instructions", Long.toString(LIMIT),
                "--device", "virtio-blk,path=" + disk + ",modern=false",
                "--device", "virtio-net,backend=udp,local=127.0.0.1:" + port + ",remote=127.0.0.1:"
                        + observer.getLocalPort() + ",modern=false");
    }

    private Path randomImage(String name, int bytes) throws Exception {
        byte[] b = new byte[bytes];
        new Random(16).nextBytes(b);
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }

    private Path zeroImage(String name, int bytes) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, new byte[bytes]);
        return p;
    }

    private static int counterOnDisk(byte[] image) {
        return ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
    }

    private static int counterInRam(Machine m) {
        byte[] b = new byte[4];
        m.memory().read(COUNTER, b, 0, 4);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    /**
     * The guest counts in RAM, then writes the count to its disk: paused, its disk holds the count
     * or, between the two, the one before.
     */
    private static void assertStepOnDisk(Machine m, int onDisk) {
        int inRam = counterInRam(m);
        assertTrue(inRam == onDisk || inRam == onDisk + 1, "counter " + inRam + " in RAM, " + onDisk + " on disk");
    }

    /** The destination JVM, listening on tcp loopback with its own image. */
    private MigrationPeer destination(Path image) throws Exception {
        return destination(image, freePort());
    }

    private MigrationPeer destination(Path image, int port) throws Exception {
        return MigrationPeer.start(LiveMigrationTest.with(args(image, port), "--incoming", "tcp:127.0.0.1:0")
                .toArray(String[]::new));
    }

    @Test
    @Timeout(300)
    void theDestinationImageEqualsTheSourcesAtTheSwitchOverAndTheGuestGoesOn() throws Exception {
        int size = 1 << 20;
        Path src = randomImage("src.img", size);
        Path dst = zeroImage("dst.img", size);
        int destPort = freePort();
        try (MigrationPeer dest = destination(dst, destPort); Machine source = guests.machine(args(src))) {
            String address = dest.awaitAddress();
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            assertTrue(counterOnDisk(Files.readAllBytes(src)) > 0, "the guest writes its disk before the migration");
            // As an operator would: HMP migrate -b (the block-migration capability for this migration)
            var mon = new Monitor(source, new SnapshotStore(dir));
            var commands = new MigrationCommands(source, guests.plugins, new PrintStream(OutputStream.nullOutputStream(),
                    true, StandardCharsets.UTF_8));
            commands.registerOn(mon);
            assertEquals("", mon.execute("migrate_set_parameter max-bandwidth 64M"));
            assertEquals("", mon.execute("migrate -b " + address), dest.output());
            String info = mon.execute("info migrate");
            assertTrue(info.contains("Migration status: completed"), info);
            assertTrue(mon.execute("info migrate_capabilities").contains("block-migration: off"),
                    "-b is for that migration only");
            assertEquals(VmState.POSTMIGRATE, source.lifecycle().state());
            // The source stopped at the switch-over: its image is the image the destination took over.
            byte[] atSwitchOver = Files.readAllBytes(src);
            int counter = counterOnDisk(atSwitchOver);
            assertStepOnDisk(source, counter);
            Matcher disk = Pattern.compile("disk: transferred (\\d+) bytes, remaining (\\d+) bytes, total (\\d+) bytes")
                    .matcher(info);
            assertTrue(disk.find(), info);
            assertTrue(Long.parseLong(disk.group(1)) >= size, info);
            assertEquals(0, Long.parseLong(disk.group(2)), info);
            assertEquals(size, Long.parseLong(disk.group(3)), info);
            var qmpDisk = (Map<?, ?>) ((Map<?, ?>) commands.info().qmp()).get("disk"); // query-migrate's
            assertEquals(List.of(Long.parseLong(disk.group(1)), 0L, (long) size),
                    List.of(qmpDisk.get("transferred"), qmpDisk.get("remaining"), qmpDisk.get("total")));
            assertFalse(source.disks().all().getFirst().tracking(), "tracking ends with the migration");

            int sent = awaitCounterAbove(destPort, counter); // the guest goes on at the destination
            byte[] after = Files.readAllBytes(dst);
            assertTrue(counterOnDisk(after) >= sent && sent > counter, "the destination's disk holds its guest's"
                    + " steps: counter " + counterOnDisk(after) + ", frame " + sent + ", switch-over " + counter);
            // Only the counter changed since the switch-over: every other byte is the source's.
            assertArrayEquals(Arrays.copyOfRange(atSwitchOver, 4, size), Arrays.copyOfRange(after, 4, size));
        }
    }

    /**
     * The disk moves with the RAM whichever path the RAM takes: multifd channels (the disk stays on
     * the main stream), the shared-memory transport (RAM one-sided, the disk through its control
     * socket), and post-copy (the disk's rest goes in the switch-over pause: blocks are never
     * fetched on demand). Each ends with the destination's image equal to the source's at the
     * switch-over but for the counter the guest went on writing there.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"multifd", "shm", "postcopy"})
    @Timeout(300)
    void theDiskMovesWithEveryRamPath(String path) throws Exception {
        int size = 1 << 20;
        Path src = randomImage("src.img", size);
        Path dst = zeroImage("dst.img", size);
        int destPort = freePort();
        String listen = LiveMigrationTest.listenAddress(path.equals("shm") ? "shm" : "tcp", dir);
        var config = switch (path) {
            case "multifd" -> MigrationConfig.DEFAULT.withCapability("multifd", true).with("multifd-channels", "2");
            case "postcopy" -> MigrationConfig.DEFAULT.withCapability("postcopy-ram", true);
            default -> MigrationConfig.DEFAULT;
        };
        config = config.withCapability("block-migration", true).with("max-bandwidth", "64M");
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args(dst, destPort), "--incoming", listen)
                .toArray(String[]::new)); Machine source = guests.machine(args(src))) {
            String address = dest.awaitAddress();
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            MigrationUri uri = MigrationUri.parse(address);
            var migration = new MigrationSource(source, uri.connect(guests.plugins), config, guests.plugins,
                    () -> uri.connect(guests.plugins)); // multifd's channels
            List<MigrationStatus> statuses = new java.util.concurrent.CopyOnWriteArrayList<>();
            migration.addListener(new dev.tern.kernel.migration.MigrationListener() {
                @Override
                public void changed(MigrationStatus status, MigrationStats stats) {
                    statuses.add(status);
                }

                @Override
                public void pass(long pass) {
                    if (path.equals("postcopy") && pass == 1) {
                        migration.startPostcopy();
                    }
                }
            });
            MigrationStats stats = migration.run();
            assertEquals(MigrationStatus.COMPLETED, stats.status(), stats.render() + "\n" + dest.output());
            assertEquals(path.equals("postcopy"), statuses.contains(MigrationStatus.POSTCOPY_ACTIVE), statuses.toString());
            var disk = migration.diskStats();
            assertEquals(List.of(true, 0L, (long) size), List.of(disk.transferred() >= size, disk.remaining(), disk.total()),
                    stats.render());
            byte[] atSwitchOver = Files.readAllBytes(src);
            int counter = counterOnDisk(atSwitchOver);
            assertStepOnDisk(source, counter);
            assertFalse(source.disks().all().getFirst().tracking(), "tracking ends with the migration");

            int sent = awaitCounterAbove(destPort, counter); // the guest goes on at the destination
            byte[] after = Files.readAllBytes(dst);
            assertTrue(counterOnDisk(after) >= sent && sent > counter, path + ": the destination's disk holds its"
                    + " guest's steps: counter " + counterOnDisk(after) + ", frame " + sent + ", switch-over " + counter);
            assertArrayEquals(Arrays.copyOfRange(atSwitchOver, 4, size), Arrays.copyOfRange(after, 4, size),
                    path + ": every other byte is the source's");
        }
    }

    @Test
    @Timeout(300)
    void aConnectionCutMidBulkLeavesTheSourceAndItsImageUntouched() throws Exception {
        int size = 16 << 20;
        Path src = randomImage("src.img", size);
        byte[] before = Files.readAllBytes(src);
        Path dst = zeroImage("dst.img", size);
        List<String> args = args(src);
        try (MigrationPeer dest = destination(dst); Machine source = guests.machine(args);
             PartitionProxy relay = new PartitionProxy(dest.awaitAddress())) {
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            var config = MigrationConfig.DEFAULT.withCapability("block-migration", true).with("max-bandwidth", "8M");
            var migration = new MigrationSource(source, MigrationUri.parse(relay.uri()).connect(guests.plugins), config,
                    guests.plugins);
            long[] cutAt = {-1};
            migration.addListener((status, s) -> {
                if (status == MigrationStatus.ACTIVE) {
                    try {
                        relay.awaitFirstLink();
                        // 8 MB/s for 16 MiB of disk: the bulk pass has barely begun
                        cutAt[0] = migration.diskStats().transferred();
                        relay.close();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            MigrationStats stats = migration.run();
            assertEquals(MigrationStatus.FAILED, stats.status(), stats.render());
            assertTrue(cutAt[0] >= 0 && cutAt[0] < size / 2, "cut mid-bulk at " + cutAt[0]);
            assertEquals(VmState.RUNNING, source.lifecycle().state(), "the source runs on");
            OfferedDisk disk = source.disks().all().getFirst();
            assertFalse(disk.tracking(), "tracking ends with the failed migration");
            LiveMigrationTest.runAtLeast(source, source.vcpus().getFirst().instructionCount() + 2_000_000);
            source.pause();
            byte[] after = Files.readAllBytes(src);
            assertTrue(counterOnDisk(after) > counterOnDisk(before), "the guest went on writing its disk");
            assertStepOnDisk(source, counterOnDisk(after));
            assertArrayEquals(Arrays.copyOfRange(before, GuestMemory.PAGE_SIZE, size),
                    Arrays.copyOfRange(after, GuestMemory.PAGE_SIZE, size), "the source image is only read");
            assertEquals(2, dest.awaitExit(), dest.output());
        }
    }

    @Test
    @Timeout(300)
    void aDestinationImageOfAnotherSizeIsRefusedNamingTheDisk() throws Exception {
        int size = 1 << 20;
        Path src = randomImage("src.img", size);
        Path dst = zeroImage("dst.img", size - 4096);
        try (MigrationPeer dest = destination(dst); Machine source = guests.machine(args(src))) {
            String address = dest.awaitAddress();
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            var config = MigrationConfig.DEFAULT.withCapability("block-migration", true);
            var migration = new MigrationSource(source, MigrationUri.parse(address).connect(guests.plugins), config,
                    guests.plugins);
            MigrationStats stats = migration.run();
            assertEquals(MigrationStatus.FAILED, stats.status(), stats.render());
            String why = "the source's image is " + size + " bytes, this one is " + (size - 4096);
            // The destination refuses at the disk's setup part and closes; the source, still sending,
            // sees its write fail, then finds the destination's REFUSED ahead of the reset.
            assertTrue(stats.error().contains("the destination refused the migration: ")
                    && stats.error().contains(why), stats.render());
            assertEquals(VmState.RUNNING, source.lifecycle().state(), "the source runs on");
            assertFalse(source.disks().all().getFirst().tracking(), "tracking ends with the failed migration");
            assertEquals(2, dest.awaitExit(), dest.output());
            assertTrue(dest.output().contains(why) && dest.output().contains("block migration of disk '"),
                    dest.output());
            assertEquals(size - 4096, Files.size(dst));
            assertEquals(0, counterOnDisk(Files.readAllBytes(dst)), "nothing was written into the refused image");
        }
    }
}
