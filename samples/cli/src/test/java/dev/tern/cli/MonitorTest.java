package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.MonitorServer;
import dev.tern.kernel.monitor.SnapshotStore;
import dev.tern.kernel.config.ValidatedConfig;
import dev.tern.kernel.machine.SnapshotFiles;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.spi.Config;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.Listener;
import dev.tern.spi.transport.TransportProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The human monitor drives a running x86 machine: stop/cont, savevm/loadvm/delvm, info, errors, quit. */
class MonitorTest {

    @TempDir
    Path dir;

    private Machine benchMachine() throws Exception {
        var spec = MachineSpec.builder().ramSize(16L << 20).firmware(BenchCommand.benchRom()).pacing(Pacing.WARP).build();
        return Machine.create(PluginRegistry.discover(getClass().getClassLoader(), List.of()), spec);
    }

    private static void runAtLeast(Machine m, long instructions) {
        LiveMigrationTest.runAtLeast(m, m.vcpus().getFirst().instructionCount() + instructions);
    }

    @Test
    @Timeout(120)
    void snapshotsAndRunControl() throws Exception {
        try (Machine m = benchMachine()) {
            m.start();
            var mon = new Monitor(m, new SnapshotStore(dir));
            assertEquals("VM status: running\n", mon.execute("info status"));
            runAtLeast(m, 1_000_000);
            assertEquals("", mon.execute("stop"));
            assertEquals("VM status: paused\n", mon.execute("info status"));
            long atSave = m.vcpus().getFirst().instructionCount();
            byte[] ramAtSave = new byte[1 << 20];
            m.memory().read(0x100000, ramAtSave, 0, ramAtSave.length);

            assertEquals("", mon.execute("savevm before"));
            assertTrue(mon.execute("info snapshots").contains("before"));
            assertEquals("VM status: paused\n", mon.execute("info status"), "savevm keeps a paused machine paused");
            assertEquals("", mon.execute("cont"));
            runAtLeast(m, 2_000_000);

            assertEquals("", mon.execute("loadvm before"), "loadvm of a running machine");
            assertEquals("VM status: running\n", mon.execute("info status"));
            assertEquals("", mon.execute("stop"));
            long after = m.vcpus().getFirst().instructionCount();
            assertTrue(after >= atSave, "the restored guest runs on from the snapshot's count");
            assertEquals("", mon.execute("loadvm before"));
            assertEquals(atSave, m.vcpus().getFirst().instructionCount(), "loadvm restores the instruction count");
            byte[] ram = new byte[1 << 20];
            m.memory().read(0x100000, ram, 0, ram.length);
            assertTrue(java.util.Arrays.equals(ramAtSave, ram), "loadvm restores RAM");

            assertEquals("", mon.execute("delvm before"));
            assertTrue(mon.execute("info snapshots").contains("no snapshot"));
            assertTrue(mon.execute("info registers").startsWith("CPU#0: "));
            assertTrue(mon.execute("info mtree").contains("bios"));
            assertTrue(mon.execute("help").contains("savevm NAME"));

            assertTrue(mon.execute("loadvm ../../etc/passwd").startsWith("Error: snapshot name"));
            assertTrue(mon.execute("loadvm missing").startsWith("Error: no snapshot named 'missing'"));
            assertTrue(mon.execute("savevm").startsWith("Error: usage: savevm NAME"));
            assertTrue(mon.execute("frobnicate").startsWith("Error: unknown command 'frobnicate'"));
            assertTrue(mon.execute("info").startsWith("Error: 'info' needs a topic"));
            assertTrue(mon.execute("x".repeat(Monitor.MAX_LINE + 1)).startsWith("Error: command line longer"));
            assertEquals("VM status: paused\n", mon.execute("info status"), "errors change nothing");

            assertEquals("", mon.execute("quit"));
            MachineExit exit = m.awaitExit();
            assertEquals(MachineExit.Reason.HOST_STOP, exit.reason());
        }
    }

    @Test
    @Timeout(120)
    void servesOverTcpOnLoopback() throws Exception {
        try (Machine m = benchMachine()) {
            m.start();
            var mon = new Monitor(m, new SnapshotStore(dir));
            try (MonitorServer server = MonitorServer.start(mon, "127.0.0.1", 0);
                 Socket s = new Socket("127.0.0.1", server.port())) {
                var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                var out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
                assertTrue(in.readLine().startsWith("Tern monitor"));
                out.println("info status");
                assertEquals(Monitor.PROMPT + "VM status: running", in.readLine());
                out.println("quit");
                assertEquals(MachineExit.Reason.HOST_STOP, m.awaitExit().reason());
            }
        }
    }

    /** The file transport, recording what the kernel asks of it. */
    private static final class RecordingFileTransport implements TransportProvider {
        final TransportProvider real;
        final List<String> calls = new CopyOnWriteArrayList<>();

        RecordingFileTransport(TransportProvider real) {
            this.real = real;
        }

        @Override
        public String id() {
            return real.id();
        }

        @Override
        public Connection connect(String address, Config config) throws IOException {
            calls.add("connect " + address);
            return real.connect(address, config);
        }

        @Override
        public Listener listen(String address, Config config) throws IOException {
            calls.add("listen " + address);
            return real.listen(address, config);
        }
    }

    @Test
    @Timeout(120)
    void savevmAndLoadvmGoThroughTheFileTransportAndSavevmDrawsRamProgress() throws Exception {
        try (Machine m = benchMachine()) {
            var plugins = PluginRegistry.discover(getClass().getClassLoader(), List.of());
            TransportProvider real = plugins.require(TransportProvider.class, "file");
            var transport = new RecordingFileTransport(real);
            var files = new SnapshotFiles(transport, ValidatedConfig.of("file", real.configKeys(), Map.of("fsync", "off")));
            var shown = new ByteArrayOutputStream();
            long[] now = {0};
            // every clock reading is a second later, and no redraw interval: each RAM part redraws
            var mon = new Monitor(m, new SnapshotStore(dir, files), label -> new ProgressBar(
                    new PrintStream(shown, true, StandardCharsets.UTF_8), label, () -> now[0] += 1_000_000_000L, 0));
            m.start();
            runAtLeast(m, 100_000);
            assertEquals("", mon.execute("stop"));
            // 12 MiB of non-zero pages, so the save takes more than one 8 MiB part
            byte[] fill = new byte[12 << 20];
            java.util.Arrays.fill(fill, (byte) 0x5a);
            m.memory().write(0x200000, fill, 0, fill.length);

            assertEquals("", mon.execute("savevm p1"));
            assertEquals(List.of("connect " + dir.resolve("p1.tern")), transport.calls);
            String bar = shown.toString(StandardCharsets.UTF_8);
            assertTrue(java.util.regex.Pattern.compile("savevm p1  \\[#+\\.+\\]  [1-9][0-9]%").matcher(bar).find(),
                    "a redraw part-way: " + bar);
            assertTrue(bar.contains("savevm p1  [####################] 100%  15.6 MiB/15.6 MiB"), bar);
            assertTrue(bar.contains("savevm p1  15.6 MiB of RAM, "), bar);

            assertEquals("", mon.execute("loadvm p1"));
            String file = dir.resolve("p1.tern").toString();
            assertEquals(List.of("connect " + file, "listen " + file, "listen " + file),
                    transport.calls, "loadvm verifies the stream in one read and applies it in a second");
            assertEquals("", mon.execute("quit"));
        }
    }

    @Test
    @Timeout(120)
    void tabCompletesCommandsInfoTopicsAndSnapshotNamesOnATerminal() throws Exception {
        try (Machine m = benchMachine()) {
            m.start();
            var mon = new Monitor(m, new SnapshotStore(dir));
            assertEquals("", mon.execute("stop"));
            assertEquals("", mon.execute("savevm first-point"));
            assertTrue(mon.complete("").containsAll(List.of("info", "stop", "cont", "savevm", "loadvm", "quit")));
            assertTrue(mon.complete("info ").containsAll(List.of("status", "registers", "snapshots")));
            assertEquals(List.of("first-point"), mon.complete("loadvm "));
            assertEquals(List.of(), mon.complete("stop now "));
            var screen = new java.io.StringWriter();
            // "info statu<Tab>" completes; "delvm f<Tab>" completes the snapshot; Ctrl-D ends
            mon.serveEditing(new java.io.StringReader("info statu\t\rdelvm f\t\n\u0004"), screen);
            assertTrue(screen.toString().contains("(tern) info status \nVM status: paused\n"), screen.toString());
            assertFalse(mon.execute("info snapshots").contains("first-point"), "delvm first-point ran");
        }
    }
}
