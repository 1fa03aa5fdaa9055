package dev.tern.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code handshake-timeout=}: a handshake slowed down by the path between the two JVMs (a relay
 * in this test that holds every byte of a connection for its first seconds, as a cold or
 * swapped-out peer would) succeeds when it ends within the bound, although it takes several
 * heartbeat timeouts; beyond the bound both sides give up naming the bound and its key, the
 * primary's guest runs on unprotected and the standby waits for another primary.
 */
class FtHandshakeTimeoutTest {

    private static final Pattern WAITING = Pattern.compile("ft: standby waiting for a primary on (\\S+)");

    @TempDir
    Path dir;

    private String[] run(Path serial, String ft) throws Exception {
        return new String[] {"--bios", RunMachines.guest(dir, "serial-counter.rom").toString(), "-m", "4M",
                "--serial", "file:" + serial, "--pacing", "warp", "--ft", ft};
    }

    private Path password() throws Exception {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "correct horse\n");
        return pw;
    }

    @Test
    @Timeout(120)
    void aHandshakeSlowerThanTheHeartbeatTimeoutButWithinItsBoundSucceeds() throws Exception {
        Path pw = password();
        try (MigrationPeer standby = MigrationPeer.start(run(dir.resolve("b.log"),
                "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none"));
             var relay = new SlowRelay(TimeUnit.SECONDS.toMillis(2))) {
            relay.forwardTo(standby.awaitLine(WAITING).group(1));
            // heartbeat timeout 500 ms: a handshake it bounded would fail 4 times over; the default
            // handshake bound (10 s here) lets the 2 s of silence pass
            try (MigrationPeer primary = MigrationPeer.start(run(dir.resolve("a.log"), "primary,peer=" + relay.address()
                    + ",password-file=" + pw + ",fencing=none,interval=50ms,timeout=500ms"))) {
                primary.awaitLine(Pattern.compile("ft: protected by standby " + Pattern.quote(relay.address())));
                standby.awaitLine(Pattern.compile("ft: in sync with primary"));
                assertTrue(!primary.output().contains("handshake-timeout"), primary.output());
                assertTrue(!standby.output().contains("handshake-timeout"), standby.output());
                assertTrue(relay.held() >= TimeUnit.SECONDS.toMillis(2), "the relay did not slow the handshake");
            }
        }
    }

    @Test
    @Timeout(120)
    void aHandshakeBeyondItsBoundFailsOnBothSidesNamingIt() throws Exception {
        Path pw = password();
        Path a = dir.resolve("a.log");
        try (MigrationPeer standby = MigrationPeer.start(run(dir.resolve("b.log"),
                "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none,handshake-timeout=1s"));
             var relay = new SlowRelay(TimeUnit.SECONDS.toMillis(20))) {
            relay.forwardTo(standby.awaitLine(WAITING).group(1));
            try (MigrationPeer primary = MigrationPeer.start(run(a, "primary,peer=" + relay.address()
                    + ",password-file=" + pw + ",fencing=none,interval=50ms,handshake-timeout=1500ms"))) {
                primary.awaitLine(Pattern.compile("ft: no standby \\(the handshake with " + Pattern.quote(relay.address())
                        + " did not finish within 1500 ms \\(handshake-timeout=\\)\\); running unprotected"));
                Matcher refused = standby.awaitLine(Pattern.compile("ft: refused primary (\\S+): the handshake with (\\S+)"
                        + " did not finish within 1000 ms \\(handshake-timeout=\\); waiting for another"));
                assertTrue(refused.group(1).equals(refused.group(2)), refused.group());
                awaitLines(a, 50, primary); // unprotected, its output no longer held
                assertTrue(standby.process().isAlive(), "the standby ended:\n" + standby.output());
                assertTrue(!standby.output().contains("in sync"), standby.output());
                assertTrue(Files.size(dir.resolve("b.log")) == 0, "the standby ran the guest");
            }
        }
    }

    private static long lines(Path file) throws IOException {
        return Files.readString(file).chars().filter(c -> c == '\n').count();
    }

    /** Waits until {@code file} holds {@code n} lines (it has no other signal; the wait ends on the condition). */
    private static void awaitLines(Path file, long n, MigrationPeer peer) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (lines(file) < n) {
            if (System.nanoTime() > deadline || !peer.process().isAlive()) {
                fail(file.getFileName() + " never reached " + n + " lines; output:\n" + peer.output());
            }
            TimeUnit.MILLISECONDS.sleep(5); // poll pace
        }
    }

    /**
     * A TCP relay on loopback that passes nothing, either way, during the first {@code holdMillis}
     * of each connection, then relays both ways until either side closes: a path to a peer that is
     * slow to answer at first, on real sockets.
     */
    private static final class SlowRelay implements AutoCloseable {
        private final ServerSocket server;
        private final long holdMillis;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private volatile long held;

        SlowRelay(long holdMillis) throws IOException {
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            this.holdMillis = holdMillis;
        }

        String address() {
            return "tcp:127.0.0.1:" + server.getLocalPort();
        }

        /** How long the last connection's bytes were held, in milliseconds. */
        long held() {
            return held;
        }

        void forwardTo(String target) {
            String[] hostPort = target.substring("tcp:".length()).split(":");
            var to = new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));
            Thread.ofPlatform().daemon().name("slow-relay").start(() -> {
                try {
                    while (true) {
                        Socket in = server.accept();
                        long start = System.nanoTime();
                        Socket out = new Socket(to.getAddress(), to.getPort());
                        sockets.add(in);
                        sockets.add(out);
                        pump(in, out, start);
                        pump(out, in, start);
                    }
                } catch (IOException e) {
                    // the relay closed
                }
            });
        }

        private void pump(Socket from, Socket to, long start) {
            Thread.ofPlatform().daemon().name("slow-relay-pump").start(() -> {
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    long left = TimeUnit.MILLISECONDS.toNanos(holdMillis) - (System.nanoTime() - start);
                    if (left > 0) {
                        TimeUnit.NANOSECONDS.sleep(left); // the slowness under test, not a synchronisation
                    }
                    held = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    in.transferTo(out);
                } catch (IOException | InterruptedException e) {
                    // a side closed
                } finally {
                    close(from);
                    close(to);
                }
            });
        }

        private static void close(Socket s) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already closed
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                close(s);
            }
        }
    }
}
