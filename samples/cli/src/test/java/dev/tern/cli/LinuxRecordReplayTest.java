package dev.tern.cli;

import dev.tern.kernel.machine.DeviceSpec;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.kernel.replay.LogEntry;
import dev.tern.kernel.replay.RecordingJournal;
import dev.tern.kernel.replay.ReplayLogHeader;
import dev.tern.kernel.replay.ReplayLogReader;
import dev.tern.kernel.replay.ReplayLogWriter;
import dev.tern.kernel.replay.ReplayingJournal;
import dev.tern.spi.replay.ReplayEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Debian guest recorded with realtime pacing while a command is typed at its shell and a peer
 * on a real UDP socket sends its virtio-net card frames (an ARP request, ICMP echo requests; see
 * {@link FramePeer}), then replayed twice: the console output, the exit, the final instruction
 * count and the whole machine state must be identical to the recording's (the guest also powers
 * off the slot of a disk behind a hot-plug bridge: the card leaves at the same instruction), the log must hold exactly
 * the frames the peer sent, and each replay (the peer sends nothing then) must send the peer the
 * same frames as the recording did. Skipped without guest/ (scripts/fetch-guest.sh).
 */
class LinuxRecordReplayTest {

    static final long MAX_INSTRUCTIONS = 3_000_000_000L;
    static final long INTERVAL = 50_000_000;
    static final int PINGS = 3;

    @TempDir
    Path dir;

    record Run(String console, MachineExit exit, long instructions, String state, String summary, List<String> framesOut) { }

    @Test
    @Timeout(1800)
    void recordedBootShellCommandAndReceivedFramesReplayExactlyTwice() throws Exception {
        LinuxGuest.assumeGuest();
        Path log = dir.resolve("linux.rr");
        Run recorded;
        long t0 = System.nanoTime();
        Path disk = dir.resolve("behind-bridge.img");
        Files.write(disk, new byte[1 << 20]);
        try (var peer = new FramePeer()) {
            // a disk behind a hot-plug bridge, whose slot the guest powers off itself
            var card = List.of(peer.card(), new DeviceSpec("pci-bridge", "br1", Map.of("chassis-nr", "1", "slot", "5")),
                    new DeviceSpec("virtio-blk", "hd0", Map.of("path", disk.toString(), "bus", "br1", "slot", "1")));
            try (var g = LinuxGuest.create(MAX_INSTRUCTIONS, card, Pacing.REALTIME, spec -> new RecordingJournal(
                    new ReplayLogWriter(log, ReplayLogHeader.forMachine(spec, "test", List.of("LinuxRecordReplayTest"), INTERVAL)),
                    INTERVAL))) {
                g.machine.start();
                assertNull(g.waitFor(LinuxGuest.PROMPT, 0), "the guest stopped before its shell prompt:\n" + g.output());
                int at = g.type("echo replay-$((6*7))");
                assertNull(g.waitFor("replay-42\r\n", at), "no command output:\n" + g.output());
                at = g.type("ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up && echo up-$?");
                assertNull(g.waitFor("up-0", at), g.output());
                peer.arp();
                for (int seq = 1; seq <= PINGS; seq++) {
                    peer.ping(seq);
                }
                at = g.type("cat /sys/class/net/eth0/statistics/rx_packets");
                assertNull(g.waitFor(LinuxGuest.PROMPT, at + 1), g.output());
                at = g.type("for p in /sys/bus/pci/slots/*/power; do [ \"$(cat $p)\" = 1 ] && echo 0 > $p; done;"
                        + " while [ -e /sys/block/vda ]; do sleep 1; done; echo vda-g''one");
                assertNull(g.waitFor("vda-gone", at), "the guest did not power its disk's slot off:\n" + g.output());
                assertTrue(g.machine.spec().devices().stream().noneMatch(d -> d.instance().equals("hd0")),
                        "the card left the machine");
                g.type("reboot -f");
                recorded = finish(g, peer);
            }
            System.out.printf("LinuxRecordReplayTest: recorded %d instructions in %.1f s, log %d bytes: %s%n",
                    recorded.instructions(), (System.nanoTime() - t0) / 1e9, Files.size(log), recorded.summary());
            assertEquals(MachineExit.Reason.RESET, recorded.exit().reason(), recorded.exit().detail() + "\n" + recorded.console());
            assertTrue(recorded.framesOut().size() >= 1 + PINGS, "the guest answered: " + recorded.framesOut());

            var frames = ReplayLogReader.read(log).entries().stream()
                    .filter(e -> e instanceof LogEntry.Input i && i.delivery().event() instanceof ReplayEvent.NetFrame)
                    .map(e -> ((ReplayEvent.NetFrame) ((LogEntry.Input) e).delivery().event()).frame()).toList();
            assertEquals(peer.sent.size(), frames.size(), "the log holds every frame the peer sent, and nothing else");
            for (int i = 0; i < frames.size(); i++) {
                assertArrayEquals(peer.sent.get(i), frames.get(i), "frame " + i + " as logged");
            }

            for (int i = 0; i < 2; i++) {
                long r0 = System.nanoTime();
                Run replay;
                try (var g = LinuxGuest.create(MAX_INSTRUCTIONS, card, Pacing.REALTIME,
                        spec -> new ReplayingJournal(ReplayLogReader.read(log), spec))) {
                    g.machine.start();
                    replay = finish(g, peer);
                }
                System.out.printf("LinuxRecordReplayTest: replay %d in %.1f s: %s%n", i + 1, (System.nanoTime() - r0) / 1e9,
                        replay.summary());
                assertEquals(recorded.exit(), replay.exit(), "replay " + i + " exit");
                assertEquals(recorded.console(), replay.console(), "replay " + i + " console output");
                assertEquals(recorded.instructions(), replay.instructions(), "replay " + i + " instruction count");
                assertEquals(recorded.state(), replay.state(), "replay " + i + " machine state digest");
                assertEquals(recorded.framesOut(), replay.framesOut(), "replay " + i + " frames sent to the peer");
                assertTrue(replay.summary().contains("checkpoints matched"), replay.summary());
            }
        }
    }

    private static Run finish(LinuxGuest g, FramePeer peer) throws Exception {
        MachineExit exit = g.machine.awaitExit();
        return new Run(g.output(), exit, g.machine.vcpus().getFirst().instructionCount(), MachineDigest.full(g.machine),
                g.machine.journalSummary(), peer.take());
    }
}
