package dev.tern.cli;

import dev.tern.kernel.ft.FtConfig;
import dev.tern.kernel.ft.FtPrimary;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.stats.StatsRegistry;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The primary's figures outside {@code info ft} (docs/protocols/ft.md, "Monitor"): every
 * checkpoint acknowledged is a JFR event {@code dev.tern.FtCheckpoint} (its duration from the stop
 * request to the acknowledgement, sequence, cause, pause, dirty pages, stream bytes), and the
 * {@code /ft/*} gauges of the machine's stats, read over JMX, agree with those events. A real pair:
 * this JVM the primary (the dirty-writer guest, run to its instruction limit), a child JVM the standby.
 */
@Isolated("its JFR recording sees the events of every thread of the JVM")
class FtStatsTest {

    @TempDir
    Path dir;

    /** What one protected run left: its checkpoint events in sequence order, and the gauges at its end. */
    private record Figures(List<RecordedEvent> events, long acknowledged, long bytesSent, long maxPause) {
    }

    @Test
    @Timeout(120)
    void everyCheckpointIsAJfrEventAndTheJmxGaugesAgreeWithThem() throws Exception {
        List<String> guest = List.of("--bios", RunMachines.guest(dir, "dirty-writer.rom").toString(), "-m", "4M",
                "--serial", "none", "--pacing", "warp", "--max-instructions", Long.toString(FtFailoverTest.LIMIT));
        Figures f = protectedRun(guest, "interval=20ms");
        List<RecordedEvent> events = f.events();
        assertTrue(events.size() >= 3, "checkpoints recorded: " + events.size());
        long streamBytes = 0;
        long longest = 0;
        long dirtied = 0;
        for (int i = 0; i < events.size(); i++) {
            RecordedEvent e = events.get(i);
            assertEquals(i, e.getLong("sequence"), "one event per acknowledged checkpoint, in order: " + e);
            assertEquals(i == 0 ? "initial" : "interval", e.getString("cause"), "no output is held: " + e);
            long pause = e.getDuration("pause").toNanos();
            assertTrue(pause > 0 && e.getDuration().toNanos() >= pause, "the pause lies inside the checkpoint: " + e);
            assertTrue(e.getLong("streamBytes") > 0, e.toString());
            dirtied += i > 0 ? e.getLong("dirtyPages") : 0;
            streamBytes += e.getLong("streamBytes");
            longest = Math.max(longest, pause);
        }
        // not in each: on a loaded host the guest's thread may get no time between two checkpoints
        assertTrue(dirtied > 0, "the dirty-writer's pages are in the checkpoints after the full sync");
        assertEquals(events.getLast().getLong("sequence"), f.acknowledged(), "the last acknowledged checkpoint, over JMX");
        assertTrue(f.bytesSent() >= streamBytes, "bytes sent " + f.bytesSent() + " cover the checkpoints' streams "
                + streamBytes);
        assertTrue(f.maxPause() >= longest, "the longest pause over JMX " + f.maxPause() + " against the events' " + longest);
    }

    /**
     * Output forces checkpoints (VirtualBox's NETWORK/STORAGE checkpoint types): the serial-counter
     * guest prints all the time, the interval is a second and the output latency 5 ms, so held
     * output starts checkpoints long before the interval would — their events say cause {@code output}.
     */
    @Test
    @Timeout(120)
    void heldOutputForcesCheckpointsLongBeforeTheInterval() throws Exception {
        List<String> guest = List.of("--bios", RunMachines.guest(dir, "serial-counter.rom").toString(), "-m", "4M",
                "--serial", "file:" + dir.resolve("a.log"), "--pacing", "warp", "--max-instructions",
                Long.toString(FtCounterGuest.LIMIT));
        Figures f = protectedRun(guest, "interval=1s,output-latency=5ms");
        long output = f.events().stream().filter(e -> e.getString("cause").equals("output")).count();
        long interval = f.events().stream().filter(e -> e.getString("cause").equals("interval")).count();
        assertTrue(output > interval, "checkpoints caused by output " + output + ", by the 1 s interval " + interval);
        assertTrue(Files.size(dir.resolve("a.log")) > 0, "the held output was delivered");
    }

    /**
     * Runs {@code guest} to its end protected by a standby in a child JVM (the primary's {@code --ft}
     * keys {@code keys}), with a JFR recording of the checkpoints and the machine's stats on JMX.
     */
    private Figures protectedRun(List<String> guest, String keys) throws Exception {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "correct horse\n");
        var standbyArgs = new java.util.ArrayList<>(guest);
        int serial = standbyArgs.indexOf("--serial") + 1;
        if (!standbyArgs.get(serial).equals("none")) {
            standbyArgs.set(serial, "file:" + dir.resolve("b.log")); // a file of its own: the primary's is open
        }
        standbyArgs.addAll(List.of("--ft", "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none"));
        Path jfr = dir.resolve("primary.jfr");
        MBeanServer jmx = MBeanServerFactory.newMBeanServer();
        long acknowledged;
        long bytesSent;
        long maxPause;
        try (MigrationPeer standby = MigrationPeer.start(standbyArgs.toArray(String[]::new));
             Machine machine = RunMachines.create(guest);
             Recording recording = new Recording()) {
            String address = standby.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+)")).group(1);
            recording.enable("dev.tern.FtCheckpoint").withThreshold(Duration.ZERO);
            recording.start();
            var protectedLine = new CountDownLatch(1);
            var config = FtConfig.parse("primary,peer=" + address + ",password-file=" + pw + ",fencing=none," + keys + ","
                    + FtFailoverTest.TIMEOUT);
            try (FtPrimary node = new FtPrimary(machine, config, RunMachines.plugins(), watching(protectedLine))) {
                machine.stats().exportJmx(jmx);
                machine.start();
                node.start();
                assertTrue(protectedLine.await(60, TimeUnit.SECONDS), "never protected: " + node.render());
                assertEquals(1L, gauge(jmx, "/ft/protected"), "protected, over JMX");
                MachineExit exit = machine.awaitExit();
                assertEquals(MachineExit.Reason.INSTRUCTION_LIMIT, exit.reason(), exit.detail());
            } // closing the primary after its guest's end releases the standby, as tern run does
            assertEquals(0, standby.awaitExit(), "the guest's end releases the standby: " + standby.output());
            recording.stop();
            recording.dump(jfr);
            acknowledged = gauge(jmx, "/ft/checkpoints-acknowledged");
            bytesSent = gauge(jmx, "/ft/bytes-sent");
            maxPause = gauge(jmx, "/ft/max-pause");
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(jfr).stream()
                .filter(e -> e.getEventType().getName().equals("dev.tern.FtCheckpoint"))
                .sorted(Comparator.comparingLong(e -> e.getLong("sequence"))).toList();
        return new Figures(events, acknowledged, bytesSent, maxPause);
    }

    private static long gauge(MBeanServer jmx, String path) throws Exception {
        return ((Number) jmx.getAttribute(StatsRegistry.objectName(path), "Value")).longValue();
    }

    /** The primary's log, whose protected line opens {@code latch}. */
    private static PrintStream watching(CountDownLatch latch) {
        return new PrintStream(new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                super.write(b, off, len);
                if (toString(StandardCharsets.UTF_8).contains("ft: protected by standby")) {
                    latch.countDown();
                }
            }
        }, true, StandardCharsets.UTF_8);
    }
}
