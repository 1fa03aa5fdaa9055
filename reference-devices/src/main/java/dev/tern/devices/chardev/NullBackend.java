package dev.tern.devices.chardev;

import java.util.function.Consumer;

/** Discards output and never produces input. */
public final class NullBackend implements CharBackend {

    @Override
    public void write(byte[] data, int off, int len) {
    }

    @Override
    public void setReceiver(Consumer<byte[]> receiver) {
    }

    @Override
    public void close() {
    }
}
