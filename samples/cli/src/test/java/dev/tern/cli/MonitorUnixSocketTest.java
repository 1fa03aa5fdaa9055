package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.MonitorServer;
import dev.tern.kernel.monitor.SnapshotStore;
import dev.tern.kernel.plugin.PluginRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The human monitor over a unix socket ({@code --monitor unix:PATH,server}), for scripts. */
class MonitorUnixSocketTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void servesScriptsOnAUnixSocket() throws Exception {
        var spec = MachineSpec.builder().ramSize(16L << 20).firmware(BenchCommand.benchRom()).pacing(Pacing.WARP).build();
        try (Machine m = Machine.create(PluginRegistry.discover(getClass().getClassLoader(), List.of()), spec)) {
            m.start();
            var mon = new Monitor(m, new SnapshotStore(dir));
            Path socket = dir.resolve("hmp.sock");
            Files.writeString(dir.resolve("stale"), ""); // a regular file is never taken for a stale socket
            try (MonitorServer server = MonitorServer.startUnix(mon, socket)) {
                for (int client = 0; client < 2; client++) {
                    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                        var in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
                        var out = Channels.newOutputStream(ch);
                        assertEquals("Tern monitor - type 'help' for a list of commands", in.readLine());
                        out.write("info status\nstop\ninfo status\ncont\n".getBytes(StandardCharsets.UTF_8));
                        assertEquals(Monitor.PROMPT + "VM status: running", in.readLine());
                        assertEquals(Monitor.PROMPT + Monitor.PROMPT + "VM status: paused", in.readLine());
                    }
                }
            }
            assertFalse(Files.exists(socket), "closing removes the socket file");
        }
    }
}
