package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
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
import java.io.PrintWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
