package dev.tern.spi.device;

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
     * I/O failures (drop instead) and must not block for long: it runs on a vCPU or the
     * fault-tolerance thread.
     *
     * @param data the output; the sink may keep it
     */
    void deliver(long position, byte[] data);
}
