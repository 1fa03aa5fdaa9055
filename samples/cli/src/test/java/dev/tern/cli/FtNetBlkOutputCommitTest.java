package dev.tern.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Output commit of network packets and disk writes across a failover, two real JVMs and an
 * observer socket in the test: the net-blk-counter guest increments a counter, writes it to sector
 * 0 of its virtio-blk disk and sends it in a frame through virtio-net, whose UDP backend sends
 * each frame as a datagram to the observer. Each side has its own disk image (the standby's is
 * kept in step by the checkpoints). The primary dies at seeded-random points of its life (see
 * {@link #killPoints}): SIGKILL during the full sync or once the observer has received k packets,
 * or halted by a test hook mid-checkpoint, mid-release or between checkpoints — and the standby
 * runs the guest on to the instruction limit. The observer must then hold the packets 1..n, none
 * missing, at most one release step of them twice, and the standby's disk the counter of the last
 * step (n, or n + 1 when the run ended between a step's disk write and its packet): nothing
 * released from execution the standby did not reproduce, nothing lost. A primary killed before the
 * first checkpoint completed leaves a standby that says there is nothing to take over, and
 * released nothing.
 */
class FtNetBlkOutputCommitTest {

    /** Where the standby's run stops (about a thousand steps); the primary dies long before. */
    static final long LIMIT = 40_000_000;
    /** The primary's release-step, the default: outputs delivered between two RELEASED reports, the bound on repeats. */
    private static final int STEP = dev.tern.kernel.ft.FtConfig.DEFAULT_RELEASE_STEP;
    /** Group 1: the checkpoint taken over from; absent when the primary died before the first one completed. */
    private static final Pattern LOST = Pattern.compile(
            "ft: primary lost (?:after checkpoint (\\d+); running as primary|before the first checkpoint completed)");
    /** The seed of this run's kill points, and how many (10; 100 in the long profile). */
    static final long SEED = Long.getLong("tern.ft.test.seed", new java.security.SecureRandom().nextLong());
    static final int POINTS = Integer.getInteger("tern.ft.test.killPoints", 10);
    private static final Pattern DELIVERED = Pattern.compile("ft: delivered (\\d+) outputs held at checkpoint");

    @TempDir
    Path dir;
    private FailoverObserver observer;

    @BeforeAll
    static void announceTheSeed() {
        System.out.println("FtNetBlkOutputCommitTest: " + POINTS + " kill points from seed " + SEED
                + " (repeat with -Dtern.ft.test.seed=" + SEED + ")");
    }

    @BeforeEach
    void observe() throws IOException {
        observer = new FailoverObserver(SoakObserver.GUEST_FRAME);
    }

    @AfterEach
    void close() throws InterruptedException {
        observer.close();
    }

    private List<String> guest(Path disk, int port) throws Exception {
        return List.of("--bios", RunMachines.guest(dir, "net-blk-counter.rom").toString(), "-m", "4M",
                "--serial", "none", "--pacing", "warp", "--max-instructions", Long.toString(LIMIT),
                "--device", "virtio-blk,path=" + disk + ",modern=false",
                "--device", "virtio-net,backend=udp,local=127.0.0.1:" + port + ",remote=127.0.0.1:" + observer.port()
                        + ",modern=false");
    }

    private String[] run(Path disk, int port, String... ft) throws Exception {
        var all = new ArrayList<>(guest(disk, port));
        all.addAll(List.of(ft));
        return all.toArray(String[]::new);
    }

    /**
     * The kill points of this run: two in each part of the primary's life, from a seed printed
     * with any failure ({@code -Dtern.ft.test.seed=S} repeats a run; {@code -Dtern.ft.test.killPoints=100}
     * is the long profile). A halt hook is as abrupt as SIGKILL (Runtime.halt) but lands at an exact
     * place; a SIGKILL after k packets lands wherever the primary is then (mostly mid-release).
     */
    static Stream<Arguments> killPoints() {
        Random r = new Random(SEED);
        return IntStream.range(0, POINTS).mapToObj(i -> switch (i % 5) {
            case 0 -> Arguments.of(i, "kill", "sync"); // once the handshake is done: during the full sync
            case 1 -> Arguments.of(i, "halt", (1 + r.nextInt(8)) + ":mid"); // mid-checkpoint send
            case 2 -> Arguments.of(i, "halt", (1 + r.nextInt(8)) + ":step"); // mid-release, after a report
            case 3 -> Arguments.of(i, "halt", (1 + r.nextInt(8)) + (r.nextBoolean() ? ":acked" : ":released"));
            default -> Arguments.of(i, "kill", Integer.toString(1 + r.nextInt(300))); // after k packets
        });
    }

    @ParameterizedTest(name = "#{0}: {1} at {2}")
    @MethodSource("killPoints")
    @Timeout(120)
    void thePacketsAndTheDiskSeenAcrossAFailoverAreThoseOfOneRun(int index, String how, String at) throws Exception {
        try {
            failover(how, at);
        } catch (AssertionError e) {
            throw new AssertionError("seed " + SEED + " (repeat with -Dtern.ft.test.seed=" + SEED + "), point #" + index
                    + " (" + how + " at " + at + "): " + e.getMessage(), e);
        }
    }

    private void failover(String how, String at) throws Exception {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "correct horse\n");
        Path a = dir.resolve("a.img");
        Path b = dir.resolve("b.img");
        Files.write(a, new byte[64 << 10]); // identical images on both sides
        Files.write(b, new byte[64 << 10]);
        int redelivered;
        int primaryPort = FailoverObserver.freePort();
        int standbyPort = FailoverObserver.freePort();
        try (MigrationPeer standby = MigrationPeer.start(run(b, standbyPort, "--ft",
                "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none"))) {
            String address = standby.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+)")).group(1);
            List<String> jvm = how.equals("halt") ? List.of("-D" + "tern.ft.test.halt=" + at) : List.of();
            try (MigrationPeer primary = MigrationPeer.start(jvm, run(a, primaryPort, "--ft", "primary,peer=" + address
                    + ",password-file=" + pw + ",fencing=none,interval=20ms,timeout=5s"))) {
                if (at.equals("sync")) {
                    standby.awaitLine(Pattern.compile("ft: primary \\S+ authenticated"));
                    primary.kill();
                } else if (how.equals("kill")) {
                    primary.awaitLine(Pattern.compile("ft: protected by standby"));
                    observer.awaitPackets(Integer.parseInt(at), primary);
                    primary.kill();
                } else {
                    primary.awaitLine(Pattern.compile("ft: test hook: halting at checkpoint"));
                    assertEquals(137, primary.awaitExit(), primary.output());
                }
            }
            Matcher end = standby.awaitLine(LOST);
            if (end.group(1) == null) {
                // killed before checkpoint 0 was applied: nothing to take over, and nothing was released
                assertEquals(2, standby.awaitExit(), standby.output());
                assertEquals(0, observer.received().size(), "packets released before the first checkpoint was acknowledged");
                assertEquals(0, counter(b), "the standby's disk was written without a checkpoint");
                return;
            }
            redelivered = Integer.parseInt(standby.awaitLine(DELIVERED).group(1));
            assertEquals(0, standby.awaitExit(), standby.output()); // ran on to the limit
        }
        // the standby is gone too: what it sent is in the socket's queue
        boolean exact = at.endsWith(":mid") || at.endsWith(":acked") || at.endsWith(":step"); // nothing twice
        FailoverObserver.Failover f = observer.check(primaryPort, standbyPort, redelivered, STEP,
                exact, counter(b));
        System.out.printf("%s %s: primary released 1..%d, standby delivered %d held, then ran on; %d twice%n",
                how, at, f.released(), redelivered, f.twice());
    }

    /** The counter in sector 0 of a disk image. */
    private static int counter(Path image) throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(image), 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }
}
