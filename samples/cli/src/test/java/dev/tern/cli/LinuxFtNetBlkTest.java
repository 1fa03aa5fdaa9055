package dev.tern.cli;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Random;
import java.util.function.ToIntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Debian guest under fault tolerance with virtio-blk and virtio-net, two real JVMs and an
 * observer socket: a shell loop in the guest writes an increasing counter to its disk
 * ({@code dd ... conv=fsync} to {@code /dev/vda}) and then sends it in a syslog datagram (busybox
 * {@code logger} to a {@code syslogd -R} forwarding over UDP; busybox's {@code nc} has no UDP),
 * which the UDP backend of each side's virtio-net carries to the observer. The primary is SIGKILLed
 * once the observer has received a seeded-random number of the primary's datagrams; the standby
 * takes over and the loop runs to its end there. The datagrams both sides sent and the counter on
 * the standby's disk must be those of one uninterrupted run — the check of
 * {@link FtNetBlkOutputCommitTest}, for the stock kernel's drivers. One kill point in the default
 * suite (a pair boots Debian: about two minutes on the loaded test host); {@code
 * -Dtern.ft.test.linuxKillPoints=10} (or 100) is the long profile, each point a fresh pair.
 */
class LinuxFtNetBlkTest {

    /** Bounds both runs: the prompt comes after about 545 M instructions. */
    private static final long BOUND = 6_000_000_000L;
    /** The loop's steps; the kill lands in the first half. */
    private static final int STEPS = 60;
    /** The primary's release step, the default (outputs between two RELEASED reports): the bound on repeats. */
    private static final int STEP = dev.tern.kernel.ft.FtConfig.DEFAULT_RELEASE_STEP;
    private static final long SEED = Long.getLong("tern.ft.test.seed", new SecureRandom().nextLong());
    /** Kill points, each a fresh pair: 1 by default, the long profile's 10 or 100 by the property. */
    private static final int POINTS = Integer.getInteger("tern.ft.test.linuxKillPoints", 1);
    private static final Pattern DELIVERED = Pattern.compile("ft: delivered (\\d+) outputs held at checkpoint");
    /** Without IPv6 the interface sends no MLD report when it comes up: every frame is the loop's. */
    private static final String APPEND = LinuxGuest.APPEND + " ipv6.disable=1";
    /** The syslog message the loop sends, inside the UDP payload. */
    private static final Pattern MESSAGE = Pattern.compile("counter=(\\d+);");

    /**
     * The counter of an Ethernet frame carrying an IPv4 UDP datagram to the syslog port whose
     * payload holds the loop's message; -1 for any other frame.
     */
    static final ToIntFunction<ByteBuffer> SYSLOG_FRAME = f -> {
        if (f.limit() < 42 || (f.get(12) & 0xff) != 0x08 || f.get(13) != 0x00 || (f.get(23) & 0xff) != 17) {
            return -1;
        }
        int udp = 14 + (f.get(14) & 0x0f) * 4;
        if (udp + 8 > f.limit() || ((f.get(udp + 2) & 0xff) << 8 | f.get(udp + 3) & 0xff) != 514) {
            return -1;
        }
        Matcher m = MESSAGE.matcher(StandardCharsets.ISO_8859_1.decode(f.slice(udp + 8, f.limit() - udp - 8)));
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    };

    @TempDir
    Path dir;

    private static List<String> boot(int consolePort, Path disk, int netPort, int observerPort, String ft) {
        Path guest = LinuxGuest.guestDir();
        return List.of("--kernel", guest.resolve("vmlinuz").toString(), "--initrd",
                guest.resolve("initrd.cpio").toString(), "--append", APPEND, "--pacing", "warp",
                "--serial", "tcp:127.0.0.1:" + consolePort, "--max-instructions", Long.toString(BOUND),
                "--device", "virtio-blk,path=" + disk,
                "--device", "virtio-net,backend=udp,local=127.0.0.1:" + netPort + ",remote=127.0.0.1:" + observerPort,
                "--ft", ft);
    }

    /** How many of the primary's datagrams the observer holds at each kill: seeded-random, in the loop's first half. */
    static Stream<Integer> killPoints() {
        Random random = new Random(SEED);
        return IntStream.range(0, POINTS).mapToObj(i -> 3 + random.nextInt(STEPS / 2 - 3));
    }

    @ParameterizedTest(name = "SIGKILL after {0} datagrams")
    @MethodSource("killPoints")
    @Timeout(900)
    void theDiskAndTheDatagramsSeenAcrossAFailoverAreThoseOfOneRun(int killAfter) throws Exception {
        LinuxGuest.assumeGuest();
        long started = System.nanoTime();
        System.out.println("LinuxFtNetBlkTest: SIGKILL after " + killAfter + " datagrams, from seed " + SEED
                + " (repeat with -Dtern.ft.test.seed=" + SEED + ")");
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "correct horse\n");
        Path a = dir.resolve("a.img");
        Path b = dir.resolve("b.img");
        Files.write(a, new byte[1 << 20]); // identical images on both sides
        Files.write(b, new byte[1 << 20]);
        int primaryNet = FailoverObserver.freePort();
        int standbyNet = FailoverObserver.freePort();
        int standbyConsole = LinuxMigrationTest.freeTcpPort();
        int primaryConsole = LinuxMigrationTest.freeTcpPort();
        try (FailoverObserver observer = new FailoverObserver(SYSLOG_FRAME)) {
            int redelivered;
            try (MigrationPeer standby = MigrationPeer.start(boot(standbyConsole, b, standbyNet, observer.port(),
                    "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none").toArray(String[]::new))) {
                String address = standby.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+)")).group(1);
                try (LinuxMigrationTest.Console after = LinuxMigrationTest.Console.connect(standbyConsole)) {
                    try (MigrationPeer primary = MigrationPeer.start(boot(primaryConsole, a, primaryNet, observer.port(),
                            "primary,peer=" + address + ",password-file=" + pw
                                    + ",fencing=none,interval=50ms,timeout=5s").toArray(String[]::new))) {
                        primary.awaitLine(Pattern.compile("ft: protected by standby"));
                        try (LinuxMigrationTest.Console before = LinuxMigrationTest.Console.connect(primaryConsole)) {
                            before.awaitText(LinuxGuest.PROMPT, 0, primary);
                            before.type(SoakGuest.Debian.NET_SETUP);
                            before.awaitText(SoakGuest.Debian.NET_READY, 0, primary);
                            before.type("n=0; while [ $n -lt " + STEPS + " ]; do n=$((n+1)); echo $n | dd of=/dev/vda"
                                    + " bs=512 count=1 conv=sync,fsync 2>/dev/null; logger -t tern \"counter=$n;\"; done;"
                                    + " echo loop-$n-end\r");
                            observer.awaitPackets(killAfter, primary);
                            primary.kill();
                        }
                    }
                    standby.awaitLine(Pattern.compile("ft: primary lost after checkpoint \\d+; running as primary"));
                    redelivered = Integer.parseInt(standby.awaitLine(DELIVERED).group(1));
                    after.awaitText("loop-" + STEPS + "-end\r\n" + LinuxGuest.PROMPT, 0, standby);
                    observer.awaitCounter(STEPS, standby);
                    after.type("poweroff -f\r");
                    assertEquals(0, standby.awaitExit(), standby.output());
                }
            }
            int disk = counter(b);
            FailoverObserver.Failover f = observer.check(primaryNet, standbyNet, redelivered, STEP, false,
                    disk);
            assertEquals(STEPS, f.last(), "the loop's last datagram");
            assertEquals(STEPS, disk, "the standby's disk after the loop");
            System.out.printf("LinuxFtNetBlkTest: primary released 1..%d, standby delivered %d held outputs, then"
                    + " sent %d..%d; %d twice; %.1f s in all%n", f.released(), redelivered, f.first(), f.last(), f.twice(),
                    (System.nanoTime() - started) / 1e9);
        }
    }

    /** The decimal counter at the start of a disk image (the loop's {@code echo $n}). */
    private static int counter(Path image) throws IOException {
        long n = SoakGuest.Debian.decimalCounter(image);
        assertTrue(n > 0, "no counter at the start of the disk " + image + " (read " + n + ")");
        return Math.toIntExact(n);
    }
}
