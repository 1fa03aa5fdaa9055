package dev.tern.devices.virtio.net;

import java.util.function.Consumer;

/** Where a network device's frames go and come from. */
public sealed interface NetBackend extends AutoCloseable permits NetHub.Port, UdpBackend, NetBackend.None {

    /** Starts delivering received frames to {@code receiver} (called from any thread). */
    void start(Consumer<byte[]> receiver);

    /** Sends one Ethernet frame; never blocks for long, drops when it cannot send. */
    void send(byte[] frame);

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
