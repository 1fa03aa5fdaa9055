package dev.tern.kernel.migration;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSnapshot;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.ram.CodecPlugins;
import dev.tern.kernel.ram.RamReceiver;
import dev.tern.kernel.ram.RamRecord;
import dev.tern.kernel.ram.RemoteRam;
import dev.tern.kernel.ram.ZeroedRam;
import dev.tern.kernel.state.ConfigHeader;
import dev.tern.kernel.state.Frame;
import dev.tern.kernel.state.FrameKind;
import dev.tern.kernel.state.SavedStateException;
import dev.tern.kernel.state.SavedStateWriter;
import dev.tern.kernel.state.SavedStateReader;
import dev.tern.kernel.state.SnapshotLoader;
import dev.tern.kernel.state.StateSource;
import dev.tern.kernel.state.StreamLimits;
import dev.tern.kernel.vm.VmState;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.memory.RamRegion;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.Listener;
import dev.tern.spi.transport.RemoteMemoryConnection;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;

/**
 * The receiving side of a live migration, into a machine that has been created but never started
 * (state {@link VmState#INMIGRATE} while receiving).
 *
 * <p>RAM is written into the machine as it arrives — the guest has not run here, so nothing can
 * observe a half-received RAM — and the device sections are verified in full before any is applied
 * ({@link SnapshotLoader}). Then the destination answers {@link WireMessage#READY} and waits for the
 * source's {@link WireMessage#COMMIT}.
 *
 * <p>Over a {@link RemoteMemoryConnection} the destination first exposes a zero-filled copy of each
 * writable region ({@link RemoteRam}); the source writes pages into those and announces each run
 * it wrote, which is then copied into the machine's RAM; the RAM is complete with the source's
 * final barrier. While RAM arrives a background thread runs the device-state code on the machine's
 * own state, so the switch-over runs it warm; {@link WireMessage#READY} carries what applying the
 * last pages and the devices took. Any error, including the source vanishing before the commit,
 * leaves the machine {@link VmState#FAILED}: never started, to be discarded.
 *
 * <p>Multifd ({@link MultifdReceiver}, docs/protocols/multifd.md): when the main connection opens
 * with {@link WireMessage#MULTIFD}, the channels are accepted on the listener given to
 * {@link #receive(Connection, Listener)} and RAM arrives on them; the devices are loaded only after
 * every channel's stream has ended.
 */
public final class MigrationDestination {

    /** COMMIT's text when the source's guest ran until the switch-over paused it (older sources send ""). */
    static final String RUNNING = "running";
    /** COMMIT's text when the operator had paused the source's guest before the migration. */
    static final String PAUSED = "paused";

    private final Machine machine;
    private final PluginRegistry plugins;
    private boolean sourceWasPaused;
    private long lastPagesNanos;
    private boolean warmedUp;
    /** RAM made zero by {@link #warmUp}, watched until the stream arrives; null if not (or used). */
    private ZeroedRam zeroed;
    /** Post-copy's pages, once the source announced them (null for a pre-copy migration). */
    private volatile PostcopyIncoming postcopy;
    /** Whether the connection went on to {@link #postcopy} after the commit (it then closes it). */
    private boolean handedOver;
    /** What a paused post-copy tells, when recovery is allowed; null: a lost connection loses the guest. */
    private java.util.function.Consumer<String> postcopyOnPause;

    public MigrationDestination(Machine machine, PluginRegistry plugins) {
        this.machine = Objects.requireNonNull(machine, "machine");
        this.plugins = Objects.requireNonNull(plugins, "plugins");
    }

    /**
     * Runs the receive path — RAM records through every installed codec, frames, a layout's
     * clearing, the device-state load — on scratch copies until the JIT has compiled it, so that a
     * migration arriving afterwards is applied at full speed from its first page and its
     * switch-over does not run cold code. A destination is idle until its source connects: call
     * this before listening. Changes nothing that {@link #receive} would not overwrite.
     *
     * <p>It also makes the machine's RAM zero now, while no source waits, so that the stream's
     * layout record need not: clearing 256 MiB takes tens of milliseconds, which would otherwise run
     * during the source's pre-copy or, worse, its pause. Until {@link #receive} the RAM's dirty log
     * is held, so that a write meanwhile (a debugger's) is undone when the stream arrives: a machine
     * warmed up here is for receiving.
     */
    public void warmUp() {
        SwitchOverWarmUp.run();
        long deadline = System.nanoTime() + AHEAD_WARM_UP_NANOS;
        for (int i = 0; i < AHEAD_WARM_UP_RUNS && (i < WARM_UP_RUNS || System.nanoTime() < deadline); i++) {
            warmUpDeviceLoading();
        }
        try {
            RamPathWarmUp.run(new CodecPlugins(plugins), MigrationDestination::receivePart);
        } catch (IOException | RuntimeException e) {
            // only a warm-up: the real stream is checked on its own
        }
        warmedUp = true;
        if (zeroed == null) {
            try {
                zeroed = ZeroedRam.prepare(machine.memory(), "an incoming migration (its RAM cleared ahead)");
            } catch (IllegalStateException e) {
                // the dirty log is busy: the layout record clears RAM as before
            }
        }
    }

    /**
     * Receives a whole migration from {@code connection} (and closes it). On return the machine
     * holds the source's state and may be started.
     *
     * @throws MigrationException naming the peer and what was wrong; the machine is then FAILED
     */
    public void receive(Connection connection) throws MigrationException {
        receive(connection, null);
    }

    /**
     * Receives a whole migration whose main connection {@code connection} came from
     * {@code channels}, on which the multifd channels (if the source announces them) are accepted;
     * the listener is closed as soon as no channel can come any more.
     *
     * @throws MigrationException naming the peer and what was wrong; the machine is then FAILED
     */
    public void receive(Connection connection, Listener channels) throws MigrationException {
        machine.lifecycle().transition(VmState.INMIGRATE);
        // Unless warmUp() ran, warm the device-state code while RAM arrives, so the switch-over
        // does not run it cold. After warmUp() no thread is started: starting one costs the
        // destination milliseconds just as the source's stream begins.
        var enough = new java.util.concurrent.atomic.AtomicBoolean(warmedUp);
        Thread warmUp = warmedUp ? null : Thread.ofPlatform().name("tern-migration-warm-up").daemon().start(() -> {
            for (int i = 0; i < WARM_UP_RUNS && !enough.get(); i++) {
                warmUpDeviceLoading();
            }
        });
        RamReceiver ram = null;
        MultifdReceiver multifd = null;
        postcopy = null;
        handedOver = false;
        // The connection is closed in the finally block, not as a resource: a resource would be
        // closed before the catch block could tell the source why (REFUSED).
        try (Arena exposedArena = Arena.ofShared()) {
            List<RamRegion> writable = machine.memory().regions().stream().filter(r -> !r.readOnly()).toList();
            List<MemorySegment> exposed = connection instanceof RemoteMemoryConnection remote
                    ? RemoteRam.expose(remote, writable, exposedArena) : List.of();
            ram = RamReceiver.of(machine.memory(), new CodecPlugins(plugins)::decoder, exposed);
            boolean ramZero = zeroed != null;
            if (ramZero) {
                zeroed.claimFor(ram);
                zeroed = null;
            }
            ram.onRemoteSync(() -> new WireOutput(connection).control(WireMessage.APPLIED, ""));
            WireInput in = new WireInput(connection);
            var ramPhase = new ReceivePhaseEvent();
            ramPhase.begin();
            multifd = MultifdReceiver.acceptIfAnnounced(in, connection, channels, machine.memory(), ramZero,
                    new CodecPlugins(plugins)::decoder, this::checkConfig);
            // Made while RAM arrives, not after it: the source's guest is paused from the last round on.
            SnapshotLoader deviceLoader = deviceLoader();
            receiveRam(in, ram);
            if (multifd != null) {
                long t0 = System.nanoTime();
                multifd.await(ram.multifdAnnounced()); // every channel's last pages applied
                lastPagesNanos += System.nanoTime() - t0;
            } else {
                MultifdReceiver.requireNotAnnounced(ram);
            }
            requireOneSidedComplete(ram);
            trace(ramPhase, "ram", in.wireBytes());
            long applyNanos = lastPagesNanos;
            in.nextStream(WireMessage.POSTCOPY, missingRuns);
            if (postcopy != null) {
                postcopy.expect();
            }
            byte[] devices = in.readNBytes((int) StreamLimits.FULL_SECTION_BYTES + 1);
            enough.set(true);
            if (warmUp != null) {
                warmUp.join(); // at most the run under way: never load the real state while it loads the machine's own
            }
            var devicePhase = new ReceivePhaseEvent();
            devicePhase.begin();
            long loadStart = System.nanoTime();
            loadDevices(deviceLoader, devices);
            applyNanos += System.nanoTime() - loadStart;
            trace(devicePhase, "devices", devices.length);
            if (connection.isBidirectional()) {
                new WireOutput(connection).control(WireMessage.READY, Long.toString(applyNanos));
                sourceWasPaused = PAUSED.equals(in.expect(WireMessage.COMMIT));
                if (postcopy != null) {
                    postcopy.start(connection, in);
                    handedOver = true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            machine.lifecycle().transition(VmState.FAILED);
            throw new MigrationException("incoming migration from " + connection.peer() + " interrupted", e);
        } catch (IOException | RuntimeException e) {
            machine.lifecycle().transition(VmState.FAILED);
            String channelFailure = multifd == null ? null : multifd.failure();
            Exception why = channelFailure == null ? e : new IOException(channelFailure, e);
            refuse(connection, why);
            throw new MigrationException("incoming migration from " + connection.peer() + " failed: " + why.getMessage(),
                    why);
        } finally {
            if (zeroed != null) {
                zeroed.release();
                zeroed = null;
            }
            if (multifd != null) {
                multifd.close();
            }
            if (ram != null) {
                ram.close();
            }
            closeUnlessHandedOver(connection);
        }
    }

    /**
     * The post-copy side of the migration just received, or null when it was pre-copy: the guest
     * runs while its last pages arrive; {@link PostcopyIncoming#completion()} says when they all
     * have, or that the guest is lost.
     */
    public PostcopyIncoming postcopy() {
        return postcopy;
    }

    /**
     * Whether the operator had paused the guest on the source before the migration (QEMU's global
     * state): its guest should then stay paused here until resumed ({@code cont}). False for a
     * one-way stream ({@code file:}), which carries no run state.
     */
    public boolean sourceWasPaused() {
        return sourceWasPaused;
    }

    /**
     * Takes post-copy's runs of missing pages, found between the RAM and device streams. Made once
     * here: a lambda at its use would be linked (a class spun) in the source's pause.
     */
    private final WireInput.PayloadSink missingRuns = (payload, at) -> postcopyPages().acceptRuns(payload, at);

    private PostcopyIncoming postcopyPages() {
        if (postcopy == null) {
            postcopy = new PostcopyIncoming(machine.memory());
            if (postcopyOnPause != null) {
                postcopy.allowRecovery(postcopyOnPause);
            }
        }
        return postcopy;
    }

    /**
     * Makes a post-copy received from now on pause when its connection is lost, instead of losing
     * the guest ({@link PostcopyIncoming#allowRecovery}). Armed before the post-copy starts, so that
     * a connection lost in its first moments pauses too.
     */
    public void allowPostcopyRecovery(java.util.function.Consumer<String> onPause) {
        postcopyOnPause = Objects.requireNonNull(onPause, "onPause");
    }

    private void closeUnlessHandedOver(Connection connection) {
        if (handedOver) {
            return;
        }
        try {
            connection.close();
        } catch (IOException | RuntimeException ignored) {
            // everything was read (or refused) already: a failing close changes nothing received
        }
    }

    private static void trace(ReceivePhaseEvent event, String phase, long bytes) {
        event.end();
        if (event.shouldCommit()) {
            event.phase = phase;
            event.bytes = bytes;
            event.commit();
        }
    }

    /** One-sided RAM is complete only with the source's final barrier. */
    private static void requireOneSidedComplete(RamReceiver ram) throws IOException {
        if (ram.remoteAnnounced() && !ram.remoteComplete()) {
            throw new SavedStateException("ram: the stream ended without the one-sided RAM's final barrier", -1);
        }
    }

    /** Device-state loads run while RAM arrives (fewer when the devices arrive first). */
    private static final int WARM_UP_RUNS = 100;
    /**
     * Device-state loads {@link #warmUp} runs, while nobody waits: a hundred leave the load at
     * about ten times its compiled cost (2 ms instead of 0.2 for the PC machine), a thousand at
     * about its compiled cost — the difference lands in the source's downtime.
     */
    private static final int AHEAD_WARM_UP_RUNS = 2000;
    /** ... for at most this long beyond the first {@link #WARM_UP_RUNS}. */
    private static final long AHEAD_WARM_UP_NANOS = 300_000_000L;

    /**
     * Runs the device-state code on this machine's own initial state — encode, frame, verify and
     * apply it to itself, which leaves every section as it was (and the real device stream
     * replaces all of them anyway) — so that during the source's downtime it runs warm, not
     * interpreted and class-loading for the first time in this JVM, and its time measures what
     * loading the source's devices will cost.
     */
    private void warmUpDeviceLoading() {
        try {
            var bytes = new java.io.ByteArrayOutputStream();
            var writer = new SavedStateWriter(bytes, header());
            for (var section : machine.sections()) {
                writer.writeSection(section);
            }
            writer.finish();
            loadDevices(deviceLoader(), bytes.toByteArray());
        } catch (IOException | RuntimeException e) {
            // only a warm-up: the real stream is checked on its own
        }
    }

    private void receiveRam(WireInput in, RamReceiver ram) throws IOException {
        SavedStateReader reader = new SavedStateReader(in);
        checkConfig(reader.config());
        boolean started = false;
        var blocks = new BlockIncoming(machine.disks());
        for (Frame f = reader.next(); !(f instanceof Frame.Eof); f = reader.next()) {
            switch (f) {
                case Frame.Open o when o.kind() == FrameKind.START && BlockIncoming.carries(o.name()) -> blocks.open(o);
                case Frame.Part p when BlockIncoming.carries(p.name()) -> blocks.part(p);
                case Frame.Open o when o.kind() == FrameKind.START && o.name().equals("ram") -> {
                    if (o.version() != RamRecord.VERSION) {
                        throw new SavedStateException("the RAM stream is version " + o.version() + ", this VMM"
                                + " migrates version " + RamRecord.VERSION + " (source and destination must be the same"
                                + " Tern release)", o.offset());
                    }
                    started = true; // the reader refuses a second "ram": names are unique
                    receivePart(ram, o.payload(), o.payloadOffset());
                }
                case Frame.Part p when p.kind() == FrameKind.END -> {
                    var event = new ReceivePhaseEvent();
                    event.begin();
                    long t0 = System.nanoTime();
                    receivePart(ram, p.payload(), p.payloadOffset());
                    lastPagesNanos = System.nanoTime() - t0; // the switch-over's pages, applied while the source waits
                    trace(event, "end-part", p.payload().length);
                }
                case Frame.Part p -> receivePart(ram, p.payload(), p.payloadOffset());
                case Frame.Open o -> throw new SavedStateException("the RAM stream holds unexpected "
                        + o.kind() + " section '" + o.name() + "'", o.offset());
                case Frame.Eof e -> throw new IllegalStateException("unreachable");
            }
        }
        if (!started) {
            throw new SavedStateException("the RAM stream has no 'ram' section", reader.position());
        }
        blocks.requireEnded(reader.position());
    }

    static void receivePart(RamReceiver ram, byte[] payload, long offset) throws IOException {
        var bytes = new ByteArrayInputStream(payload);
        try {
            ram.receive(new DataInputStream(bytes));
        } catch (IOException e) {
            throw new SavedStateException(e.getMessage(), offset, e);
        }
        if (bytes.available() != 0) {
            throw new SavedStateException("ram: " + bytes.available() + " bytes after the end of the part", offset);
        }
    }

    private void loadDevices(SnapshotLoader loader, byte[] stream) throws IOException {
        if (stream.length > StreamLimits.FULL_SECTION_BYTES) {
            throw new IOException("the device stream is longer than " + StreamLimits.FULL_SECTION_BYTES + " bytes");
        }
        loader.load(StateSource.of(stream));
    }

    /** A loader for every section of this machine, used once. */
    private SnapshotLoader deviceLoader() {
        var loader = new SnapshotLoader(header());
        for (var section : machine.sections()) {
            loader.section(section);
        }
        return loader;
    }

    private void checkConfig(ConfigHeader got) throws SavedStateException {
        ConfigHeader mine = header();
        if (mine.vcpuMismatch(got).isPresent()) {
            throw new SavedStateException("the source machine differs from this one: " + mine.vcpuMismatch(got).get(), -1);
        }
        if (!got.machineType().equals(mine.machineType()) || got.pageSize() != mine.pageSize()
                || got.spiVersion().major() != mine.spiVersion().major() || !got.regions().equals(mine.regions())) {
            throw new SavedStateException("the source machine (" + got.machineType() + ", page " + got.pageSize()
                    + ", SPI " + got.spiVersion() + ", " + got.regions() + ") differs from this one ("
                    + mine.machineType() + ", page " + mine.pageSize() + ", SPI " + mine.spiVersion() + ", "
                    + mine.regions() + ")", -1);
        }
    }

    private ConfigHeader header() {
        return ConfigHeader.of(MachineSnapshot.MACHINE_TYPE, machine.memory(), machine.vcpus().size());
    }

    private static void refuse(Connection connection, Exception why) {
        if (!connection.isBidirectional() || !connection.isOpen()) {
            return;
        }
        try {
            new WireOutput(connection).control(WireMessage.REFUSED, String.valueOf(why.getMessage()));
        } catch (IOException | RuntimeException ignored) {
            // the source is gone: nobody to tell
        }
    }
}
