package dev.tern.devices.virtio.net;

import dev.tern.spi.device.OutputSink;

import java.util.Objects;
import java.util.Optional;

/**
 * A network backend as the machine's output sink: each output is one frame, and the backend's
 * {@link NetBackend#failure() failure} is the sink's, so that a backend that can send nothing more
 * stops the guest (or, under fault tolerance, hands it over) instead of losing every frame unseen.
 */
public record NetBackendSink(NetBackend backend) implements OutputSink {

    public NetBackendSink {
        Objects.requireNonNull(backend, "backend");
    }

    @Override
    public void deliver(long position, byte[] frame) {
        backend.send(frame);
    }

    @Override
    public Optional<String> failure() {
        return backend.failure();
    }
}
