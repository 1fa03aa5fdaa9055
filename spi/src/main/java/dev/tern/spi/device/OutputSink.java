package dev.tern.spi.device;

import java.util.Optional;

/**
 * Where a device's output of one kind goes on the host: a file, a socket, a network backend.
 * The machine calls it (see {@link MachineControl#outputs}) when the output may leave the machine,
 * which under fault tolerance's output commit is later than when the guest produced it.
 *
 * @since SPI 1.3
 */
@FunctionalInterface
public interface OutputSink {

    /**
     * Delivers one output. {@code position} is the channel's position before it: the bytes of a
     * byte stream, the messages otherwise ({@link OutputKind#units}), counted from the machine's
     * start across checkpoints and failovers. Positions arrive in increasing order; after a
     * fault-tolerance failover the new primary may deliver again, at the same position, an output
     * the old one delivered just before it died. A sink that can write at a position (a file) uses
     * it, which makes that repetition harmless; a stream sink ignores it. Must not throw for host
     * I/O failures (drop instead, and say so through {@link #failure()}) and must not block for
     * long: it runs on a vCPU or the fault-tolerance thread.
     *
     * @param data the output; the sink may keep it
     */
    void deliver(long position, byte[] data);

    /**
     * Whether this sink stopped taking output because the host failed it (a full disk, a file
     * size limit, an I/O error). Asked after each {@link #deliver}: once it is present, the output
     * of the call that failed and of every later call was not taken (a file may hold part of the
     * failed call's bytes, which a later delivery at the same position overwrites). Fault
     * tolerance then stops counting output as delivered: the standby delivers it, or the guest
     * stops. The default, for sinks written before SPI 1.10, never reports a failure.
     *
     * @return empty while every output was taken; otherwise what failed, naming the host resource
     *     (a file's path) and the operating system's error
     * @since SPI 1.10
     */
    default Optional<String> failure() {
        return Optional.empty();
    }
}
