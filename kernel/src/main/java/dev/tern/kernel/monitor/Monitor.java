package dev.tern.kernel.monitor;

import dev.tern.kernel.machine.DeviceHotPlug;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSnapshot;
import dev.tern.kernel.progress.Progress;
import dev.tern.kernel.vm.VmState;
import dev.tern.spi.cpu.Vcpu;
import dev.tern.spi.memory.RamRegion;
import dev.tern.spi.replay.ReplayEvent;
import dev.tern.spi.replay.ReplayFilter;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The human monitor of one machine. Commands follow QEMU's HMP names; every input line is untrusted
 * (bounded length, argument counts checked, snapshot names confined to the snapshot directory) and
 * an error is printed as {@code Error: ...} without affecting the machine.
 */
public final class Monitor {

    /** Longest accepted command line. */
    public static final int MAX_LINE = 4096;
    /** What the monitor prints before reading a command. */
    public static final String PROMPT = "(tern) ";

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private final Machine machine;
    private final SnapshotStore snapshots;
    private final Function<String, Progress> bars;
    private final Map<String, MonitorCommand> commands = new TreeMap<>();
    private final Map<String, QmpCommand> qmpCommands = new TreeMap<>();
    private final MonitorEvents events = new MonitorEvents();
    private final RunControl run;
    private final HotPlugCommands hotPlug;

    /** A monitor whose long saves report no progress. */
    public Monitor(Machine machine, SnapshotStore snapshots) {
        this(machine, snapshots, label -> Progress.NONE);
    }

    /**
     * @param bars makes the progress listener of one save, given its label
     */
    public Monitor(Machine machine, SnapshotStore snapshots, Function<String, Progress> bars) {
        this.machine = machine;
        this.snapshots = snapshots;
        this.bars = bars;
        this.run = new RunControl(machine, events);
        registerBuiltins();
        MachineQmpCommands.registerOn(this, machine);
        this.hotPlug = new HotPlugCommands(this, machine);
        hotPlug.register();
    }

    /**
     * Makes device_add and device_del refuse, with the reason {@code why} gives, whenever it gives
     * one (fault tolerance, a running migration: parts of the run that do not follow a device change).
     */
    public void refuseHotPlugWhen(java.util.function.Supplier<java.util.Optional<String>> why) {
        hotPlug.refuseWhen(why);
    }

    /** Adds (or replaces) a command; info topics are named {@code "info TOPIC"}. */
    public void register(MonitorCommand command) {
        commands.put(command.name(), command);
    }

    /** Adds (or replaces) the QMP form of an operation. */
    public void registerQmp(QmpCommand command) {
        qmpCommands.put(command.name(), command);
    }

    /** The QMP command {@code name}, or null. */
    public QmpCommand qmpCommand(String name) {
        return qmpCommands.get(name);
    }

    /** The names of all QMP commands, sorted. */
    public java.util.Set<String> qmpCommandNames() {
        return java.util.Collections.unmodifiableSet(qmpCommands.keySet());
    }

    /** The events QMP clients hear. */
    public MonitorEvents events() {
        return events;
    }

    /** The run-control operations. */
    public RunControl runControl() {
        return run;
    }

    /** Whether {@code quit} was executed. */
    public boolean quitRequested() {
        return run.quitRequested();
    }

    /** Executes one command line and returns what to print (ends with a newline unless empty). */
    public String execute(String line) {
        if (line.length() > MAX_LINE) {
            return "Error: command line longer than " + MAX_LINE + " characters\n";
        }
        List<String> words = new ArrayList<>(Arrays.asList(line.strip().split("\\s+")));
        if (words.getFirst().isEmpty()) {
            return "";
        }
        String name = words.removeFirst();
        if (name.equals("info")) {
            if (words.isEmpty()) {
                return "Error: 'info' needs a topic: " + topics() + "\n";
            }
            name = "info " + words.removeFirst();
        }
        MonitorCommand cmd = commands.get(name);
        if (cmd == null) {
            return "Error: unknown command '" + name + "'; try 'help'\n";
        }
        if (words.size() < cmd.minArgs() || words.size() > cmd.maxArgs()) {
            return "Error: usage: " + (cmd.name() + " " + cmd.params()).strip() + "\n";
        }
        try {
            String out = cmd.action().run(words).human();
            return out.isEmpty() || out.endsWith("\n") ? out : out + "\n";
        } catch (Exception e) {
            return "Error: " + (e.getMessage() != null ? e.getMessage() : e.toString()) + "\n";
        }
    }

    /** Reads commands until {@code quit} or end of input, printing a prompt before each. */
    public void serve(BufferedReader in, PrintWriter out) throws IOException {
        out.print(PROMPT);
        out.flush();
        String line;
        while (!quitRequested() && (line = readBoundedLine(in)) != null) {
            out.print(execute(line));
            if (!quitRequested()) {
                out.print(PROMPT);
            }
            out.flush();
        }
    }

    /**
     * Serves a terminal that sends each key as typed (no canonical mode, no echo): {@link LineEditor}
     * echoes, keeps a history and completes with {@link #complete}.
     */
    public void serveEditing(java.io.Reader in, java.io.Writer out) throws IOException {
        var editor = new LineEditor(in, out, PROMPT, this::complete);
        String line;
        while (!quitRequested() && (line = editor.readLine()) != null) {
            out.write(execute(line));
            out.flush();
        }
    }

    /**
     * The words that may complete the last word of {@code typed}: a command's name, an
     * {@code info} topic, a snapshot name after {@code loadvm} and {@code delvm}, a driver after
     * {@code device_add}, a removable device after {@code device_del}.
     */
    public List<String> complete(String typed) {
        List<String> words = Arrays.asList(typed.stripLeading().split(" +", -1));
        if (words.size() == 1) {
            return commands.keySet().stream().map(k -> k.split(" ")[0]).distinct().toList();
        }
        if (words.size() != 2) {
            return List.of();
        }
        return switch (words.getFirst()) {
            case "info" -> commands.keySet().stream().filter(k -> k.startsWith("info ")).map(k -> k.substring(5))
                    .toList();
            case "loadvm", "delvm" -> snapshotNames();
            case "device_add" -> HotPlugCommands.DRIVERS;
            case "device_del" -> DeviceHotPlug.removable(machine);
            default -> List.of();
        };
    }

    private List<String> snapshotNames() {
        if (snapshots == null) {
            return List.of();
        }
        try {
            return snapshots.list().stream().map(SnapshotStore.Entry::name).toList();
        } catch (IOException | RuntimeException e) {
            return List.of(); // nothing to offer: the command itself will say what is wrong
        }
    }

    private static String readBoundedLine(BufferedReader in) throws IOException {
        var sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                return sb.toString();
            }
            if (c != '\r' && sb.length() <= MAX_LINE) {
                sb.append((char) c);
            }
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    private String topics() {
        return String.join(", ", commands.keySet().stream().filter(k -> k.startsWith("info ")).map(k -> k.substring(5)).toList());
    }

    private void registerBuiltins() {
        register(MonitorCommand.of("help", "list the commands", () -> Reply.text(help())));
        register(MonitorCommand.of("info status", "the machine's run state", run::status));
        register(MonitorCommand.of("info registers", "one line per vCPU", () -> {
            var sb = new StringBuilder();
            List<Vcpu> vcpus = machine.vcpus();
            for (int i = 0; i < vcpus.size(); i++) {
                sb.append("CPU#").append(i).append(": ").append(vcpus.get(i).describe()).append('\n');
            }
            return Reply.text(sb.toString());
        }));
        register(MonitorCommand.of("info stats", "counters, profiles and gauges", () -> Reply.text(machine.stats().render())));
        register(MonitorCommand.of("info ioports", "claimed I/O port ranges",
                () -> Reply.text(String.join("\n", machine.ports().describe()))));
        register(MonitorCommand.of("info mtree", "guest memory regions and MMIO mappings", () -> Reply.text(memoryTree())));
        register(MonitorCommand.of("info snapshots", "snapshots in the snapshot directory", () -> Reply.text(listSnapshots())));
        register(MonitorCommand.of("stop", "pause the guest", run::stop));
        register(MonitorCommand.of("cont", "resume the guest", run::cont));
        register(MonitorCommand.of("info replay", "record/replay mode, instruction count, next logged input", this::replayInfo));
        register(new MonitorCommand("replay_break", "N", "in a replay: pause when vCPU 0 reaches instruction N", 1, 1,
                args -> replayBreak(args.getFirst())));
        register(new MonitorCommand("replay_seek", "N", "in a replay with history: go to instruction N (back or forth) and pause there", 1, 1,
                args -> replaySeek(args.getFirst())));
        register(MonitorCommand.of("system_reset", "reset the machine (a recorded input)", run::reset));
        register(MonitorCommand.of("system_powerdown", "power the machine off (a recorded input)", run::powerdown));
        register(MonitorCommand.of("quit", "stop the machine and end the VMM", run::quit));
        register(new MonitorCommand("savevm", "NAME", "save the whole machine as snapshot NAME", 1, 1,
                args -> saveSnapshot(args.getFirst())));
        register(new MonitorCommand("loadvm", "NAME", "restore snapshot NAME (verified before anything changes)", 1, 1,
                args -> loadSnapshot(args.getFirst())));
        register(new MonitorCommand("delvm", "NAME", "delete snapshot NAME", 1, 1, args -> deleteSnapshot(args.getFirst())));
    }

    /** Saves the machine as snapshot {@code name} (the guest keeps running around the save). */
    public Reply saveSnapshot(String name) throws IOException {
        snapshots.file(name);
        MachineSnapshot.saveLive(machine, () -> snapshots.save(name, machine, bars.apply("savevm " + name)));
        return Reply.NONE;
    }

    /** Restores snapshot {@code name}, verified before anything changes. */
    public Reply loadSnapshot(String name) throws IOException {
        MachineSnapshot.loadLive(machine, snapshots.source(name));
        return Reply.NONE;
    }

    /** Deletes snapshot {@code name}. */
    public Reply deleteSnapshot(String name) throws IOException {
        snapshots.delete(name);
        return Reply.NONE;
    }

    /** The record/replay state (also QMP's {@code x-tern-query-replay}). */
    public ReplayInfo replayInfo() {
        boolean knowsNext = machine.replayMode() == ReplayFilter.Mode.REPLAY && machine.lifecycle().state() == VmState.PAUSED;
        return new ReplayInfo(machine.replayMode(), machine.vcpus().getFirst().instructionCount(), knowsNext,
                knowsNext ? machine.nextReplayInput() : java.util.Optional.empty());
    }

    /**
     * Takes a replay to exactly instruction {@code text} and leaves it paused there: back by loading
     * the nearest earlier in-memory snapshot and replaying forward, forth by replaying.
     */
    private Reply replaySeek(String text) throws Exception {
        var history = machine.replayHistory().orElseThrow(() -> new IllegalStateException(
                "replay_seek needs a replay that keeps history (tern run --replay FILE with --monitor or --gdb)"));
        long at;
        try {
            at = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not an instruction count");
        }
        if (at < 0) {
            throw new IllegalArgumentException("instruction count " + at + " is negative");
        }
        if (machine.lifecycle().state() == VmState.RUNNING) {
            machine.pause();
        }
        history.seek(at);
        return Reply.NONE;
    }

    /** Pauses a replay exactly at instruction {@code text}: stops the vCPUs to set the point, so it is never overshot. */
    private Reply replayBreak(String text) {
        if (machine.replayMode() != ReplayFilter.Mode.REPLAY) {
            throw new IllegalStateException("replay_break needs a replay (tern run --replay FILE)");
        }
        long at;
        try {
            at = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not an instruction count");
        }
        boolean running = machine.lifecycle().state() == VmState.RUNNING;
        if (running) {
            machine.pause();
        }
        try {
            machine.pauseAt(at);
        } finally {
            if (running) {
                machine.resume();
            }
        }
        return Reply.NONE;
    }

    private String help() {
        var sb = new StringBuilder();
        for (MonitorCommand c : commands.values()) {
            sb.append(String.format(Locale.ROOT, "%-28s %s%n", (c.name() + " " + c.params()).strip(), c.help()));
        }
        return sb.toString();
    }

    private String memoryTree() {
        var sb = new StringBuilder("memory:\n");
        for (RamRegion r : machine.memory().regions()) {
            sb.append(String.format(Locale.ROOT, "  %016x-%016x (prio 0, %s): %s%n", r.base(), r.end() - 1,
                    r.readOnly() ? "rom" : "ram", r.name()));
        }
        List<String> mmio = machine.mmio().describe();
        if (!mmio.isEmpty()) {
            sb.append("mmio:\n");
            mmio.forEach(l -> sb.append("  ").append(l).append('\n'));
        }
        return sb.toString();
    }

    private String listSnapshots() throws IOException {
        var list = snapshots.list();
        if (list.isEmpty()) {
            return "There is no snapshot available.";
        }
        var sb = new StringBuilder(String.format(Locale.ROOT, "%-20s %12s  %s%n", "TAG", "SIZE", "DATE"));
        for (var e : list) {
            sb.append(String.format(Locale.ROOT, "%-20s %12d  %s%n", e.name(), e.bytes(), TIME.format(e.saved())));
        }
        return sb.toString();
    }
}
