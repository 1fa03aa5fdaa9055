package dev.tern.kernel.machine;

import dev.tern.kernel.clock.MachineClock;
import dev.tern.kernel.config.ValidatedConfig;
import dev.tern.kernel.emt.Emt;
import dev.tern.kernel.emt.EmtGroup;
import dev.tern.kernel.emt.RendezvousType;
import dev.tern.kernel.io.MmioBus;
import dev.tern.kernel.io.PortBus;
import dev.tern.kernel.irq.IrqRouter;
import dev.tern.kernel.memory.DirtyPages;
import dev.tern.kernel.memory.GuestRam;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.replay.LiveJournal;
import dev.tern.kernel.replay.RamPageCrcs;
import dev.tern.kernel.replay.ReplayDivergence;
import dev.tern.kernel.replay.ReplayJournal;
import dev.tern.kernel.replay.StateFingerprint;
import dev.tern.kernel.stats.StatsRegistry;
import dev.tern.kernel.vm.VmLifecycle;
import dev.tern.kernel.vm.VmState;
import dev.tern.spi.cpu.CpuProvider;
import dev.tern.spi.cpu.Vcpu;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.spi.replay.ReplayEvent;
import dev.tern.spi.state.StateSection;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A running (or runnable) virtual machine assembled from a {@link MachineSpec} and plugins.
 *
 * <p>Lifecycle: {@link #create} → {@link #start()} → the guest runs until it powers off, resets
 * (with {@link ResetPolicy#EXIT}), hits the instruction limit or the host calls {@link #stop};
 * {@link #awaitExit} returns the outcome; {@link #close()} releases everything.
 */
public final class Machine implements AutoCloseable {

    /** Replaced when a device is hot-plugged or removed ({@link DeviceHotPlug}). */
    private volatile MachineSpec spec;
    private final PluginRegistry plugins;
    private final ServiceDirectory services = new ServiceDirectory();
    private final GuestRam ram;
    /** The RAM part of the journal's fingerprints, kept current from the dirty log. */
    private final RamPageCrcs ramCrcs;
    private final PortBus ports = new PortBus();
    private final MmioBus mmio = new MmioBus();
    private final IrqRouter irq = new IrqRouter();
    private final MachineClock clock;
    private final StatsRegistry stats = new StatsRegistry();
    private final VmLifecycle lifecycle = new VmLifecycle();
    private final VcpuSet cpus;
    private final SliceLoop loop;
    /** Serialises device access when vCPUs run in parallel (unused with turns). */
    final DeviceLock deviceLock = new DeviceLock();
    /** The vCPUs beyond vCPU 0 on their own EMTs, or null when they take turns on EMT 0. */
    final ParallelVcpus parallel;
    final MachineDevices devices;
    /** Opaque work of pre-1.2 plugins ({@code MachineControl.post}); not recordable. */
    private final ConcurrentLinkedQueue<Runnable> events = new ConcurrentLinkedQueue<>();
    final InputPath inputs;
    private final OutputPath outputs = new OutputPath();
    private final dev.tern.kernel.block.OfferedDisks disks = new dev.tern.kernel.block.OfferedDisks();
    private final JournalEnd journalEnd;
    /** The replay's history, set by {@link ReplayTimeline#install}. */
    volatile ReplayTimeline history;
    private final CompletableFuture<MachineExit> exit = new CompletableFuture<>();
    private final EmtGroup emts;
    /** Set last in the constructor; the callbacks handed out before it run only once the machine exists. */
    private EmtWakeups wakeups;
    private final StoppedVcpus stopped;
    /**
     * {@link #pause()}'s rendezvous work, made once: a lambda written in {@code pause()} would be
     * linked (a class spun) on the first pause — a migration's switch-over, with the guest stopped.
     */
    private final dev.tern.kernel.emt.RendezvousCallback pauseCallback = emt -> {
        paused = true;
        return 0;
    };
    private final Consumer<ReplayEvent.HostRequest> hostRequests;
    private final Consumer<ReplayEvent.ClockWarp> warps;
    private volatile boolean paused;
    final StopPoints stops = new StopPoints(this::pauseHere);
    private final MachineResets resets = new MachineResets(this);
    final DeviceEjections ejections = new DeviceEjections(this);
    private boolean pauseOnStart;
    /** Whether the EMTs run; before that no guest code can run and nothing needs a rendezvous. */
    private volatile boolean started;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private Machine(PluginRegistry plugins, MachineSpec spec, ReplayJournal journal) {
        this.spec = spec;
        this.plugins = plugins;
        boolean threaded = spec.scheduling() == VcpuScheduling.PARALLEL && spec.vcpus() > 1;
        if (threaded && journal.mode() != dev.tern.spi.replay.ReplayFilter.Mode.OFF) {
            throw new IllegalArgumentException("vCPUs on parallel threads cannot be recorded or replayed: the order in which"
                    + " they touch memory is the host's; use the default scheduling (turns on one thread)");
        }
        this.inputs = new InputPath(journal, () -> wakeups.emt0());
        // without fault tolerance (whose primary and standby set their own) no one else holds the
        // output a sink refused: the run ends rather than go on with the guest's output lost
        outputs.onRefused(why -> fail("the guest stopped because its output was not taken: " + why));
        this.journalEnd = new JournalEnd(journal);
        this.ram = PcMemoryLayout.build(spec.ramSize(), spec.firmware());
        journal.bind(ram);
        this.clock = new MachineClock(this::instructions, spec.nanosPerInstruction());
        var wiring = new VcpuWiring(ram, ports, mmio, clock, irq, threaded ? deviceLock : null);
        this.cpus = new VcpuSet(wiring.create(plugins.require(CpuProvider.class, spec.cpu()), spec), spec.scheduling());
        this.devices = new MachineDevices(open -> cpus.all().forEach(v -> v.setA20(open)));
        this.loop = new SliceLoop(this, cpus);
        irq.setCpuPin(level -> wakeups.intr(level));
        wiring.connectLocalControllers(cpus.all(), id -> wakeups.vcpu(id));
        this.ramCrcs = new RamPageCrcs(ram, () -> cpus.all().forEach(Vcpu::markWritableDirty));
        this.hostRequests = inputs.register(InputPath.MACHINE, ReplayEvent.HostRequest.class, this::applyHostRequest);
        this.warps = inputs.register(InputPath.MACHINE, ReplayEvent.ClockWarp.class, w -> clock.warpTo(w.nanos()));
        clock.onEarlierDeadline(() -> wakeups.deadlineMovedEarlier());
        for (DeviceSpec d : spec.devices()) {
            devices.add(new MachineDevice(d, createDevice(plugins.require(DeviceProvider.class, d.provider()), d)));
        }
        this.emts = new EmtGroup("tern", threaded ? cpus.size() : 1, this::step,
                threaded ? id -> cpus.all().get(id).requestExit() : id -> cpus.requestExit(),
                (emt, error) -> {
                    finish(new MachineExit(MachineExit.Reason.ERROR, 3, "vCPU " + emt.id() + " failed: " + error));
                    if (emt.id() == 0) {
                        journalEnd.abandon();
                    }
                });
        this.parallel = threaded ? new ParallelVcpus(cpus.all(), clock, emts) : null;
        this.wakeups = new EmtWakeups(emts, cpus, loop, parallel);
        this.stopped = new StoppedVcpus(ram, cpus.all(), emts);
        for (int id = 0; id < cpus.size(); id++) {
            Vcpu v = cpus.all().get(id);
            stats.gauge("/Vcpu" + id + "/Instructions", "instructions", "instructions retired", v::instructionCount);
        }
        stats.gauge("/Machine/VirtualNanos", "ns", "virtual clock", clock::nanos);
    }

    /**
     * Assembles a machine: creates RAM, buses, vCPUs and devices (validating every configuration) and
     * realizes the devices. Nothing runs until {@link #start()}.
     */
    public static Machine create(PluginRegistry plugins, MachineSpec spec) {
        return create(plugins, spec, new LiveJournal());
    }

    /**
     * Like {@link #create(PluginRegistry, MachineSpec)}, with every input of the run passing
     * {@code journal}: a {@code RecordingJournal} logs them, a {@code ReplayingJournal} supplies them.
     */
    public static Machine create(PluginRegistry plugins, MachineSpec spec, ReplayJournal journal) {
        Machine m = new Machine(plugins, spec, journal);
        for (MachineDevice d : m.devices.all()) {
            try {
                d.device().realize();
            } catch (RuntimeException e) {
                throw new IllegalStateException("device '" + d.spec().instance() + "' (" + d.spec().provider()
                        + ") failed to realize: " + e.getMessage(), e);
            }
        }
        m.resetAll();
        return m;
    }

    /**
     * Starts the vCPUs (or, after {@link #pauseOnStart()}, readies them paused). A run that was
     * ended before it started (a monitor's {@code quit} while a fault-tolerance standby took over)
     * stays ended: nothing runs, and {@link #awaitExit()} says how it ended.
     *
     * @return false when the run had ended before it started
     */
    public boolean start() {
        try {
            lifecycle.transition(VmState.RUNNING);
        } catch (dev.tern.kernel.vm.IllegalVmStateTransition e) {
            if (exit.isDone()) {
                return false; // finish() completes the exit before it leaves the state SHUTDOWN
            }
            throw e;
        }
        started = true;
        if (pauseOnStart) {
            pauseOnStart = false;
            pauseHere(); // no EMT runs yet: they start and wait for resume()
        }
        emts.start();
        return true;
    }

    /**
     * Makes the next {@link #start()} leave the machine paused before any guest instruction runs
     * (QEMU's {@code -S}): an incoming migration from a paused source does so, and {@link #resume()}
     * runs it.
     */
    public void pauseOnStart() {
        pauseOnStart = true;
    }

    /** Waits for the run to end. */
    public MachineExit awaitExit() throws InterruptedException {
        try {
            MachineExit how = exit.get();
            if (started) {
                journalEnd.await();
                quiesce();
            }
            return journalEnd.outcome(how);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Once the run ended, returns when no vCPU runs guest code any more: with parallel vCPUs one may
     * still be finishing its slice when the run's end is known, and the caller may read its state.
     */
    private void quiesce() {
        if (parallel == null || closed.get()) {
            return;
        }
        try {
            withVcpusStopped(() -> null);
        } catch (dev.tern.kernel.emt.EmtGroupClosedException e) {
            // closed meanwhile: no EMT runs
        }
    }

    /** Waits at most {@code millis} for the run to end; null on time-out. */
    public MachineExit awaitExit(long millis) throws InterruptedException {
        try {
            MachineExit how = exit.get(millis, TimeUnit.MILLISECONDS);
            if (started) {
                journalEnd.await(millis);
                quiesce();
            }
            return journalEnd.outcome(how);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * What the run's journal reports once the run ended: a recording's or replay's summary line,
     * or, for a replay whose end differs from the recording's, the divergence (then {@link
     * #awaitExit} reports {@link MachineExit.Reason#DIVERGED}). Empty for a run neither recorded
     * nor replayed.
     */
    public String journalSummary() {
        return journalEnd.summary();
    }

    /** Whether this run's inputs are recorded, replayed, or neither. */
    public dev.tern.spi.replay.ReplayFilter.Mode replayMode() {
        return inputs.journal().mode();
    }

    /** In a replay: the next logged input not applied yet. Read it while the machine is paused. */
    public java.util.Optional<dev.tern.spi.replay.ReplayFilter.Delivery> nextReplayInput() {
        return inputs.journal().nextRecorded();
    }

    /**
     * Asks for a reset or power-off from the host side (a monitor command): an input like any
     * other, applied between slices and recorded.
     */
    public void hostRequest(ReplayEvent.HostRequest request) {
        hostRequests.accept(request);
    }

    /**
     * Ends a run whose replay a debugger or the user leaves before the recording's end (GDB's kill,
     * the monitor's quit): the replay is not compared with the recording's end, which it never
     * reached. A run that already ended keeps its outcome.
     */
    public void leaveReplay(String why) {
        if (exit.isDone()) {
            return;
        }
        journalEnd.left("left the replay at instruction " + instructions() + ": " + why);
        stop(why);
    }

    /** Ends the run from the host side. */
    public void stop(String why) {
        finish(new MachineExit(MachineExit.Reason.HOST_STOP, 0, why));
    }

    /**
     * Ends the run from the host side because the host failed it (exit status 3, as an internal
     * error): e.g. the guest's output can no longer go anywhere. Safe on a vCPU thread.
     */
    public void fail(String why) {
        finish(new MachineExit(MachineExit.Reason.ERROR, 3, why));
    }

    /**
     * Stops every vCPU at an instruction boundary and keeps them stopped until {@link #resume()}.
     * Returns once no guest code runs.
     */
    public void pause() {
        if (!started) {
            throw new IllegalStateException("the machine has not been started");
        }
        emts.rendezvous().run(RendezvousType.ONCE, true, pauseCallback);
        lifecycle.transition(VmState.PAUSED);
        devices.pause();
    }

    /**
     * Pauses the machine exactly when vCPU 0 has retired {@code instructions} instructions (a
     * deterministic stop point, unlike {@link #pause()}, which stops wherever the vCPU happens to
     * be). Call it before {@link #start()} or while paused. The future completes with the count
     * once the machine is paused there, or exceptionally if the run ends first.
     *
     * @throws IllegalArgumentException when the vCPU is already past {@code instructions}
     */
    public CompletableFuture<Long> pauseAt(long instructions) {
        if (parallel != null) {
            throw new IllegalStateException("a stop at an exact instruction needs the vCPUs in turns, not on parallel threads");
        }
        return stops.holdAt(instructions, instructions());
    }

    /** Forgets a pending {@link #pauseAt} point (its future is cancelled); call while paused. */
    public void cancelPauseAt() {
        stops.cancelHold();
    }

    /** On EMT 0: the vCPUs stop after this slice (the rendezvous-free pause of a deterministic stop point). */
    private void pauseHere() {
        paused = true;
        lifecycle.transition(VmState.PAUSED);
        devices.pause();
    }

    /**
     * Registers the debugger told of every {@link DebugStop} (on EMT 0, with the machine already
     * paused); null detaches it. One debugger at a time.
     */
    public void onDebugStop(Consumer<DebugStop> listener) {
        stops.onDebugStop(listener);
    }

    /**
     * Asks vCPU 0 to stop for the debugger at its next slice boundary (GDB's Ctrl-C); the stop is
     * reported as {@link DebugStop.Interrupted}. A request made while paused is dropped by {@link #resume()}.
     */
    public void requestDebugStop() {
        stops.requestBreak();
        if (loop.inSlice()) {
            cpus.requestExit();
        }
        emts.emt(0).kick();
    }

    /**
     * In a replay: calls {@code atCount} on EMT 0 at every multiple of {@code every} instructions,
     * at the first slice boundary there, before that point's inputs — where {@link #rewoundTo} can
     * take the replay up again after a snapshot taken by {@code atCount} is loaded. Call before {@link #start()}.
     */
    public void snapshotReplayEvery(long every, java.util.function.LongConsumer atCount) {
        if (inputs.journal().mode() != dev.tern.spi.replay.ReplayFilter.Mode.REPLAY || every <= 0 || started) {
            throw new IllegalStateException("replay snapshots are taken in a replay not yet started, at a positive interval");
        }
        loop.snapshotEvery(every, atCount);
    }

    /**
     * A replay went back, or starts late: the paused (or not yet started) machine was loaded from a
     * snapshot taken at {@code instructions} — by {@link #snapshotReplayEvery}, or embedded in the
     * recording. Rewinds the journal and the slice bookkeeping to that point.
     */
    public void rewoundTo(long instructions) {
        if (!paused && started) {
            throw new IllegalStateException("the machine must be paused to go back in its replay");
        }
        long at = instructions();
        if (at != instructions) {
            throw new IllegalStateException("the snapshot said to be at instruction " + instructions + " holds a machine at " + at);
        }
        if (started) {
            inputs.journal().rewindTo(instructions);
        } else {
            inputs.journal().startAt(instructions);
        }
        ramCrcs.invalidate();
        loop.rewoundTo(instructions);
    }

    /** The history a replay keeps for going back ({@link ReplayTimeline#install}), if any. */
    public java.util.Optional<ReplayTimeline> replayHistory() {
        return java.util.Optional.ofNullable(history);
    }

    /** The run's outcome as soon as it is known (before the journal's end is checked). */
    public java.util.concurrent.CompletionStage<MachineExit> exitStage() {
        return exit.minimalCompletionStage();
    }

    /** Lets paused vCPUs run again. */
    public void resume() {
        stops.dropBreak();
        devices.resume();
        lifecycle.transition(VmState.RUNNING);
        paused = false;
        for (int i = 0; i < emts.size(); i++) {
            emts.emt(i).kick();
        }
    }

    /**
     * Returns the pages written since the previous call and starts a new round. Race-free with
     * running vCPUs: every vCPU drops its fast write permissions inside a rendezvous, and the log is
     * swapped before any of them runs again, so each later write reaches the new round.
     */
    public DirtyPages syncDirtyLog() {
        return syncDirtyLog(pages -> { });
    }

    /**
     * Like {@link #syncDirtyLog()}, and runs {@code whileStopped} with the new round's pages while no
     * vCPU runs — so it sees memory exactly as of the sync (checkpoints copy the dirty pages there).
     */
    public DirtyPages syncDirtyLog(java.util.function.Consumer<DirtyPages> whileStopped) {
        return stopped.syncDirtyLog(started, whileStopped);
    }

    /** The path every guest output leaving the machine takes (fault tolerance holds it). */
    public OutputPath outputs() {
        return outputs;
    }

    /**
     * Runs {@code action} while no vCPU executes guest code — on EMT 0 between slices, any other vCPU
     * held in the same rendezvous — and returns its result; the vCPUs then run on. Anything that reads
     * or changes vCPU or device state from outside the EMTs must go through here (or
     * {@link #syncDirtyLog(java.util.function.Consumer)}, or a {@link #pause()}): a vCPU's state is
     * its own thread's while it runs. Before {@link #start()} the action runs on the calling thread.
     */
    public <T> T withVcpusStopped(java.util.function.Supplier<T> action) {
        return stopped.run(started, action);
    }

    /** Every saved-state section of the machine, in a stable order. */
    public List<StateSection<?>> sections() {
        var all = new ArrayList<StateSection<?>>();
        cpus.all().forEach(v -> all.addAll(v.sections()));
        cpus.scheduleSection().ifPresent(all::add);
        all.add(clock.stateSection());
        all.add(irq.stateSection());
        all.addAll(devices.sections());
        all.addAll(disks.sections());
        return all;
    }

    /** The disks devices offered for block migration ({@code MachineControl.offerDisk}). */
    public dev.tern.kernel.block.OfferedDisks disks() {
        return disks;
    }

    public GuestRam memory() {
        return ram;
    }

    public PortBus ports() {
        return ports;
    }

    public MmioBus mmio() {
        return mmio;
    }

    public MachineClock clock() {
        return clock;
    }

    public StatsRegistry stats() {
        return stats;
    }

    public VmLifecycle lifecycle() {
        return lifecycle;
    }

    public List<Vcpu> vcpus() {
        return cpus.all();
    }

    /** The host thread that runs vCPU {@code index} (for management queries such as QMP's query-cpus-fast). */
    public Thread vcpuThread(int index) {
        java.util.Objects.checkIndex(index, cpus.size());
        // with turns, every vCPU runs on EMT 0 (VcpuSet)
        return parallel != null ? emts.emt(index).thread() : emts.emt(0).thread();
    }

    /** The device of that instance name. */
    public Device device(String instance) {
        return devices.device(instance);
    }

    public MachineSpec spec() {
        return spec;
    }

    /** Stops the vCPUs, powers the devices off and frees guest RAM; idempotent. The machine is unusable afterwards. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        finish(new MachineExit(MachineExit.Reason.HOST_STOP, 0, "machine closed"));
        emts.close();
        journalEnd.abandon();
        for (MachineDevice d : devices.all()) {
            d.device().powerOff();
        }
        stats.close();
        ram.close(); // guest RAM lives off the heap: only closing its arena gives it back
    }

    /** The machine's instruction count: what every vCPU retired (the clock counts it from the start). */
    long instructions() {
        return cpus == null ? 0 : cpus.instructions();
    }

    /** One slice of EMT work. EMT 0 also applies inputs and runs timers. */
    private void step(Emt emt) throws InterruptedException {
        if (emt.id() == 0 && exit.isDone()) {
            journalEnd.give(instructions(), exit.getNow(null), this::fingerprint);
        }
        if (emt.id() != 0 || exit.isDone() || paused) {
            if (emt.id() != 0 && parallel != null && !exit.isDone() && !paused) {
                parallel.runSlice(emt, this);
                return;
            }
            emt.awaitWork(Long.MAX_VALUE);
            return;
        }
        try {
            loop.runSlice(emt);
        } catch (ReplayDivergence d) {
            journalEnd.diverged();
            finish(new MachineExit(MachineExit.Reason.DIVERGED, 4, d.getMessage()));
        } catch (IOException e) {
            finish(new MachineExit(MachineExit.Reason.ERROR, 3, "the replay log failed: " + e.getMessage()));
        }
    }

    /** Takes a guest's reset request (EMT 0). */
    boolean takeResetRequest() {
        return resets.take();
    }

    boolean exited() {
        return exit.isDone();
    }

    boolean hasEvents() {
        return !events.isEmpty();
    }

    /** Moves the clock forward as a recorded input. */
    void warp(ReplayEvent.ClockWarp to) {
        warps.accept(to);
    }

    /** A vCPU shut down (x86: a triple fault): a reset or the end of the run, as the spec says. */
    void cpuShutdown(String reason) {
        if (spec.onReset() == ResetPolicy.RESET) {
            guestReset("CPU shutdown: " + reason);
        } else {
            finish(new MachineExit(MachineExit.Reason.CPU_SHUTDOWN, 2, "CPU shutdown: " + reason));
        }
    }

    /** The machine's state fingerprint; on EMT 0 between slices or with the machine stopped. */
    StateFingerprint fingerprint() {
        return StateFingerprint.of(ramCrcs.chunks(), sections());
    }

    /** A snapshot was loaded into RAM directly, past the dirty log: the next fingerprint reads all of RAM. */
    void ramReloaded() {
        ramCrcs.invalidate();
    }

    private void applyHostRequest(ReplayEvent.HostRequest r) {
        switch (r.kind()) {
            case RESET -> {
                if (parallel != null) {
                    resets.request(true); // under the device lock: no rendezvous here (MachineResets)
                } else {
                    resets.reset("the host requested a reset", true);
                }
            }
            case POWER_OFF -> finish(new MachineExit(MachineExit.Reason.POWER_OFF, r.status(), "host powered off with status " + r.status()));
        }
    }

    void runEvents() {
        Runnable r;
        while ((r = events.poll()) != null) {
            r.run();
        }
    }

    /** Resets every vCPU and device (with parallel vCPUs, in a rendezvous). */
    void resetAll() {
        if (parallel != null && started) {
            // the other vCPUs run on their own threads: reset them while every one is stopped
            withVcpusStopped(() -> {
                resetStopped();
                parallel.forgetHalts();
                return null;
            });
        } else {
            resetStopped();
        }
    }

    private void resetStopped() {
        cpus.reset();
        devices.reset();
    }

    void guestReset(String why) {
        resets.carryOut(why);
    }

    /**
     * Hears each reset the machine carries out under {@link ResetPolicy#RESET} (QMP's RESET event),
     * on EMT 0 right after it; the argument says whether the host asked for it. Must not block.
     */
    public void onReset(Consumer<Boolean> listener) {
        resets.listen(listener);
    }

    void finish(MachineExit how) {
        if (exit.complete(how)) {
            stops.runEnded(how);
            if (lifecycle.state() != VmState.SHUTDOWN) {
                lifecycle.transition(VmState.SHUTDOWN);
            }
            for (int i = 0; i < emts.size(); i++) {
                emts.emt(i).kick();
            }
        }
    }

    /** Creates (does not realize) device {@code d} of {@code provider}, wired into this machine. */
    Device createDevice(DeviceProvider provider, DeviceSpec d) {
        var ctx = new MachineDeviceContext(d.instance(), ValidatedConfig.of(d.provider(), provider.configKeys(), d.config()),
                ram, ports, mmio, irq, clock, new DeviceControl(this, d.instance()), services);
        return provider.create(ctx);
    }

    PluginRegistry plugins() {
        return plugins;
    }

    /** Adds a realized, reset device (vCPUs stopped): it is part of the machine's state from now on. */
    void addDevice(MachineDevice d) {
        var all = new ArrayList<>(spec.devices());
        all.add(d.spec());
        spec = spec.withDevices(all);
        devices.add(d);
    }

    /** Hears the instance name of each device the guest gave up through a hot-plug controller, once it is out. */
    public void onDeviceEjected(java.util.function.Consumer<String> listener) {
        devices.onEjected(listener);
    }

    /** Takes a device out of the machine (vCPUs stopped), with its input and output paths; the caller powers it off. */
    void removeDevice(MachineDevice d) {
        devices.remove(d);
        forgetPaths(d.spec().instance());
        spec = spec.withDevices(spec.devices().stream().filter(x -> !x.instance().equals(d.spec().instance())).toList());
    }

    /** Drops what device {@code instance} registered with the machine (paths, an offered disk), so that name can be used again. */
    void forgetPaths(String instance) {
        inputs.forget(instance);
        outputs.forget(instance);
        disks.forget(instance);
        devices.forget(instance);
    }

    /** A device asked for a reset: EMT 0 carries it out at the end of the running slice. */
    void requestGuestReset() {
        resets.request(false);
        cpus.requestExit();
        wakeups.emt0(); // with parallel vCPUs the device may run on another vCPU's thread
    }

    /** A device's request that {@code instance}, whose slot the guest powered off, leave (any vCPU). */
    void requestEjection(String instance) {
        ejections.request(instance);
        cpus.requestExit();
        wakeups.emt0();
    }

    /** A device's host-time reading, recorded or replayed at the current point. */
    long hostClock(String device, long liveNanos) throws IOException {
        long count = instructions();
        return inputs.journal().hostClock(device, count, loop.haltRoundAt(count), liveNanos);
    }

    /** Queues opaque work of a pre-1.2 plugin for EMT 0. */
    void post(Runnable event) {
        events.add(event);
        wakeups.emt0();
    }
}
