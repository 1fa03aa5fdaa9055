package dev.tern.kernel.migration;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.ram.PageSet;
import dev.tern.kernel.ram.RamSender;
import dev.tern.kernel.state.ConfigHeader;
import dev.tern.kernel.state.SavedStateWriter;
import dev.tern.kernel.vm.VmState;
import dev.tern.spi.state.StateSection;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The switch-over of a migration: pause the guest, harvest the last dirty pages, send them and
 * every device section, and wait for the destination to say it is ready. Only what must happen
 * with the guest stopped happens here; each phase's time is recorded for {@code info migrate}.
 */
final class SwitchOver {

    /** Wire bytes of one part of the last round. */
    private static final long LAST_PART_BYTES = 32 << 10;

    private final Machine machine;
    private final RamSender ram;
    private final SavedStateWriter ramStream;
    private final WireOutput wire;
    private final ConfigHeader header;
    private final java.util.function.LongSupplier sentBytes;
    private final Map<String, Long> phases = new ConcurrentSkipListMap<>();
    private volatile long pauseBytes;
    private PausePhaseEvent event;
    private long phaseBytes;
    private boolean pausedByUs;
    private long started;
    private BlockMigration blocks = BlockMigration.NONE;

    /** @param sentBytes every byte the migration has sent so far, on any connection */
    SwitchOver(Machine machine, RamSender ram, SavedStateWriter ramStream, WireOutput wire, ConfigHeader header,
            java.util.function.LongSupplier sentBytes) {
        this.machine = machine;
        this.sentBytes = sentBytes;
        this.ram = ram;
        this.ramStream = ramStream;
        this.wire = wire;
        this.header = header;
    }

    /**
     * Pauses the guest (if it runs) and sends the last pages — {@code pending} plus whatever the
     * harvest adds — and the device state.
     *
     * @param harvest adds the pages dirtied since the last sync, called with no vCPU running
     */
    void send(PageSet pending, java.util.function.Consumer<PageSet> harvest) throws IOException, MigrationException {
        send(pending, harvest, BetweenStreams.NOTHING);
    }

    /** Also sends {@code disks}' last dirty blocks in the pause, after the last pages. */
    void alsoSend(BlockMigration disks) {
        this.blocks = disks;
    }

    /** Sends between the RAM stream and the device stream (post-copy's missing pages). */
    interface BetweenStreams {
        /** Nothing between them: an anonymous class, not a lambda, whose call site would be linked in the pause. */
        BetweenStreams NOTHING = new BetweenStreams() {
            @Override
            public void send() {
            }
        };

        void send() throws IOException;
    }

    /** {@link #send(PageSet, java.util.function.Consumer)}, with {@code between} sent between the two streams. */
    void send(PageSet pending, java.util.function.Consumer<PageSet> harvest, BetweenStreams between)
            throws IOException, MigrationException {
        started = System.nanoTime();
        beginTrace();
        long bytesBefore = phaseBytes;
        VmState state = machine.lifecycle().state();
        if (state != VmState.RUNNING && state != VmState.PAUSED) {
            throw new MigrationException("the guest stopped during the migration (" + state + ")");
        }
        if (state == VmState.RUNNING) {
            machine.pause();
            pausedByUs = true;
        }
        machine.lifecycle().transition(VmState.MIGRATING);
        long stopped = phase("1a-stop", started);
        harvest.accept(pending);
        long t1 = phase("1b-sync", stopped);
        ram.beginRound(pending);
        if (!ram.oneSided()) {
            // In small parts, each pushed to the wire at once: the destination applies one while
            // the next is encoded, instead of waiting for the whole round (16384 XBZRLE pages).
            while (!ramStream.iterateLive(ram, LAST_PART_BYTES)) {
                ramStream.flush();
            }
        }
        ramStream.endLive(ram);
        blocks.complete(ramStream);
        ramStream.finish();
        wire.endStream();
        between.send();
        long t2 = phase("2-last-pages", t1);
        SavedStateWriter devices = new SavedStateWriter(wire, header);
        for (StateSection<?> s : machine.sections()) {
            devices.writeSection(s);
        }
        devices.finish();
        wire.endStream();
        phase("3-devices", t2);
        pauseBytes = sentBytes.getAsLong() - bytesBefore;
    }

    /** Waits for the destination's {@link WireMessage#READY}; returns the apply nanoseconds it reports. */
    long awaitReady(WireInput in) throws IOException {
        long t0 = System.nanoTime();
        beginTrace();
        long applyNanos = parseNanos(in.expect(WireMessage.READY));
        phase("4-await-ready", t0);
        return applyNanos;
    }

    /** Bytes sent with the guest paused: the last pages and the device state (QEMU's downtime-bytes). */
    long pauseBytes() {
        return pauseBytes;
    }

    /** When the pause began (System.nanoTime), 0 before it. */
    long started() {
        return started;
    }

    /** Whether this switch-over paused a running guest (a failure must let it run again). */
    boolean pausedByUs() {
        return pausedByUs;
    }

    /** Microseconds by phase so far. */
    Map<String, Long> phases() {
        return Map.copyOf(phases);
    }

    /** Records the microseconds since {@code from} under {@code name}; returns now. */
    private long phase(String name, long from) {
        long now = System.nanoTime();
        phases.put(name, (now - from) / 1_000);
        if (event.shouldCommit()) {
            event.phase = name;
            event.sentBytes = sentBytes.getAsLong() - phaseBytes;
            event.commit();
        }
        beginTrace();
        return now;
    }

    /** Starts the flight-recorder event of the phase that begins now. */
    private void beginTrace() {
        event = new PausePhaseEvent();
        event.begin();
        phaseBytes = sentBytes.getAsLong();
    }

    static long parseNanos(String text) throws IOException {
        try {
            long n = Long.parseLong(text.strip());
            if (n < 0) {
                throw new NumberFormatException("negative");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IOException("migration wire: READY carries '" + text + "', not the apply time in nanoseconds", e);
        }
    }
}
