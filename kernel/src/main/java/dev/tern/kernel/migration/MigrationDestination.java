package dev.tern.kernel.migration;

import dev.tern.kernel.config.ValidatedConfig;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSnapshot;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.plugin.ProviderKind;
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
import dev.tern.spi.codec.PageCodecProvider;
import dev.tern.spi.codec.PageDecoder;
import dev.tern.spi.codec.PageEncoder;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.memory.RamRegion;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.RemoteMemoryConnection;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

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
 * final barrier. Before reading, a bidirectional
 * destination measures what switching over will cost it and sends that ({@link WireMessage#COST})
 * for the source's downtime estimate; its {@link WireMessage#READY} carries what it really took. Any error, including the source vanishing before the commit,
 * leaves the machine {@link VmState#FAILED}: never started, to be discarded.
 */
public final class MigrationDestination {

    private final Machine machine;
    private final PluginRegistry plugins;
    private long lastPagesNanos;

    public MigrationDestination(Machine machine, PluginRegistry plugins) {
        this.machine = Objects.requireNonNull(machine, "machine");
        this.plugins = Objects.requireNonNull(plugins, "plugins");
    }

    /**
     * Receives a whole migration from {@code connection} (and closes it). On return the machine
     * holds the source's state and may be started.
     *
     * @throws MigrationException naming the peer and what was wrong; the machine is then FAILED
     */
    public void receive(Connection connection) throws MigrationException {
        machine.lifecycle().transition(VmState.INMIGRATE);
        warmUpDeviceLoading();
        // the least of a few warm runs: what loading costs once the code is compiled
        long deviceNanos = Math.min(timed(this::warmUpDeviceLoading), Math.min(timed(this::warmUpDeviceLoading),
                timed(this::warmUpDeviceLoading)));
        MigratingRam ram = null;
        try (connection; Arena exposedArena = Arena.ofShared()) {
            List<RamRegion> writable = machine.memory().regions().stream().filter(r -> !r.readOnly()).toList();
            List<MemorySegment> exposed = connection instanceof RemoteMemoryConnection remote
                    ? RemoteRam.expose(remote, writable, exposedArena) : List.of();
            ram = MigratingRam.receiver(machine.memory(), this::decoder, exposed);
            ram.onRemoteSync(() -> new WireOutput(connection).control(WireMessage.APPLIED, ""));
            if (connection.isBidirectional()) {
                new WireOutput(connection).control(WireMessage.COST, measureCost(deviceNanos, exposed).encode());
            }
            WireInput in = new WireInput(connection);
            receiveRam(in, ram);
            requireOneSidedComplete(ram);
            long applyNanos = lastPagesNanos;
            in.nextStream();
            byte[] devices = in.readNBytes((int) StreamLimits.FULL_SECTION_BYTES + 1);
            applyNanos += timedIo(() -> loadDevices(devices));
            if (connection.isBidirectional()) {
                new WireOutput(connection).control(WireMessage.READY, Long.toString(applyNanos));
                in.expect(WireMessage.COMMIT);
            }
        } catch (IOException | RuntimeException e) {
            machine.lifecycle().transition(VmState.FAILED);
            refuse(connection, e);
            throw new MigrationException("incoming migration from " + connection.peer() + " failed: " + e.getMessage(), e);
        } finally {
            if (ram != null) {
                ram.close();
            }
        }
    }

    /** One-sided RAM is complete only with the source's final barrier. */
    private static void requireOneSidedComplete(MigratingRam ram) throws IOException {
        if (ram.remoteAnnounced() && !ram.remoteComplete()) {
            throw new SavedStateException("ram: the stream ended without the one-sided RAM's final barrier", -1);
        }
    }

    /**
     * Measures this machine's switch-over work: loading device state (timed by the warm-up) and a
     * page applied — on the real receive path ({@link ApplyCostProbe}) or, with one-sided RAM, a
     * page copied out of the exposed region (so its mapping's faults count) into scratch memory,
     * never into the guest's RAM.
     */
    private DestinationCost measureCost(long deviceNanos, List<MemorySegment> exposed) {
        final int pages = 256;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment from = scratch.allocate((long) pages * GuestMemory.PAGE_SIZE);
            MemorySegment to = scratch.allocate((long) pages * GuestMemory.PAGE_SIZE);
            MemorySegment.copy(from, 0, to, 0, from.byteSize()); // first touch, not part of the measure
            long t0 = System.nanoTime();
            for (int i = 0; i < pages; i++) {
                MemorySegment.copy(from, (long) i * GuestMemory.PAGE_SIZE, to, (long) i * GuestMemory.PAGE_SIZE,
                        GuestMemory.PAGE_SIZE);
            }
            double pageNanos = (System.nanoTime() - t0) / (double) pages;
            if (exposed.isEmpty()) {
                return new DestinationCost(deviceNanos, Math.max(pageNanos, probePageNanos()), 0);
            }
            MemorySegment region = exposed.getFirst();
            long sample = Math.min(region.byteSize(), ONE_SIDED_SAMPLE);
            MemorySegment into = scratch.allocate(sample);
            long t1 = System.nanoTime();
            MemorySegment.copy(region, 0, into, 0, sample);
            double copyNanos = (System.nanoTime() - t1) / (double) (sample / GuestMemory.PAGE_SIZE);
            return new DestinationCost(deviceNanos, Math.max(pageNanos, copyNanos), 0);
        }
    }

    /** A received page's cost on the real receiving path ({@link ApplyCostProbe}), 0 if the probe fails. */
    private double probePageNanos() {
        Optional<PageEncoder> xbzrle = plugins.find(ProviderKind.PAGE_CODEC, "xbzrle")
                .filter(i -> i.availability().available()).map(i -> {
                    PageCodecProvider p = (PageCodecProvider) i.provider();
                    return p.newEncoder(ValidatedConfig.of("xbzrle", p.configKeys(), Map.of()));
                });
        try {
            return ApplyCostProbe.pageNanos(this::decoder, xbzrle);
        } catch (IOException | RuntimeException e) {
            return 0; // only a measure: the copy's cost stands in
        }
    }

    /** Bytes of one-sided RAM copied to measure the switch-over copy's speed. */
    private static final long ONE_SIDED_SAMPLE = 16L << 20;

    private interface IoWork {
        void run() throws IOException;
    }

    private static long timedIo(IoWork work) throws IOException {
        long t0 = System.nanoTime();
        work.run();
        return System.nanoTime() - t0;
    }

    private static long timed(Runnable work) {
        long t0 = System.nanoTime();
        work.run();
        return System.nanoTime() - t0;
    }

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
            loadDevices(bytes.toByteArray());
        } catch (IOException | RuntimeException e) {
            // only a warm-up: the real stream is checked on its own
        }
    }

    private void receiveRam(WireInput in, MigratingRam ram) throws IOException {
        SavedStateReader reader = new SavedStateReader(in);
        checkConfig(reader.config());
        boolean started = false;
        for (Frame f = reader.next(); !(f instanceof Frame.Eof); f = reader.next()) {
            switch (f) {
                case Frame.Open o when o.kind() == FrameKind.START && o.name().equals("ram") -> {
                    started = true; // the reader refuses a second "ram": names are unique
                    receivePart(ram, o.payload(), o.payloadOffset());
                }
                case Frame.Part p -> {
                    long t0 = System.nanoTime();
                    receivePart(ram, p.payload(), p.payloadOffset());
                    if (p.kind() == FrameKind.END) {
                        lastPagesNanos = System.nanoTime() - t0; // the switch-over's pages, applied while the source waits
                    }
                }
                case Frame.Open o -> throw new SavedStateException("the RAM stream holds unexpected "
                        + o.kind() + " section '" + o.name() + "'", o.offset());
                case Frame.Eof e -> throw new IllegalStateException("unreachable");
            }
        }
        if (!started) {
            throw new SavedStateException("the RAM stream has no 'ram' section", reader.position());
        }
    }

    private static void receivePart(MigratingRam ram, byte[] payload, long offset) throws IOException {
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

    private void loadDevices(byte[] stream) throws IOException {
        if (stream.length > StreamLimits.FULL_SECTION_BYTES) {
            throw new IOException("the device stream is longer than " + StreamLimits.FULL_SECTION_BYTES + " bytes");
        }
        var loader = new SnapshotLoader(header());
        machine.sections().forEach(loader::section);
        loader.load(StateSource.of(stream));
    }

    private void checkConfig(ConfigHeader got) throws SavedStateException {
        ConfigHeader mine = header();
        if (!got.machineType().equals(mine.machineType()) || got.pageSize() != mine.pageSize()
                || got.spiVersion().major() != mine.spiVersion().major() || !got.regions().equals(mine.regions())) {
            throw new SavedStateException("the source machine (" + got.machineType() + ", page " + got.pageSize()
                    + ", SPI " + got.spiVersion() + ", " + got.regions() + ") differs from this one ("
                    + mine.machineType() + ", page " + mine.pageSize() + ", SPI " + mine.spiVersion() + ", "
                    + mine.regions() + ")", -1);
        }
    }

    private ConfigHeader header() {
        return ConfigHeader.of(MachineSnapshot.MACHINE_TYPE, machine.memory());
    }

    private Optional<PageDecoder> decoder(String id) {
        return plugins.find(ProviderKind.PAGE_CODEC, id).filter(i -> i.availability().available()).map(i -> {
            PageCodecProvider p = (PageCodecProvider) i.provider();
            return p.newDecoder(ValidatedConfig.of(id, p.configKeys(), Map.of()));
        });
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
