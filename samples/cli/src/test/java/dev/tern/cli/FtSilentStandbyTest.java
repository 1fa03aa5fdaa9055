package dev.tern.cli;

import dev.tern.kernel.ft.FtConfig;
import dev.tern.kernel.ft.FtPrimary;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.vm.VmState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A "standby" that accepts the primary's connection and then says nothing (a blackholed
 * reconnect, a wedged process): the primary's handshake is bounded by {@code handshake-timeout=}, not
 * the transport's 30 s I/O timeout — it gives up naming the bound and the guest runs on unprotected.
 */
class FtSilentStandbyTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(60)
    void aStandbyThatAcceptsAndSaysNothingCostsTheHandshakeTimeout() throws Exception {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "correct horse\n");
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             Machine machine = RunMachines.create(List.of("--bios", RunMachines.guest(dir, "dirty-writer.rom").toString(),
                     "-m", "4M", "--serial", "none", "--pacing", "warp"))) {
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (true) {
                        held.add(silent.accept()); // kept open, never read or written
                    }
                } catch (IOException e) {
                    // the test ended
                }
            });
            var gaveUp = new CountDownLatch(1);
            var text = new ByteArrayOutputStream();
            var log = new PrintStream(new ByteArrayOutputStream() {
                @Override
                public synchronized void write(byte[] b, int off, int len) {
                    text.write(b, off, len);
                    if (text.toString(StandardCharsets.UTF_8).contains("running unprotected")) {
                        gaveUp.countDown();
                    }
                }
            }, true, StandardCharsets.UTF_8);
            var config = FtConfig.parse("primary,peer=tcp:127.0.0.1:" + silent.getLocalPort() + ",password-file=" + pw + ",fencing=none"
                    + ",interval=50ms,handshake-timeout=1s");
            try (FtPrimary primary = new FtPrimary(machine, config, RunMachines.plugins(), log)) {
                machine.start();
                primary.start();
                assertTrue(gaveUp.await(50, TimeUnit.SECONDS), "the primary still waits:\n" + text);
                String line = text.toString(StandardCharsets.UTF_8);
                assertTrue(line.contains("ft: no standby (the handshake with tcp:127.0.0.1:" + silent.getLocalPort()
                        + " did not finish within 1000 ms (handshake-timeout=)); running unprotected"), line);
                assertTrue(!held.isEmpty(), "the primary never connected");
                assertEquals(VmState.RUNNING, machine.lifecycle().state(), "the guest does not run on unprotected");
                assertTrue(primary.render().contains("state: unprotected"), primary.render());
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
