package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.monitor.SnapshotStore;
import dev.tern.kernel.plugin.PluginRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.tern.cli.QmpProtocolTest.ret;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code info jit} and {@code x-query-jit} through the CLI's monitor endpoint on a real socket: after
 * the bench guest's sieve ran a fixed number of instructions, a vCPU with the compiling tier reports
 * its translations and the share of the instructions they ran, one without it says it interprets.
 */
class JitInfoTest {

    private static final long INSTRUCTIONS = 3_000_000;
    private static final Pattern SUMMARY = Pattern.compile(
            "(\\d+) blocks translated \\((\\d+) live, .*?, ([\\d,]+) instructions run translated, ([\\d,]+) chained");

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void aCompilingVcpuReportsItsTranslationsThroughTheMonitor() throws Exception {
        String text = infoJit(Map.of("tier", "jit", "translation", "inline", "translate-after", "64"), "jit");
        assertTrue(text.startsWith("CPU#0: tier jit, 3,000,000 instructions, "), text);
        Matcher m = SUMMARY.matcher(text);
        assertTrue(m.find(), text);
        long translated = Long.parseLong(m.group(1));
        long live = Long.parseLong(m.group(2));
        long ran = Long.parseLong(m.group(3).replace(",", ""));
        assertTrue(translated > 0 && live > 0 && live <= translated, text);
        // The sieve's loops run translated once their blocks passed 64 entries: most of the run.
        assertTrue(ran > INSTRUCTIONS / 2 && ran <= INSTRUCTIONS, text);
    }

    @Test
    @Timeout(120)
    void aVcpuWithoutATierOptionCompiles() throws Exception {
        String text = infoJit(Map.of(), "default");
        assertTrue(text.startsWith("CPU#0: tier jit, 3,000,000 instructions, "), text);
    }

    @Test
    @Timeout(120)
    void anInterpretingVcpuSaysSo() throws Exception {
        String text = infoJit(Map.of("tier", "interp"), "interp");
        if (Integer.getInteger("tern.x86.translateAfter") == null) {
            assertEquals("CPU#0: tier interp, 3,000,000 instructions\n", text);
        } else {
            // The suite forces the tier on for every vCPU of the JVM: then this one compiles too.
            assertTrue(text.startsWith("CPU#0: tier jit, 3,000,000 instructions, "), text);
        }
    }

    /** Runs the bench guest for {@link #INSTRUCTIONS} on CPU options {@code cpu}; returns info jit, checked against x-query-jit. */
    private String infoJit(Map<String, String> cpu, String name) throws Exception {
        var spec = MachineSpec.builder().ramSize(16L << 20).firmware(BenchCommand.benchRom()).pacing(Pacing.WARP)
                .maxInstructions(INSTRUCTIONS).cpu("x86", cpu).build();
        PluginRegistry plugins = PluginRegistry.discover(JitInfoTest.class.getClassLoader(), List.of());
        Path sock = dir.resolve(name + ".sock");
        try (Machine m = Machine.create(plugins, spec)) {
            m.start();
            assertEquals(MachineExit.Reason.INSTRUCTION_LIMIT, m.awaitExit().reason());
            try (var endpoint = MonitorEndpoint.open("none", List.of("unix:" + sock + ",server"), "none", m,
                    new SnapshotStore(dir), plugins, null, null, null);
                 QmpTestClient c = QmpTestClient.negotiated(UnixDomainSocketAddress.of(sock))) {
                String human = ret(c.execute("{\"execute\": \"human-monitor-command\", \"arguments\": "
                        + "{\"command-line\": \"info jit\"}}"));
                Map<String, Object> query = ret(c.execute("{\"execute\": \"x-query-jit\"}"));
                assertEquals(human, query.get("human-readable-text"), "both monitors show the same counts");
                return human;
            }
        }
    }
}
