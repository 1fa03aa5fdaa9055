package dev.tern.cli;

import dev.tern.kernel.config.ConfigText;
import dev.tern.kernel.ft.FtConfig;
import dev.tern.kernel.ft.FtNode;
import dev.tern.kernel.ft.FtPrimary;
import dev.tern.kernel.ft.FtRole;
import dev.tern.kernel.ft.FtStandby;
import dev.tern.kernel.machine.DeviceSpec;
import dev.tern.kernel.machine.PciAddressOption;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.MachineSnapshot;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.SnapshotFiles;
import dev.tern.kernel.gdb.GdbServer;
import dev.tern.kernel.machine.ReplayTimeline;
import dev.tern.kernel.monitor.SnapshotStore;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.machine.ResetPolicy;
import dev.tern.kernel.machine.VcpuScheduling;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.pc.boot.BootImage;
import dev.tern.pc.boot.KernelBoot;
import dev.tern.spi.ConfigType;
import dev.tern.kernel.replay.LiveJournal;
import dev.tern.kernel.replay.RecordingJournal;
import dev.tern.kernel.replay.ReplayJournal;
import dev.tern.kernel.replay.ReplayLogHeader;
import dev.tern.kernel.replay.ReplayLogReader;
import dev.tern.kernel.replay.ReplayLogWriter;
import dev.tern.kernel.replay.ReplayingJournal;
import dev.tern.spi.SpiVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/** {@code tern run}: assembles a PC-class machine and runs it until the guest ends. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Assemble a machine and run it. With no boot option, runs the built-in demo guest.",
                "Options may also come from --config FILE (one 'option = value' per line)."})
final class RunCommand implements Callable<Integer> {

    /** The demo guest's documented success status (it writes 0x10 to isa-debug-exit: (0x10 << 1) | 1). */
    static final int DEMO_SUCCESS_STATUS = 33;
    static final String DEMO_ROM = "/dev/tern/x86/guests/demo.rom";

    @Option(names = {"-m", "--memory"}, paramLabel = "SIZE", defaultValue = "128M",
            description = "Guest RAM (e.g. 128M, 1G). Default: ${DEFAULT-VALUE}.")
    String memory;

    /** Number of vCPUs. */
    int smp = 1;
    /** How they share the host (--smp N,threads=parallel). */
    VcpuScheduling scheduling = VcpuScheduling.TURNS;

    @Option(names = "--smp", paramLabel = "N[,threads=turns|parallel]", defaultValue = "1",
            description = {"Number of vCPUs. Default: ${DEFAULT-VALUE}.",
                    "threads=turns (default): the vCPUs take deterministic turns on one thread (record/replay and FT need this);"
                            + " threads=parallel: each vCPU on its own host thread (docs/smp.md)."})
    void smp(String text) {
        try {
            SmpOption parsed = SmpOption.parse(text);
            smp = parsed.count();
            scheduling = parsed.scheduling();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(commandSpec.commandLine(), e.getMessage());
        }
    }

    @Option(names = "--cpu", paramLabel = "ID[,KEY=VALUE...]", defaultValue = "x86",
            description = "CPU provider and its configuration. Default: ${DEFAULT-VALUE}.")
    String cpu;

    @Option(names = "--bios", paramLabel = "ROM", description = "Firmware ROM image (entered at the reset vector F000:FFF0).")
    Path bios;

    @Option(names = "--kernel", paramLabel = "FILE", description = "Kernel for direct boot: a Linux bzImage or vmlinux, or a Multiboot (v1) kernel.")
    Path kernel;

    @Option(names = "--initrd", paramLabel = "FILE", description = "Initial RAM disk for direct kernel boot.")
    Path initrd;

    @Option(names = "--append", paramLabel = "CMDLINE", description = "Kernel command line.")
    String append;

    @Option(names = "--serial", paramLabel = "BACKEND", defaultValue = "stdio",
            description = "First serial port: stdio, file:PATH, tcp:HOST:PORT, none. Default: ${DEFAULT-VALUE}.")
    String serial;

    @Option(names = "--device", paramLabel = "ID[,KEY=VALUE...]",
            description = "Add a device, e.g. --device debugcon,path=debug.log (repeatable; 'name=' sets its instance name).")
    List<String> devices = new ArrayList<>();

    @Option(names = "--incoming", paramLabel = "URI", description = "Wait for an incoming migration on URI (tcp:HOST:PORT, tls:HOST:PORT?cert=F&key=F&ca=F, unix:PATH, shm:unix:PATH, file:PATH, 'exec:COMMAND' reading its stdout, fd:N inherited), or 'defer' for QMP's migrate-incoming to name it; give the source's --kernel/--bios so the ROMs match.")
    String incoming;

    @Option(names = "--ft", paramLabel = "ROLE,KEY=VALUE...",
            description = {"Fault tolerance (docs/protocols/ft.md): standby,listen=URI,password-file=F[,timeout=T][,reprotect=URI]",
                    "(reprotect: once it took over, protect the guest with a standby listening at URI)",
                    "or primary,peer=URI,password-file=F[,interval=50ms][,timeout=T] (timeout: 4 intervals by default).",
                    "Fencing, required on both sides: witness=URI (a tern witness), lease=file:PATH (a file both lock),",
                    "or fencing=none (accepting that a partition can make both sides run the guest).",
                    "Held output: held-batches=64, held-bytes=32M (the same on both sides), epoch-bytes=8M (primary)."})
    String ft;

    @Option(names = "--print-digest",
            description = "Print SHA-256 digests of RAM and of the whole machine state after an incoming migration and when the run ends.")
    boolean printDigest;

    @Option(names = "--max-instructions", paramLabel = "N", defaultValue = "0",
            description = "Stop after N instructions (0 = no limit).")
    long maxInstructions;

    @Option(names = "--loadvm", paramLabel = "FILE", description = "Restore the machine from a snapshot before it starts.")
    Path loadvm;

    @Option(names = "--savevm-on-stop", paramLabel = "FILE",
            description = "When the run stops (instruction limit or host stop), write a snapshot to FILE.")
    Path savevmOnStop;

    @Option(names = "--monitor", paramLabel = "WHERE", defaultValue = "none",
            description = "Human monitor: none, stdio, tcp:HOST:PORT, unix:PATH,server or tls:HOST:PORT?cert=F&key=F&ca=F (savevm, loadvm, info status, stop, cont, quit...). Default: ${DEFAULT-VALUE}.")
    String monitor;

    @Option(names = "--qmp", paramLabel = "WHERE",
            description = "QMP (QEMU's JSON management protocol, docs/protocols/qmp.md): unix:PATH,server, tcp:HOST:PORT,server or tls:HOST:PORT?cert=F&key=F&ca=F,server (repeatable).")
    List<String> qmp = new ArrayList<>();

    @Option(names = "--jmx",
            description = "Publish the machine's stats (counters, gauges, profiles) as JMX MBeans dev.tern:type=Stats,name=PATH in the platform MBean server (jconsole, or any JMX client with -Dcom.sun.management.jmxremote.port=N).")
    boolean jmx;

    @Option(names = "--snapshot-dir", paramLabel = "DIR", defaultValue = "snapshots",
            description = "Where the monitor's savevm/loadvm/delvm keep NAME.tern files. Default: ${DEFAULT-VALUE}.")
    Path snapshotDir;

    @Option(names = "--pacing", paramLabel = "MODE", defaultValue = "realtime",
            description = "While the guest idles: realtime (wait on the wall clock) or warp (jump to the next timer; deterministic). Default: ${DEFAULT-VALUE}.")
    String pacing;

    @Option(names = "--record", paramLabel = "FILE",
            description = "Record every input of the run (serial bytes, frames, clock warps, host time) with the instruction count it was applied at, plus state checkpoints, to FILE.")
    Path record;

    @Option(names = "--replay", paramLabel = "FILE",
            description = "Replay a recording: inputs come from FILE at their recorded instruction counts, live input is ignored, and every checkpoint is verified.")
    Path replay;

    @Option(names = "--checkpoint-interval", paramLabel = "N", defaultValue = "10000000",
            description = "With --record: fingerprint RAM and registers every N instructions (0 = only at the end). Default: ${DEFAULT-VALUE}.")
    long checkpointInterval;

    @Option(names = "--record-snapshot-every", paramLabel = "N", defaultValue = "0",
            description = "With --record: embed a machine snapshot in the log every N instructions, so a replay can start there (--replay-from) or go back to it (0 = none). Default: ${DEFAULT-VALUE}.")
    long recordSnapshotEvery;

    @Option(names = "--replay-from", paramLabel = "N",
            description = "With --replay: start from the recording's latest embedded snapshot at or before instruction N instead of power-on.")
    Long replayFrom;

    @Option(names = "--gdb", paramLabel = "WHERE",
            description = "Serve the GDB remote protocol on tcp:HOST:PORT, unix:PATH or tls:HOST:PORT?cert=F&key=F&ca=F (for a TLS tunnel); the machine waits at its first instruction for gdb to continue it. In a replay, gdb can also go back (reverse-stepi, reverse-continue).")
    String gdb;

    @Option(names = "--replay-snapshot-every", paramLabel = "N", defaultValue = "10000000",
            description = "With --replay and --gdb or --monitor: keep an in-memory snapshot every N instructions to go back from (gdb reverse-stepi/reverse-continue, monitor replay_seek; 0 = none). Default: ${DEFAULT-VALUE}.")
    long replaySnapshotEvery;

    @Option(names = "--reboot", description = "Reset the machine when the guest resets (default: exit, like QEMU's -no-reboot).")
    boolean reboot;

    @Option(names = "--plugin-path", paramLabel = "DIR", description = "Directory of plugin jars (repeatable).")
    List<Path> pluginPath = new ArrayList<>();

    @Option(names = "--config", paramLabel = "FILE", description = "Read options from FILE (expanded before parsing).")
    Path config;

    @Spec
    CommandSpec commandSpec;

    /** The log --replay reads, once read. */
    private dev.tern.kernel.replay.ReplayLog replayLog;

    /** Makes the progress bar of {@code --savevm-on-stop}; tests inject one with their own clock. */
    Function<String, ProgressBar> progressBars = ProgressBar::onTerminal;

    @Override
    public Integer call() throws Exception {
        if (kernel == null && (initrd != null || append != null)) {
            throw new IllegalArgumentException("--initrd and --append need --kernel");
        }
        if (kernel != null && bios != null) {
            throw new IllegalArgumentException("--kernel and --bios exclude each other: direct kernel boot brings its own boot ROM");
        }
        if (record != null && replay != null) {
            throw new IllegalArgumentException("--record and --replay exclude each other");
        }
        if ((record != null || replay != null) && (incoming != null || loadvm != null || reboot)) {
            throw new IllegalArgumentException("--record/--replay start from power-on: they exclude --incoming, --loadvm and --reboot");
        }
        if (checkpointInterval < 0) {
            throw new IllegalArgumentException("--checkpoint-interval must not be negative, was " + checkpointInterval);
        }
        if (recordSnapshotEvery < 0 || recordSnapshotEvery > 0 && record == null) {
            throw new IllegalArgumentException("--record-snapshot-every takes a count of instructions (0 or more) and needs --record");
        }
        if (replayFrom != null && (replay == null || replayFrom < 0)) {
            throw new IllegalArgumentException("--replay-from takes an instruction count (0 or more) and needs --replay");
        }
        if (incoming != null && loadvm != null) {
            throw new IllegalArgumentException("--incoming excludes --loadvm: the whole state comes from the source");
        }
        if (DeferredIncoming.DEFER.equals(incoming) && monitor.equals("none") && qmp.isEmpty()) {
            throw new IllegalArgumentException("--incoming defer needs --qmp or --monitor: migrate-incoming URI names the source");
        }
        if (scheduling == VcpuScheduling.PARALLEL && (record != null || replay != null || ft != null || gdb != null)) {
            throw new IllegalArgumentException("--smp " + smp + ",threads=parallel excludes --record, --replay, --ft and --gdb:"
                    + " vCPUs on parallel threads interleave as the host schedules them, which no log can reproduce;"
                    + " leave threads= at its default (turns) for those");
        }
        FtConfig ftConfig = ft == null ? null : FtConfig.parse(ft);
        if (ftConfig != null && (incoming != null || record != null || replay != null)) {
            throw new IllegalArgumentException("--ft excludes --incoming, --record and --replay");
        }
        if (gdb != null && ftConfig != null) {
            throw new IllegalArgumentException("--gdb excludes --ft: a debugger stopping the primary would make the standby take over");
        }
        if (replaySnapshotEvery < 0) {
            throw new IllegalArgumentException("--replay-snapshot-every must not be negative, was " + replaySnapshotEvery);
        }
        if (ftConfig != null && ftConfig.role() == FtRole.STANDBY && loadvm != null) {
            throw new IllegalArgumentException("--ft standby excludes --loadvm: the whole state comes from the primary");
        }
        boolean standby = ftConfig != null && ftConfig.role() == FtRole.STANDBY;
        boolean demo = bios == null && kernel == null;
        long ramSize = (Long) ConfigType.SIZE.parse(memory);
        BootImage direct = kernel == null ? null : KernelBoot.prepare(kernel, initrd, append == null ? "" : append, ramSize);
        MachineSpec spec = spec(direct != null ? direct.firmware() : demo ? demoRom() : readRom(bios));
        PluginRegistry plugins = PluginRegistry.discover(getClass().getClassLoader(), pluginPath);
        try (var terminal = ConsoleMode.rawIfInteractive(serial.equals("stdio"));
             Machine machine = Machine.create(plugins, spec, journal(spec))) {
            if (jmx) {
                machine.stats().exportJmx(java.lang.management.ManagementFactory.getPlatformMBeanServer());
            }
            if (direct != null && incoming == null && !standby) {
                // with --incoming, --kernel only selects the boot ROM the source has: RAM comes from the source
                direct.load(machine.memory());
                if (smp > 1) {
                    PcDevices.writeSmpTables(machine, smp);
                }
            }
            SnapshotFiles snapshotFiles = SnapshotFiles.using(plugins);
            if (loadvm != null) {
                MachineSnapshot.load(machine, snapshotFiles.source(loadvm));
            }
            FtNode ftNode = null;
            FtStandby standbyNode = null;
            MonitorEndpoint mon = null;
            FtPrimary primary = null;
            GdbServer gdbServer = null;
            MachineExit exit = null;
            dev.tern.kernel.migration.PostcopyIncoming postcopyIncoming = null;
            var recovery = new PostcopyRecovery(plugins, System.err);
            try {
                if (incoming != null) {
                    String from = incoming;
                    if (incoming.equals(DeferredIncoming.DEFER)) {
                        // the management client names the source's address (QMP migrate-incoming)
                        var deferred = new DeferredIncoming(machine);
                        mon = MonitorEndpoint.open(monitor, qmp, serial, machine,
                                new SnapshotStore(snapshotDir, snapshotFiles), plugins, null, deferred, recovery);
                        from = deferred.await();
                        if (from == null) {
                            return 0; // quit before any migration came
                        }
                    }
                    // a monitor can migrate_recover: a lost link pauses (armed before post-copy starts)
                    boolean recoverable = !monitor.equals("none") || !qmp.isEmpty();
                    postcopyIncoming = IncomingMigration.receive(machine, plugins, from, printDigest, System.err,
                            recoverable ? recovery::paused : null);
                    if (postcopyIncoming != null && recoverable) {
                        recovery.attach(postcopyIncoming, machine);
                    }
                }
                if (standby) {
                    // the monitor serves the standby too (info ft); quit ends the wait for a primary
                    standbyNode = new FtStandby(machine, ftConfig, plugins, System.err);
                    ftNode = standbyNode;
                    mon = MonitorEndpoint.open(monitor, qmp, serial, machine, new SnapshotStore(snapshotDir, snapshotFiles),
                            plugins, ftNode, null, null);
                    FtStandby quitting = standbyNode;
                    Thread.ofPlatform().daemon().name("tern-ft-quit").start(() -> {
                        try {
                            machine.awaitExit();
                            quitting.abandon();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                    FtStandby.Outcome outcome = standbyNode.await();
                    if (printDigest) {
                        IncomingMigration.printDigest("ft standby at checkpoint " + standbyNode.applied(), machine,
                                System.err);
                    }
                    if (outcome == FtStandby.Outcome.ABANDONED) {
                        return 0;
                    }
                    if (outcome != FtStandby.Outcome.TAKE_OVER) {
                        return outcome == FtStandby.Outcome.PRIMARY_ENDED ? 0
                                : outcome == FtStandby.Outcome.FENCED ? 3 : 2;
                    }
                    primary = standbyNode.successor(); // reprotect=: protected by the next standby once it joins
                }
                if (ftConfig != null && ftConfig.role() == FtRole.PRIMARY) {
                    // before the guest runs: the primary holds its output from the first instruction
                    primary = new FtPrimary(machine, ftConfig, plugins, System.err);
                    ftNode = primary;
                    try {
                        primary.acquireLease();
                    } catch (IOException e) {
                        System.err.println(e.getMessage() + "; the guest does not run");
                        return 2;
                    }
                }
                ReplayTimeline timeline = replayHistory(machine);
                if (gdb != null) {
                    machine.requestDebugStop(); // wait at the first instruction for gdb (QEMU's -S)
                    gdbServer = GdbServer.start(machine, timeline, gdb, System.err, plugins);
                }
                boolean running = machine.start();
                if (standbyNode != null && running) {
                    standbyNode.guestRunning(); // the failover time, on this process's clock
                } else if (standbyNode != null) {
                    // a quit while the standby took over: the takeover finished (the held output is
                    // delivered), and the guest runs nowhere, as the operator asked
                    System.err.println("ft: quit during the takeover: the output held at checkpoint "
                            + standbyNode.applied() + " is delivered; the guest does not run here");
                    primary = null; // a successor (reprotect=) never started: nothing to protect
                }
                if (postcopyIncoming != null) {
                    IncomingMigration.watch(postcopyIncoming, machine, System.err);
                }
                if (primary != null) {
                    primary.start();
                }
                if (!monitor.equals("none") || !qmp.isEmpty()) {
                    // A monitor can start a migration at any moment: compile its sending path now, on a
                    // low-priority thread, so it does not run cold inside the migration.
                    Thread.ofPlatform().name("tern-migration-warm-up").daemon().priority(Thread.MIN_PRIORITY)
                            .start(() -> dev.tern.kernel.migration.MigrationSource.warmUp(machine, plugins));
                }
                if (mon == null) {
                    mon = MonitorEndpoint.open(monitor, qmp, serial, machine, new SnapshotStore(snapshotDir, snapshotFiles),
                            plugins, ftNode, null, recovery);
                }
                try {
                    exit = machine.awaitExit();
                } finally {
                    if (primary != null) {
                        primary.close(); // tells the standby the guest ended, so it does not take over
                    }
                }
            } finally {
                if (mon != null) {
                    mon.close(exit);
                }
                if (gdbServer != null) {
                    gdbServer.close();
                }
            }
            if (postcopyIncoming != null) {
                // the guest may stop before its last pages came: RAM is whole only once they have
                // (paused, they never come: PostcopyRecovery gave the guest up as the machine stopped)
                try {
                    postcopyIncoming.completion().join();
                } catch (java.util.concurrent.CompletionException e) {
                    // lostReason says why
                }
                if (postcopyIncoming.lostReason() != null) {
                    System.err.println("tern: the guest is lost: " + postcopyIncoming.lostReason());
                    return 2; // whatever stopped the machine first, a vCPU on a missing page or the watch
                }
            }
            if (printDigest) {
                IncomingMigration.printDigest("stopped", machine, System.err);
            }
            if (savevmOnStop != null && (exit.reason() == MachineExit.Reason.INSTRUCTION_LIMIT
                    || exit.reason() == MachineExit.Reason.HOST_STOP)) {
                snapshotFiles.save(machine, savevmOnStop, progressBars.apply("savevm-on-stop"));
            }
            terminal.restore();
            System.out.flush();
            if (exit.reason() != MachineExit.Reason.POWER_OFF) {
                System.err.println("tern: " + exit.detail());
            }
            if ((record != null || replay != null) && exit.reason() != MachineExit.Reason.DIVERGED) {
                System.err.println("tern: " + machine.journalSummary());
            }
            if (demo && exit.reason() == MachineExit.Reason.POWER_OFF && exit.status() == DEMO_SUCCESS_STATUS) {
                return 0;
            }
            if (exit.status() == 0 && primary != null && primary.state() == dev.tern.kernel.ft.FtState.OUTPUT_REFUSED) {
                return 3; // the guest ended, but output it emitted went nowhere: ft said which and why
            }
            return exit.status();
        }
    }

    /** The run's journal: live, recording to --record, or replaying --replay. */
    private ReplayJournal journal(MachineSpec spec) throws IOException {
        if (record != null) {
            List<String> args = commandSpec == null ? List.of() : commandSpec.commandLine().getParseResult().originalArgs();
            var header = ReplayLogHeader.forMachine(spec, SpiVersion.CURRENT.toString(), args, checkpointInterval,
                    recordSnapshotEvery);
            return new RecordingJournal(new ReplayLogWriter(record, header), checkpointInterval, recordSnapshotEvery);
        }
        if (replay != null) {
            replayLog = ReplayLogReader.read(replay);
            return new ReplayingJournal(replayLog, spec);
        }
        return new LiveJournal();
    }

    /**
     * In a replay: starts it at --replay-from's snapshot (or at power-on when the recording has none
     * that early), and keeps the history a debugger or the monitor goes back through (the power-on
     * state, in-memory snapshots, the recording's embedded ones); null if none.
     */
    private ReplayTimeline replayHistory(Machine machine) throws IOException {
        if (replay == null) {
            return null;
        }
        // kept before --replay-from loads anything: going back before its snapshot restarts from power-on
        ReplayTimeline timeline = gdb == null && monitor.equals("none") ? null
                : replaySnapshotEvery > 0 ? ReplayTimeline.install(machine, replaySnapshotEvery, Runtime.getRuntime().maxMemory() / 3)
                : ReplayTimeline.recordedOnly(machine);
        if (timeline != null) {
            timeline.addRecorded(replayLog.snapshots());
        }
        if (replayFrom != null) {
            var from = replayLog.snapshotAtOrBefore(replayFrom);
            if (from.isPresent()) {
                ReplayTimeline.beginAt(machine, from.get());
                System.err.println("tern: replaying from the recording's " + from.get().describe());
            } else {
                System.err.println("tern: replaying from power-on: " + replay + (replayLog.snapshots().isEmpty()
                        ? " has no embedded snapshot (record with --record-snapshot-every N)"
                        : " has no embedded snapshot at or before instruction " + replayFrom + " (the first is at "
                        + replayLog.snapshots().getFirst().instructions() + ")"));
            }
        }
        return timeline;
    }

    MachineSpec spec(byte[] firmware) {
        var b = MachineSpec.builder()
                .ramSize((Long) ConfigType.SIZE.parse(memory))
                .vcpus(smp)
                .scheduling(scheduling)
                .firmware(firmware)
                .maxInstructions(maxInstructions)
                .pacing(switch (pacing) {
                    case "realtime" -> Pacing.REALTIME;
                    case "warp" -> Pacing.WARP;
                    default -> throw new IllegalArgumentException("--pacing: '" + pacing + "' is neither realtime nor warp");
                })
                .onReset(reboot ? ResetPolicy.RESET : ResetPolicy.EXIT);
        var cpuText = ConfigText.parse(cpu);
        b.cpu(cpuText.id(), cpuText.options());
        for (DeviceSpec d : PcDevices.standard(serial, smp)) {
            b.device(d);
        }
        for (String text : devices) {
            var parsed = ConfigText.parse(text);
            var opts = new LinkedHashMap<>(parsed.options());
            String name = opts.remove("name");
            PciAddressOption.foldInto(opts, "--device " + parsed.id());
            if (name == null) {
                name = PcDevices.freeName(b, parsed.id());
            }
            b.device(new DeviceSpec(parsed.id(), name, opts));
        }
        return b.build();
    }

    private static byte[] readRom(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MachineSpec.MAX_FIRMWARE) {
            throw new IllegalArgumentException("--bios " + file + ": " + size + " bytes is larger than the 128 KiB ROM window");
        }
        return Files.readAllBytes(file);
    }

    static byte[] demoRom() throws IOException {
        try (InputStream in = RunCommand.class.getResourceAsStream(DEMO_ROM)) {
            if (in == null) {
                throw new IllegalStateException("the demo guest " + DEMO_ROM + " is missing from the classpath");
            }
            return in.readAllBytes();
        }
    }

    static Map<String, String> map(String... kv) {
        var m = new LinkedHashMap<String, String>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
