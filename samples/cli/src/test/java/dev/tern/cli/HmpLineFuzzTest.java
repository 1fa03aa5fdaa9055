package dev.tern.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.SnapshotStore;
import dev.tern.kernel.vm.IllegalVmStateTransition;
import dev.tern.kernel.vm.VmState;
import dev.tern.testkit.fuzz.HostileInput;
import dev.tern.testkit.fuzz.SeedCorpus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Lines typed at the human monitor ({@code --monitor}) of a real PC machine (the demo guest paused
 * at instruction 123,457), with a snapshot directory of its own: every line is answered, nothing
 * escapes {@link Monitor#execute}, a refusal is one {@code Error: ...} line saying what was wrong,
 * and a refused line leaves a paused machine exactly as it was (full state digest: RAM, vCPU,
 * devices). Lines are split as the monitor's reader splits them (newline, {@code \r} dropped, at
 * most {@link Monitor#MAX_LINE} + 1 characters kept). A line that ends the run ({@code quit}, a
 * power-down that the guest obeys) gets a fresh machine for the next input; a machine left running
 * is paused at the input's end (finding 1: its run may end just then), and the snapshots an input
 * saved are deleted with it.
 * Seeds: an operator's session (status, registers, stop/cont, savevm/loadvm/delvm, errors).
 */
@Isolated("Jazzer fuzz targets: one at a time in a JVM")
class HmpLineFuzzTest {

    private static final Pattern ERROR = Pattern.compile("^Error: \\S[^\\n]*\\n$");
    /** A reply is a page of text at most (help, info mtree); a savevm keeps its file off the heap. */
    private static final long ALLOCATION = 16 << 20;

    private static Machine machine;
    private static Monitor monitor;
    private static Path snapshots;

    /** A line the monitor refused, with its reply. */
    private static final class Refused extends Exception {
        Refused(String reply) {
            super(reply, null, false, false);
        }
    }

    @AfterAll
    static void close() throws IOException {
        if (machine != null) {
            machine.close();
        }
        if (snapshots != null) {
            clearSnapshots();
            Files.deleteIfExists(snapshots);
        }
    }

    private static void open() throws Exception {
        if (snapshots == null) {
            snapshots = Files.createTempDirectory("tern-hmp-fuzz");
        }
        if (machine != null && !ended()) {
            return;
        }
        if (machine != null) {
            machine.close();
        }
        machine = PcMachine.create("--pacing", "warp", "-m", "4M", "--serial", "none");
        var reached = machine.pauseAt(123_457);
        machine.start();
        assertEquals(123_457L, reached.get());
        monitor = new Monitor(machine, new SnapshotStore(snapshots));
    }

    private static boolean ended() {
        VmState s = machine.lifecycle().state();
        return s == VmState.SHUTDOWN || s == VmState.FAILED;
    }

    private static void clearSnapshots() throws IOException {
        try (Stream<Path> files = Files.list(snapshots)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    @Test
    void seedsAreAnOperatorSession() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("session", String.join("\n",
                "info status", "help", "info registers", "info mtree", "info ioports", "info stats", "info replay",
                "savevm before", "info snapshots", "cont", "stop", "info status", "loadvm before", "delvm before",
                "info snapshots", "", "   ", "info", "info nothing", "bogus 1 2", "savevm", "savevm a b",
                "loadvm ../../etc/passwd", "loadvm missing", "delvm missing", "replay_break 10", "replay_seek x",
                "system_reset", "cont", "stop", "quit", "").getBytes(StandardCharsets.UTF_8));
        seeds.put("crlf-and-long", ("info status\r\nsavevm " + "n".repeat(300) + "\r\n" + "x".repeat(Monitor.MAX_LINE + 10)
                + "\ninfo   registers\t\n").getBytes(StandardCharsets.UTF_8));
        SeedCorpus.check(HmpLineFuzzTest.class, "lines", seeds);
    }

    @FuzzTest
    void lines(byte[] input) throws Exception {
        open();
        try {
            String text = new String(input, StandardCharsets.UTF_8);
            for (String raw : text.split("\n", -1)) {
                if (ended()) {
                    break; // quit or a power-down ended the run: the reader would stop here too
                }
                String line = raw.replace("\r", "");
                line(line.length() > Monitor.MAX_LINE + 1 ? line.substring(0, Monitor.MAX_LINE + 1) : line);
            }
        } finally {
            pauseIfRunning();
            clearSnapshots();
        }
    }

    /** Leaves the machine paused for the next input, unless its run ended meanwhile (a reset, a power-down). */
    private static void pauseIfRunning() {
        if (machine.lifecycle().state() == VmState.RUNNING) {
            try {
                machine.pause();
            } catch (IllegalVmStateTransition ended) {
                assertTrue(ended(), ended.toString());
            }
        }
    }

    private static void line(String line) throws IOException {
        boolean paused = machine.lifecycle().state() == VmState.PAUSED;
        String before = paused ? MachineDigest.full(machine) : null;
        String[] reply = new String[1];
        Optional<Refused> refused = HostileInput.parse(Refused.class, ERROR, ALLOCATION, () -> {
            reply[0] = monitor.execute(line);
            if (reply[0].startsWith("Error")) {
                throw new Refused(reply[0]);
            }
        });
        assertTrue(reply[0].isEmpty() || reply[0].endsWith("\n"), "a reply is whole lines: " + reply[0]);
        if (refused.isPresent() && paused && machine.lifecycle().state() == VmState.PAUSED) {
            assertEquals(before, MachineDigest.full(machine), "'" + clip(line) + "' was refused ("
                    + refused.get().getMessage().strip() + ") but changed the machine");
        }
    }

    private static String clip(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }
}
