package dev.tern.devices.virtio.net;

import java.util.Optional;
import java.util.function.Consumer;

/** Where a network device's frames go and come from. */
public sealed interface NetBackend extends AutoCloseable permits NetHub.Port, UdpBackend, NetBackend.None {

    /** Starts delivering received frames to {@code receiver} (called from any thread). */
    void start(Consumer<byte[]> receiver);

    /**
     * Sends one Ethernet frame; never blocks for long. A frame the host could not send this once is
     * lost, as on a wire (the guest's protocols retransmit); a backend that can send nothing more
     * says so through {@link #failure()}.
     */
    void send(byte[] frame);

    /**
     * Why this backend can send no frame any more (its host socket is gone), naming the backend and
     * the error; empty while it sends. Once present, the frame that failed and every later one
     * were not sent.
     */
    default Optional<String> failure() {
        return Optional.empty();
    }

    /** Stops receiving and releases host resources. Idempotent. */
    @Override
    void close();

    /** No network: transmitted frames vanish, nothing is received. */
    record None() implements NetBackend {
        @Override
        public void start(Consumer<byte[]> receiver) {
        }

        @Override
        public void send(byte[] frame) {
        }

        @Override
        public void close() {
        }
    }
}
