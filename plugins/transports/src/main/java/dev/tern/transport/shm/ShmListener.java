package dev.tern.transport.shm;

import dev.tern.spi.transport.Listener;
import dev.tern.transport.channel.StreamListener;

import java.io.IOException;
import java.nio.file.Path;

/** Accepts shm connections: a control-channel listener whose connections speak the shm protocol. */
public final class ShmListener implements Listener {

    private final StreamListener control;
    private final Path dir;

    ShmListener(StreamListener control, Path dir) {
        this.control = control;
        this.dir = dir;
    }

    @Override
    public ShmConnection accept() throws IOException {
        return ShmConnection.open(control.accept(), dir);
    }

    @Override
    public String address() {
        return "shm:" + control.address();
    }

    /** Idempotent; removes a Unix control socket file. */
    @Override
    public void close() throws IOException {
        control.close();
    }
}
