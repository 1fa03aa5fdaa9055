package dev.tern.cli;

import dev.tern.devices.chardev.MemoryBackend;
import dev.tern.devices.uart.Uart16550;
import dev.tern.kernel.machine.DeviceSpec;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.SnapshotStore;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.replay.LogEntry;
import dev.tern.kernel.replay.RecordingJournal;
import dev.tern.kernel.replay.ReplayJournal;
import dev.tern.kernel.replay.ReplayLogAnalyzer;
import dev.tern.kernel.replay.ReplayLogException;
import dev.tern.kernel.replay.ReplayLogHeader;
import dev.tern.kernel.replay.ReplayLogReader;
import dev.tern.kernel.replay.ReplayLogWriter;
import dev.tern.kernel.replay.ReplayingJournal;
import dev.tern.kernel.vm.VmState;
import dev.tern.spi.replay.ReplayEvent;
import dev.tern.spi.replay.ReplayFilter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Record/replay of a guest whose output depends on when its input arrives: echo-ticks (see
 * src/test/asm) prints each typed byte with the 1 kHz tick count it was read at. Recorded with
 * realtime pacing, so the counts follow the wall clock; every replay must reproduce the recording
 * byte for byte and end at the same instruction in the same state.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RecordReplayTest {

    static final long INTERVAL = 2_000;
    static final String TYPED = "hello, replay";

    @TempDir
    static Path shared;

    static Path log;
    static Run recorded;

    record Run(String serial, MachineExit exit, long instructions, String state, String summary) { }

    @BeforeAll
    static void recordOnce() throws Exception {
        log = shared.resolve("echo.rr");
        var spec = spec(16 << 20);
        var header = ReplayLogHeader.forMachine(spec, "test", List.of("RecordReplayTest"), INTERVAL);
        recorded = run(spec, new RecordingJournal(new ReplayLogWriter(log, header), INTERVAL), TYPED, -1, false);
    }

    @Test
    void recordingSawEveryTypedByteAndPoweredOff() {
        assertEquals(MachineExit.Reason.POWER_OFF, recorded.exit().reason(), recorded.exit().detail());
        for (char c : TYPED.toCharArray()) {
            assertTrue(recorded.serial().contains("got '" + c + "' at tick "), recorded.serial());
        }
        assertTrue(recorded.summary().startsWith("recorded "), recorded.summary());
    }

    @Test
    void twoReplaysReproduceTheRecordingExactly() throws Exception {
        for (int i = 0; i < 2; i++) {
            Run replay = run(spec(16 << 20), new ReplayingJournal(ReplayLogReader.read(log), spec(16 << 20)), null, -1, false);
            assertEquals(recorded.serial(), replay.serial(), "replay " + i + " serial output");
            assertEquals(recorded.exit(), replay.exit(), "replay " + i + " exit");
            assertEquals(recorded.instructions(), replay.instructions(), "replay " + i + " final instruction count");
            assertEquals(recorded.state(), replay.state(), "replay " + i + " final state digest");
            assertTrue(replay.summary().contains("checkpoints matched"), replay.summary());
        }
    }

    @Test
    void aHostPowerOffIsAnInputThatReplaysAtItsInstruction() throws Exception {
        Path hostLog = shared.resolve("host-poweroff.rr");
        var spec = spec(16 << 20);
        var header = ReplayLogHeader.forMachine(spec, "test", List.of(), INTERVAL);
        Run rec = run(spec, new RecordingJournal(new ReplayLogWriter(hostLog, header), INTERVAL), "ab", -1, true);
        assertEquals(new MachineExit(MachineExit.Reason.POWER_OFF, 7, "host powered off with status 7"), rec.exit());
        Run replay = run(spec, new ReplayingJournal(ReplayLogReader.read(hostLog), spec), null, -1, false);
        assertEquals(rec.exit(), replay.exit());
        assertEquals(rec.instructions(), replay.instructions());
        assertEquals(rec.serial(), replay.serial());
        assertEquals(rec.state(), replay.state());
        assertTrue(ReplayLogAnalyzer.analyze(hostLog).contains("host-request"));
    }

    /** The monitor's replay_break pauses a replay at exactly the asked instruction; cont runs it to the recorded end. */
    @Test
    void replayBreakPausesAtTheExactInstruction() throws Exception {
        var spec = spec(16 << 20);
        try (Machine m = Machine.create(PluginRegistry.discover(getClass().getClassLoader(), List.of()), spec,
                new ReplayingJournal(ReplayLogReader.read(log), spec))) {
            var serial = (MemoryBackend) ((Uart16550) m.device("serial0")).backend();
            var mon = new Monitor(m, new SnapshotStore(shared.resolve("snapshots")));
            var first = m.pauseAt(0);
            m.start();
            first.get(60, TimeUnit.SECONDS);
            String info = mon.execute("info replay");
            assertTrue(info.startsWith("Replay mode: replay\nInstruction count: 0\nNext input: "), info);
            long target = recorded.instructions() / 3;
            assertEquals("", mon.execute("replay_break " + target));
            var pausedAgain = new CompletableFuture<Void>();
            m.lifecycle().onChange((from, to) -> {
                if (to == VmState.PAUSED) {
                    pausedAgain.complete(null);
                }
            });
            assertEquals("", mon.execute("cont"));
            pausedAgain.get(60, TimeUnit.SECONDS);
            assertEquals(target, m.vcpus().getFirst().instructionCount());
            assertTrue(mon.execute("replay_break 5").startsWith("Error: vCPU 0 is already at instruction " + target));
            assertTrue(mon.execute("replay_break soon").startsWith("Error: 'soon' is not an instruction count"));
            assertEquals("", mon.execute("cont"));
            MachineExit exit = m.awaitExit();
            assertEquals(recorded.exit(), exit);
            assertEquals(recorded.serial(), serial.outputText());
            assertEquals(recorded.state(), MachineDigest.full(m));
        }
    }

    @Test
    void ramChangedMidReplayIsReportedAtTheNextCheckpoint() throws Exception {
        long at = recorded.instructions() / 2 + 7;
        if (at % INTERVAL == 0) {
            at++;
        }
        long expected = (at / INTERVAL + 1) * INTERVAL;
        Run replay = run(spec(16 << 20), new ReplayingJournal(ReplayLogReader.read(log), spec(16 << 20)), null, at, false);
        assertEquals(MachineExit.Reason.DIVERGED, replay.exit().reason(), replay.exit().detail());
        assertTrue(replay.exit().detail().contains("at instruction " + expected + ":"), replay.exit().detail());
        assertTrue(replay.exit().detail().contains("RAM differs in 1 MiB (0x0-0x9ffff)"), replay.exit().detail());
    }

    @Test
    void aLogCutShortReplaysUpToItsLastWholeBlock() throws Exception {
        byte[] whole = Files.readAllBytes(log);
        Path cut = shared.resolve("cut.rr");
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length - 40));
        var parsed = ReplayLogReader.read(cut);
        assertTrue(parsed.end().isEmpty());
        assertTrue(parsed.truncation().orElseThrow().contains("is incomplete"), parsed.truncation().toString());
        Run replay = run(spec(16 << 20), new ReplayingJournal(parsed, spec(16 << 20)), null, -1, false);
        assertEquals(MachineExit.Reason.REPLAY_END, replay.exit().reason(), replay.exit().detail());
        assertTrue(recorded.serial().startsWith(replay.serial()), replay.serial());
    }

    /** The log loses the input the guest waits for ('q'): the replay reports it instead of hanging. */
    @Test
    void aGuestWaitingForInputTheLogLacksIsReported() throws Exception {
        var original = ReplayLogReader.read(log);
        Path lacking = shared.resolve("lacking.rr");
        try (var w = new ReplayLogWriter(lacking, original.header())) {
            for (LogEntry e : original.entries()) {
                boolean quit = e instanceof LogEntry.Input in && in.delivery().event() instanceof ReplayEvent.CharInput c
                        && new String(c.data()).equals("q");
                if (!quit) {
                    w.append(e);
                }
            }
            w.append(original.end().orElseThrow());
        }
        Run replay = run(spec(16 << 20), new ReplayingJournal(ReplayLogReader.read(lacking), spec(16 << 20)), null, -1, false);
        assertEquals(MachineExit.Reason.DIVERGED, replay.exit().reason(), replay.exit().detail());
        assertTrue(replay.exit().detail().contains("halted waiting for input"), replay.exit().detail());
    }

    /**
     * An RTC seeded from host time (base=utc) reads it through the input path: a replay takes the
     * logged reading, never the host clock — proven by editing the logged reading, which the
     * replay then reports as the RTC's state differing at instruction 0.
     */
    @Test
    void hostTimeIsReadFromTheLogInAReplay() throws Exception {
        var spec = spec(16 << 20, Map.of("base", "utc"));
        Path utc = shared.resolve("utc.rr");
        Run rec = run(spec, new RecordingJournal(new ReplayLogWriter(utc, ReplayLogHeader.forMachine(spec, "test", List.of(), INTERVAL)),
                INTERVAL), "x", -1, false);
        var original = ReplayLogReader.read(utc);
        long readings = original.entries().stream()
                .filter(e -> e instanceof LogEntry.Input in && in.delivery().event() instanceof ReplayEvent.HostClock).count();
        assertEquals(1, readings, "the RTC read host time once, at creation");
        Run same = run(spec, new ReplayingJournal(original, spec), null, -1, false);
        assertEquals(rec.state(), same.state());
        assertEquals(rec.serial(), same.serial());

        Path edited = shared.resolve("utc-edited.rr");
        try (var w = new ReplayLogWriter(edited, original.header())) {
            for (LogEntry e : original.entries()) {
                if (e instanceof LogEntry.Input in && in.delivery().event() instanceof ReplayEvent.HostClock h) {
                    var d = in.delivery();
                    long tenYears = 10L * 365 * 86_400 * 1_000_000_000L;
                    e = new LogEntry.Input(new ReplayFilter.Delivery(d.instructions(), d.haltRound(), d.target(),
                            new ReplayEvent.HostClock(h.epochNanos() - tenYears)));
                }
                w.append(e);
            }
            w.append(original.end().orElseThrow());
        }
        Run diverged = run(spec, new ReplayingJournal(ReplayLogReader.read(edited), spec), null, -1, false);
        assertEquals(MachineExit.Reason.DIVERGED, diverged.exit().reason(), diverged.exit().detail());
        assertTrue(diverged.exit().detail().startsWith("replay diverged at instruction 0: checkpoint 1 differs: section "),
                diverged.exit().detail());
        assertTrue(diverged.exit().detail().contains("/rtc differs"), diverged.exit().detail());
    }

    /**
     * One flipped bit in the block holding the log's middle byte — in its payload, or in the high
     * byte of its length (a length then reaching past the file's end, which before format version 5
     * read as a recording cut short and silently ended the log there) — is refused naming the block.
     * The block is found by the documented layout: where the recorder's blocks end depends on host
     * timing (an idle guest's block is written after a host-time delay), so a fixed offset would not
     * always hit the same field.
     */
    @Test
    void aFlippedBitIsRefusedNamingBlockAndOffset() throws Exception {
        byte[] clean = Files.readAllBytes(log);
        var frames = ReplayLogBytes.frames(clean);
        int block = 0;
        while (block + 1 < frames.size() && frames.get(block + 1) <= clean.length / 2) {
            block++;
        }
        int frame = frames.get(block);
        for (int at : new int[] {frame + ReplayLogBytes.FRAME + ReplayLogBytes.payloadLength(clean, frame) / 2, frame + 2}) {
            byte[] bytes = clean.clone();
            bytes[at] ^= 0x10;
            var e = assertThrows(ReplayLogException.class, () -> ReplayLogReader.parse(bytes), "byte " + at);
            assertTrue(e.getMessage().matches("block " + block + " is corrupt: (its frame's )?CRC32C \\p{XDigit}{8} does not match"
                    + " the stored \\p{XDigit}{8} \\(at offset " + frame + "\\)"), e.getMessage());
            assertEquals(frame, e.offset());
        }
    }

    @Test
    void aHostileBlockLengthIsRefused() throws Exception {
        byte[] bytes = Files.readAllBytes(log);
        int frame = ReplayLogBytes.FIRST_FRAME; // the header block's
        bytes[frame + 1] = 0x7f;
        ReplayLogBytes.sealFrame(bytes, frame); // hostile, not damaged: the frame checks
        var e = assertThrows(ReplayLogException.class, () -> ReplayLogReader.parse(bytes));
        assertTrue(e.getMessage().contains("block 0 claims"), e.getMessage());
        assertEquals(frame + 1, e.offset());
    }

    @Test
    void notALogIsRefused() {
        var e = assertThrows(ReplayLogException.class, () -> ReplayLogReader.parse("hello world, no log".getBytes()));
        assertTrue(e.getMessage().contains("not a Tern replay log"), e.getMessage());
    }

    @Test
    void aLogOfAnotherMachineConfigurationIsRefused() throws Exception {
        var e = assertThrows(ReplayLogException.class,
                () -> new ReplayingJournal(ReplayLogReader.read(log), spec(32 << 20)));
        assertTrue(e.getMessage().contains("recorded on another machine configuration"), e.getMessage());
        assertTrue(e.getMessage().contains("recorded: ram=16777216"), e.getMessage());
        assertTrue(e.getMessage().contains("this machine: ram=33554432"), e.getMessage());
    }

    @Test
    void analyzeCountsInputsByKind() throws Exception {
        String report = ReplayLogAnalyzer.analyze(log);
        assertTrue(report.contains("char"), report);
        assertTrue(report.contains("clock-warp"), report);
        assertTrue(report.contains("end: instruction " + recorded.instructions()), report);
        assertTrue(report.contains("serial0"), report);
    }

    static MachineSpec spec(long ram) throws Exception {
        return spec(ram, Map.of());
    }

    /** The echo-ticks machine with {@code rtcConfig} for its MC146818. */
    static MachineSpec spec(long ram, Map<String, String> rtcConfig) throws Exception {
        byte[] rom;
        try (InputStream in = RecordReplayTest.class.getResourceAsStream("/guests/echo-ticks.rom")) {
            assertNotNull(in, "echo-ticks.rom");
            rom = in.readAllBytes();
        }
        var b = MachineSpec.builder().ramSize(ram).firmware(rom).pacing(Pacing.REALTIME);
        for (DeviceSpec d : PcDevices.standard("none")) {
            b.device(d.provider().equals("mc146818") ? new DeviceSpec(d.provider(), d.instance(), rtcConfig) : d);
        }
        b.device(new DeviceSpec("uart16550", "serial0", Map.of("backend", "memory")));
        return b.build();
    }

    /**
     * Runs the guest; types {@code typed} (then 'q') one byte at a time, each after the guest
     * echoed the previous one (then powers off from the host side when {@code hostPowerOff}), or types
     * nothing when replaying. With {@code modifyAt} >= 0 it changes one byte of guest RAM when vCPU 0
     * reaches that instruction.
     */
    static Run run(MachineSpec spec, ReplayJournal journal, String typed, long modifyAt, boolean hostPowerOff) throws Exception {
        try (Machine m = Machine.create(PluginRegistry.discover(RecordReplayTest.class.getClassLoader(), List.of()), spec, journal)) {
            var serial = (MemoryBackend) ((Uart16550) m.device("serial0")).backend();
            var paused = modifyAt >= 0 ? m.pauseAt(modifyAt) : null;
            m.start();
            if (paused != null) {
                paused.get(60, TimeUnit.SECONDS);
                m.memory().writeU8(0x2345, m.memory().readU8(0x2345) ^ 0xff);
                m.resume();
            }
            if (typed != null) {
                assertTrue(serial.awaitText("echo-ticks ready", 0, 30_000), serial.outputText());
                for (char c : typed.toCharArray()) {
                    int from = serial.outputText().length();
                    serial.inject(String.valueOf(c));
                    assertTrue(serial.awaitText("got '" + c + "'", from, 30_000), serial.outputText());
                }
                if (hostPowerOff) {
                    m.hostRequest(new ReplayEvent.HostRequest(ReplayEvent.HostRequest.Kind.POWER_OFF, 7));
                } else {
                    serial.inject("q");
                }
            }
            MachineExit exit = m.awaitExit();
            String state = MachineDigest.full(m);
            assertFalse(exit.reason() == MachineExit.Reason.ERROR, exit.detail());
            return new Run(serial.outputText(), exit, m.vcpus().getFirst().instructionCount(), state, m.journalSummary());
        }
    }
}
