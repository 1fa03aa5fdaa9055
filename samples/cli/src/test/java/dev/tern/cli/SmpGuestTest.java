package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.spi.cpu.Vcpu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The smp guest (plugins/x86/guests/smp.asm; passes on {@code qemu-system-i386 -smp N}) on a machine
 * built as {@code tern run --smp N} builds it: the BSP starts the APs with INIT and startup IPIs
 * through its local APIC, every CPU adds to one counter with LOCK XADD (the APs half in real mode,
 * half in protected mode), and the BSP checks the exact total, each AP's CPUID APIC ID and that
 * each AP reads its own local APIC at 0xFEE00000. Two runs are identical to the instruction.
 */
class SmpGuestTest {

    private static final PluginRegistry PLUGINS = PluginRegistry.discover(SmpGuestTest.class.getClassLoader(), List.of());
    private static final int ADDS_PER_CPU = 50_000;
    /** smp-locked.asm's ITER: rounds of its loop per CPU. */
    private static final int LOCKED_ROUNDS = 100_000;

    @TempDir
    Path dir;

    /** What one run showed: the serial output, the exit and each vCPU's retired instructions. */
    private record Run(String serial, MachineExit exit, List<Long> instructions) {
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    @Timeout(300)
    void apsStartedByInitAndSipiAddToOneCounterExactly(int cpus) throws Exception {
        Run first = run(cpus, "a");
        assertEquals(33, first.exit().status(), first.exit().detail() + "\n" + first.serial());
        assertFalse(first.serial().contains("FAIL"), first.serial());
        assertTrue(first.serial().contains(String.format("counter 0x%08x", cpus * ADDS_PER_CPU)), first.serial());
        for (int i = 1; i < cpus; i++) {
            assertTrue(first.instructions().get(i) > ADDS_PER_CPU, "AP " + i + " ran: " + first.instructions());
        }
        Run second = run(cpus, "b");
        assertEquals(first.serial(), second.serial());
        assertEquals(first.instructions(), second.instructions(), "the interleaving is deterministic");
    }

    /**
     * A snapshot of a 4-vCPU machine — before the APs are started (they wait for a startup IPI) and
     * in the middle of their additions, part-way through a turn — restored into a new machine runs
     * on exactly as the uninterrupted machine: same output, same instruction count on every vCPU.
     */
    @ParameterizedTest
    @ValueSource(longs = {200, 150_001})
    @Timeout(300)
    void aSnapshotOfAnSmpMachineRunsOnAsTheOriginal(long at) throws Exception {
        Run whole = run(4, "whole");
        Path rom = dir.resolve("smp4.rom");
        Files.write(rom, romFor(4));
        var snapshot = new java.io.ByteArrayOutputStream();
        try (Machine m = machine(4, rom, dir.resolve("before.log"))) {
            var reached = m.pauseAt(at);
            m.start();
            assertEquals(at, reached.get());
            dev.tern.kernel.machine.MachineSnapshot.save(m, snapshot);
            m.stop("snapshot taken");
        }
        Path after = dir.resolve("after.log");
        try (Machine m = machine(4, rom, after)) {
            dev.tern.kernel.machine.MachineSnapshot.load(m, dev.tern.kernel.state.StateSource.of(snapshot.toByteArray()));
            m.start();
            MachineExit exit = m.awaitExit();
            String out = Files.readString(after);
            assertEquals(33, exit.status(), exit.detail() + "\n" + out);
            assertTrue(whole.serial().endsWith(out) && out.contains("PASS"), out);
            assertEquals(whole.instructions(), m.vcpus().stream().map(Vcpu::instructionCount).toList());
        }
    }

    /**
     * A recording of a 4-vCPU run replays to the recording's end with every checkpoint (RAM, each
     * vCPU, each local APIC, the turn in progress) matching, and the same output and counts.
     */
    @Test
    @Timeout(300)
    void aRecordedSmpRunReplaysWithEveryCheckpointMatching() throws Exception {
        Path rom = dir.resolve("smp4.rom");
        Files.write(rom, romFor(4));
        Path log = dir.resolve("smp.rr");
        long interval = 50_000;
        Run recorded;
        try (Machine m = machine(4, rom, dir.resolve("rec.log"), spec -> new dev.tern.kernel.replay.RecordingJournal(
                new dev.tern.kernel.replay.ReplayLogWriter(log, dev.tern.kernel.replay.ReplayLogHeader.forMachine(
                        spec, "test", List.of("SmpGuestTest"), interval)), interval))) {
            recorded = finish(m, dir.resolve("rec.log"));
        }
        assertEquals(33, recorded.exit().status(), recorded.serial());
        try (Machine m = machine(4, rom, dir.resolve("replay.log"), spec -> new dev.tern.kernel.replay.ReplayingJournal(
                dev.tern.kernel.replay.ReplayLogReader.read(log), spec))) {
            Run replayed = finish(m, dir.resolve("replay.log"));
            assertEquals(recorded.serial(), replayed.serial());
            assertEquals(recorded.exit(), replayed.exit());
            assertEquals(recorded.instructions(), replayed.instructions());
            assertTrue(m.journalSummary().contains("checkpoints matched"), m.journalSummary());
        }
    }

    /**
     * With {@code threads=parallel} every vCPU runs on a host thread of its own, at the same time as
     * the others: the LOCK XADDs of different threads meet on one dword, and the total is still
     * exact — three runs each, since a lost update would show only now and then.
     */
    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    @Timeout(300)
    void onParallelThreadsTheLockedCounterIsStillExact(int cpus) throws Exception {
        Path rom = dir.resolve("parallel.rom");
        Files.write(rom, romFor(cpus));
        for (int round = 0; round < 3; round++) {
            Path serial = dir.resolve("parallel" + round + ".log");
            try (Machine m = machine(cpus + ",threads=parallel", rom, serial, spec -> new dev.tern.kernel.replay.LiveJournal())) {
                var threads = new java.util.HashSet<Thread>();
                for (int i = 0; i < cpus; i++) {
                    threads.add(m.vcpuThread(i));
                }
                assertEquals(cpus, threads.size(), "each vCPU has a thread of its own");
                Run r = finish(m, serial);
                assertEquals(33, r.exit().status(), r.exit().detail() + " " + r.instructions() + "\n" + r.serial());
                assertFalse(r.serial().contains("FAIL"), r.serial());
                assertTrue(r.serial().contains(String.format("counter 0x%08x", cpus * ADDS_PER_CPU)), r.serial());
                for (int i = 1; i < cpus; i++) {
                    assertTrue(r.instructions().get(i) > ADDS_PER_CPU, "AP " + i + " ran: " + r.instructions());
                }
            }
        }
    }

    /**
     * smp-locked.rom (plugins/x86/guests/smp-locked.asm) on vCPU threads of their own: every CPU runs
     * 100,000 rounds of LOCK XADD, CMPXCHG and CMPXCHG8B retry loops, LOCK ADD/INC/DEC/SUB, OR/AND,
     * BTS/BTR, BTC and XOR on its own bits of a shared dword, locked dwords across a dword and across
     * a qword boundary, an XCHG spinlock around a plain counter, and plain increments of bytes beside
     * the locked operands (about 7.6 million locked instructions with 4 CPUs). The guest checks every
     * total and every plain byte exactly; a locked update that is not atomic against another thread's
     * access, locked or plain, fails it now and then, so three runs each.
     */
    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    @Timeout(600)
    void everyLockedFormIsAtomicAgainstTheOtherThreadsAccesses(int cpus) throws Exception {
        Path rom = dir.resolve("locked.rom");
        Files.write(rom, romFor("smp-locked", cpus));
        for (int round = 0; round < 3; round++) {
            Path serial = dir.resolve("locked" + round + ".log");
            try (Machine m = machine(cpus + ",threads=parallel", rom, serial, spec -> new dev.tern.kernel.replay.LiveJournal())) {
                Run r = finish(m, serial);
                assertEquals(33, r.exit().status(), r.exit().detail() + " " + r.instructions() + "\n" + r.serial());
                assertFalse(r.serial().contains("FAIL"), r.serial());
                assertTrue(r.serial().contains(String.format("xadd counter 0x%08x", cpus * LOCKED_ROUNDS)), r.serial());
                for (int i = 1; i < cpus; i++) {
                    assertTrue(r.instructions().get(i) > 20L * LOCKED_ROUNDS, "AP " + i + " ran: " + r.instructions());
                }
            }
        }
    }

    /** The same guest with the vCPUs taking turns on one thread passes too (the program, not the threads, is checked). */
    @Test
    @Timeout(300)
    void theLockedFormsGuestPassesWithTurns() throws Exception {
        Path rom = dir.resolve("locked-turns.rom");
        Files.write(rom, romFor("smp-locked", 4));
        Path serial = dir.resolve("locked-turns.log");
        try (Machine m = machine(4, rom, serial)) {
            Run r = finish(m, serial);
            assertEquals(33, r.exit().status(), r.exit().detail() + "\n" + r.serial());
            assertTrue(r.serial().contains(String.format("xadd counter 0x%08x", 4 * LOCKED_ROUNDS)), r.serial());
        }
    }

    /** Parallel vCPUs cannot be reproduced: the command line refuses them with a log or FT, and a misspelt mode. */
    @Test
    @Timeout(120)
    void parallelThreadsAreRefusedWithRecordReplayAndFt() throws Exception {
        Path rom = dir.resolve("refused.rom");
        Files.write(rom, romFor(2));
        for (String[] extra : List.of(new String[] {"--record", dir.resolve("x.rr").toString()},
                new String[] {"--replay", dir.resolve("x.rr").toString()},
                new String[] {"--ft", "primary,peer=tcp:127.0.0.1:1,password-file=" + dir.resolve("pw")})) {
            var args = new java.util.ArrayList<>(List.of("run", "--smp", "2,threads=parallel", "--bios", rom.toString()));
            args.addAll(List.of(extra));
            var r = RecordReplayCliTest.cli(args.toArray(String[]::new));
            assertEquals(2, r.status(), r.err());
            assertTrue(r.err().contains("threads=parallel excludes --record, --replay, --ft and --gdb"), r.err());
        }
        var bad = RecordReplayCliTest.cli("run", "--smp", "2,threads=fast", "--bios", rom.toString());
        assertEquals(2, bad.status(), bad.err());
        assertTrue(bad.err().contains("'threads=fast' is not threads=turns or threads=parallel"), bad.err());
    }

    @Test
    @Timeout(120)
    void withOneCpuTheMachineHasNoApicAndTheGuestSaysSo() throws Exception {
        Run r = run(1, "uni");
        assertEquals(35, r.exit().status(), r.serial());
        assertTrue(r.serial().contains("FAIL CPUID.1:EDX advertises the local APIC"), r.serial());
    }

    private Run run(int cpus, String name) throws Exception {
        Path rom = dir.resolve(name + ".rom");
        Files.write(rom, romFor(cpus));
        Path serial = dir.resolve(name + ".log");
        try (Machine m = machine(cpus, rom, serial)) {
            return finish(m, serial);
        }
    }

    private static Run finish(Machine m, Path serial) throws Exception {
        m.start();
        MachineExit exit = m.awaitExit();
        return new Run(Files.readString(serial), exit, m.vcpus().stream().map(Vcpu::instructionCount).toList());
    }

    /** A machine as {@code tern run --smp cpus --bios rom --serial file:serial} builds it. */
    private static Machine machine(int cpus, Path rom, Path serial) throws Exception {
        return machine(cpus, rom, serial, spec -> new dev.tern.kernel.replay.LiveJournal());
    }

    /** Like {@link #machine(int, Path, Path)}, its inputs passing the journal {@code journal} makes for the spec. */
    private static Machine machine(int cpus, Path rom, Path serial, LinuxGuest.JournalFactory journal) throws Exception {
        return machine(Integer.toString(cpus), rom, serial, journal);
    }

    /** Like {@link #machine(int, Path, Path, LinuxGuest.JournalFactory)}, with {@code --smp smp}. */
    private static Machine machine(String smp, Path rom, Path serial, LinuxGuest.JournalFactory journal) throws Exception {
        var cmd = new RunCommand();
        new CommandLine(cmd).parseArgs("--smp", smp, "--pacing", "warp",
                "--max-instructions", "200000000", "--serial", "file:" + serial);
        var spec = cmd.spec(Files.readAllBytes(rom));
        return Machine.create(PLUGINS, spec, journal.open(spec));
    }

    /** The ROM with its CPU count (the dword after the "SMPN" tag) set to {@code cpus}. */
    private static byte[] romFor(int cpus) throws Exception {
        return romFor("smp", cpus);
    }

    /** Guest ROM {@code name} with its CPU count set to {@code cpus}. */
    private static byte[] romFor(String name, int cpus) throws Exception {
        byte[] rom;
        try (InputStream in = SmpGuestTest.class.getResourceAsStream("/dev/tern/x86/guests/" + name + ".rom")) {
            assertNotNull(in, name + ".rom");
            rom = in.readAllBytes();
        }
        int at = -1;
        for (int i = 0; i + 8 <= rom.length && at < 0; i += 4) {
            if (rom[i] == 'S' && rom[i + 1] == 'M' && rom[i + 2] == 'P' && rom[i + 3] == 'N') {
                at = i + 4;
            }
        }
        assertTrue(at > 0, name + ".rom has no SMPN tag");
        ByteBuffer.wrap(rom).order(ByteOrder.LITTLE_ENDIAN).putInt(at, cpus);
        return rom;
    }
}
