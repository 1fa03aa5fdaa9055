package dev.tern.devices.chardev;

import dev.tern.spi.device.OutputSink;

import java.util.Objects;
import java.util.Optional;

/**
 * A character backend as the machine's output sink: outputs are written at their stream position,
 * and the backend's {@link CharBackend#failure() failure} is the sink's, so that fault tolerance
 * does not count output a full disk refused as delivered.
 */
public record BackendSink(CharBackend backend) implements OutputSink {

    public BackendSink {
        Objects.requireNonNull(backend, "backend");
    }

    @Override
    public void deliver(long position, byte[] data) {
        backend.writeAt(position, data);
    }

    @Override
    public Optional<String> failure() {
        return backend.failure();
    }
}
