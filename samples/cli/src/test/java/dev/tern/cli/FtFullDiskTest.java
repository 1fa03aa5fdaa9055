package dev.tern.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A full disk under fault tolerance: the primary's JVM may write files of at most {@value #KIB} KiB
 * (RLIMIT_FSIZE, {@link MigrationPeer#withFileSizeLimit}), less than the serial-counter guest's
 * run prints, so its serial file refuses a write half-way. No output may count as released that
 * the file did not take: protected, the primary hands the guest over and the standby delivers the
 * rest (the two files are one run); unprotected, the guest stops with an error naming the file.
 */
class FtFullDiskTest {

    private static final long KIB = 64;
    private static final Pattern WAITING = Pattern.compile("ft: standby waiting for a primary on (\\S+)");

    @TempDir
    Path dir;
    private FtCounterGuest counter;
    private Path pw;
    private Path a;
    private Path b;

    @BeforeEach
    void pair() throws Exception {
        counter = new FtCounterGuest(dir);
        pw = counter.password();
        a = dir.resolve("a.log");
        b = dir.resolve("b.log");
    }

    /**
     * The primary under the file size limit, its guest without an instruction limit: it cannot end
     * (and the rest of its output stay held) before the release that fills the file, on any host.
     */
    private MigrationPeer primary(String peer) throws Exception {
        var args = new java.util.ArrayList<>(counter.args(a, 0));
        // timeout=10s: a loaded host must not make the standby look lost (the default is 200 ms);
        // nothing here waits for a loss to be noticed
        args.addAll(java.util.List.of("--ft", "primary,peer=" + peer + ",password-file=" + pw + ",fencing=none,timeout=10s"));
        return MigrationPeer.withFileSizeLimit(KIB, args.toArray(String[]::new));
    }

    /** What the primary says when its file refuses a write: the channel, the file, the OS error. */
    private Pattern notTaken(String rest) {
        return Pattern.compile("ft: output not taken \\(output serial0/serial at position (\\d+) was not taken: cannot"
                + " write serial output file " + Pattern.quote(a.toString()) + " at byte (\\d+): File too large\\)"
                + Pattern.quote(rest));
    }

    @Test
    @Timeout(180)
    void aProtectedPrimaryWhoseFileIsFullHandsOverAndTheStandbyDeliversTheRest() throws Exception {
        long stoppedAt;
        var standbyArgs = new java.util.ArrayList<>(counter.args(b, 0));
        standbyArgs.addAll(java.util.List.of("--monitor", "stdio", "--print-digest",
                "--ft", "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none"));
        try (MigrationPeer standby = MigrationPeer.start(standbyArgs.toArray(String[]::new))) {
            String address = standby.awaitLine(WAITING).group(1);
            try (MigrationPeer primary = primary(address)) { // the test ends the survivor
                Matcher refused = primary.awaitLine(notTaken("; nothing more is released here: handing the guest over"
                        + " to the standby, which delivers it"));
                primary.awaitLine(Pattern.compile("ft: handed over to standby \\S+ at checkpoint \\d+"));
                assertEquals(0, primary.awaitExit(), primary.output());
                standby.awaitLine(Pattern.compile("ft: delivered [1-9]\\d* outputs held at checkpoint \\d+ that the"
                        + " primary had not reported released"));
                standby.awaitLine(FtLinkStallTest.GUEST_RUNNING); // a quit before would stop the takeover itself
                new java.io.PrintStream(standby.process().getOutputStream(), true, java.nio.charset.StandardCharsets.UTF_8)
                        .println("quit");
                assertEquals(0, standby.awaitExit(), standby.output());
                stoppedAt = standby.awaitDigest("stopped").instructions();
                assertTrue(Long.parseLong(refused.group(1)) <= KIB << 10, refused.group());
            }
        }
        String run = counter.referenceTo(stoppedAt);
        String mine = Files.readString(a);
        assertTrue(run.length() > KIB << 10, "the run must print more than the file may hold");
        assertTrue(mine.length() <= KIB << 10, "the file is larger than the limit: " + mine.length());
        FtLinkStallTest.assertOneRun(run, a, b);
    }

    @Test
    @Timeout(180)
    void anUnprotectedPrimaryWhoseFileIsFullStopsTheGuestNamingTheFile() throws Exception {
        // a "standby" that takes each connection and closes it: the primary runs unprotected, on
        // any host, and keeps trying it (re-protection), holding output only while it tries
        try (var refusing = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofPlatform().daemon().start(() -> closeEach(refusing));
            try (MigrationPeer primary = primary("tcp:127.0.0.1:" + refusing.getLocalPort())) {
                primary.awaitLine(notTaken(" and no standby holds it; the guest stops here"));
                primary.awaitLine(Pattern.compile("tern: ft: the guest stopped because its output was not taken: output"
                        + " serial0/serial at position \\d+ was not taken: cannot write serial output file "
                        + Pattern.quote(a.toString())));
                assertEquals(3, primary.awaitExit(), primary.output());
                assertFalse(primary.output().contains("handed over"), primary.output());
            }
        }
        String mine = Files.readString(a);
        assertTrue(counter.reference().startsWith(mine), "the file holds output the run never printed");
        assertTrue(mine.length() <= KIB << 10, "the file is larger than the limit: " + mine.length());
    }

    /**
     * The standby's disk image cannot take the primary's writes (its JVM may write no file at
     * all): the standby refuses the checkpoint naming the image and the OS error, and ends without
     * running the guest; the primary says why it lost its standby and runs on unprotected. The
     * guest (a disk write and a frame per counter) runs without an instruction limit so that on
     * any host it still runs when the refusal comes; the test then ends it with {@code quit}.
     */
    @Test
    @Timeout(180)
    void aStandbyWhoseImageCannotTakeAMirroredWriteRefusesTheCheckpoint() throws Exception {
        Path imageA = dir.resolve("a.img");
        Path imageB = dir.resolve("b.img");
        Files.write(imageA, new byte[64 << 10]); // identical images on both sides
        Files.write(imageB, new byte[64 << 10]);
        try (var frames = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress());
                MigrationPeer standby = MigrationPeer.withFileSizeLimit(0, netBlk(imageB, frames.getLocalPort(),
                        "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none"))) {
            String address = standby.awaitLine(WAITING).group(1);
            try (MigrationPeer primary = MigrationPeer.start(netBlk(imageA, frames.getLocalPort(),
                    "primary,peer=" + address + ",password-file=" + pw + ",fencing=none"))) {
                String image = "virtio-blk image " + Pattern.quote(imageB.toString())
                        + " cannot take a mirrored write at byte 0: File too large";
                Matcher refused = standby.awaitLine(Pattern.compile("ft: refused checkpoint (\\d+): checkpoint \\1:"
                        + " output \\S+ at position \\d+ was not taken: " + image + "; this standby's disk no longer"
                        + " matches the guest's; the standby stays at checkpoint (-?\\d+) and ends without running"
                        + " the guest"));
                assertEquals(Long.parseLong(refused.group(1)) - 1, Long.parseLong(refused.group(2)), refused.group());
                assertEquals(2, standby.awaitExit(), standby.output());
                // checkpoint 0 (the full sync) may already carry a write: then the primary was never protected
                primary.awaitLine(Pattern.compile("ft: (standby lost after checkpoint \\d+|no standby) \\(the standby"
                        + " refused: checkpoint " + refused.group(1) + ": output \\S+ at position \\d+ was not taken: "
                        + image + ".*\\); running unprotected"));
                var monitor = new java.io.PrintStream(primary.process().getOutputStream(), true,
                        java.nio.charset.StandardCharsets.UTF_8);
                monitor.println("quit");
                assertEquals(0, primary.awaitExit(), primary.output());
                assertFalse(standby.output().contains("running as primary"), standby.output());
            }
        }
    }

    /** The disk-and-network counter guest, endless, with a monitor on stdin and {@code --ft ft}. */
    private String[] netBlk(Path image, int framesPort, String ft) throws Exception {
        return new String[] {"--bios", RunMachines.guest(dir, "net-blk-counter.rom").toString(), "-m", "4M",
            "--serial", "none", "--pacing", "warp", "--monitor", "stdio",
            "--device", "virtio-blk,path=" + image + ",modern=false",
            "--device", "virtio-net,backend=udp,local=127.0.0.1:" + FailoverObserver.freePort()
                    + ",remote=127.0.0.1:" + framesPort + ",modern=false",
            "--ft", ft};
    }

    private static void closeEach(ServerSocket server) {
        try {
            while (true) {
                try (Socket s = server.accept()) {
                    s.shutdownOutput();
                }
            }
        } catch (IOException e) {
            // closed by the test
        }
    }
}
