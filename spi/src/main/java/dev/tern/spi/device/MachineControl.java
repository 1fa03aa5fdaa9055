package dev.tern.spi.device;

import dev.tern.spi.replay.ReplayEvent;

import java.time.Instant;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The machine-level effects a device may cause. Host-side input (a key typed, a packet received,
 * a reading of host time) must reach device state through {@link #inputs} or
 * {@link #hostClockNanos}: that is the kernel's input path, which binds every input to an
 * instruction count and which record/replay intercepts.
 */
public interface MachineControl {

    /** The guest asked to power off; the VMM exits with {@code exitStatus}. */
    void requestPowerOff(int exitStatus);

    /** The guest asked for a system reset. */
    void requestReset();

    /**
     * Drives the A20 gate (keyboard controller output port bit 1, port 0x92 bit 1): when off, CPUs
     * wrap physical address bit 20 to zero as the 8086 did.
     */
    void setA20(boolean enabled);

    /**
     * Runs {@code event} on the machine's event thread at the next instruction boundary. Safe from
     * any thread.
     *
     * @deprecated work posted here is opaque: it is not bound to an instruction count and cannot
     *     be recorded or replayed. Host input goes through {@link #inputs}.
     */
    @Deprecated(since = "SPI 1.2")
    void post(Runnable event);

    /**
     * Registers {@code receiver} as this device's handler for inputs of {@code kind} and returns
     * the sink its host backends hand each input to (from any thread). The machine applies every
     * input by calling {@code receiver} on its event thread between instruction slices, at an
     * instruction count it records; in a replay it ignores the sink and calls {@code receiver}
     * with the logged inputs at the logged counts instead. Call it in {@code realize()}, once per
     * kind.
     *
     * <p>The default, for machines built before SPI 1.2, posts each input as opaque work.
     *
     * @since SPI 1.2
     */
    @SuppressWarnings("deprecation")
    default <E extends ReplayEvent> Consumer<E> inputs(Class<E> kind, Consumer<? super E> receiver) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(receiver, "receiver");
        return event -> post(() -> receiver.accept(event));
    }

    /**
     * Host wall-clock time in nanoseconds since the epoch, as a recorded input: the machine logs
     * the reading when recording and returns the logged value when replaying, without looking at
     * the host clock. The only way a device may learn host time.
     *
     * @since SPI 1.2
     */
    default long hostClockNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /**
     * Registers this device's channel of {@code kind} output (one per kind) and returns where the
     * device hands each output (from any thread, a fresh array each time it may not reuse). The
     * machine passes every output to {@code sink} with its position: at once, or — when a
     * fault-tolerance primary commits this kind — once the standby holds a checkpoint that covers
     * it, so the outside world never sees output a standby could not reproduce. A device whose
     * host-visible output goes through here gets output commit without knowing about it. Call it
     * when the device is created or realized, before the guest runs.
     *
     * <p>The default, for machines built before SPI 1.3, delivers at once.
     *
     * @since SPI 1.3
     */
    default Consumer<byte[]> outputs(OutputKind kind, OutputSink sink) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(sink, "sink");
        if (kind.appliedByDevice()) {
            return data -> { }; // the device applied it; without fault tolerance there is no copy
        }
        long[] position = {0};
        return data -> {
            synchronized (position) {
                long at = position[0];
                position[0] += kind.units(data.length);
                sink.deliver(at, data);
            }
        };
    }

    /**
     * Offers this device's disk image for block migration (migration without shared storage): the
     * kernel may track its writes and copy it to a destination, or fill it from a source. Call it
     * when the device is created or realized. The default, for machines built before SPI 1.8,
     * ignores the offer: such a machine migrates no disks.
     *
     * @since SPI 1.8
     */
    default void offerDisk(LiveDisk disk) {
        Objects.requireNonNull(disk, "disk");
    }

    /**
     * The guest powered off the hot-plug slot of device {@code instance} (a device that
     * {@link Device#requestEjection()} may have asked for): the machine takes it out, as the
     * monitor's {@code device_del} does, later and with its vCPUs stopped. Safe from any thread. The
     * default, for machines built before SPI 1.9, ignores it and the device stays.
     *
     * @since SPI 1.9
     */
    default void ejectDevice(String instance) {
        Objects.requireNonNull(instance, "instance");
    }
}
