package dev.tern.devices.chardev;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.function.Consumer;

/** A daemon thread that copies an input stream to a receiver in chunks until end of stream or close. */
final class InputPump {

    private final Thread thread;
    private volatile boolean stopped;

    InputPump(String name, InputStream in, Consumer<byte[]> receiver, Runnable atEnd) {
        thread = Thread.ofPlatform().daemon().name(name).unstarted(() -> {
            byte[] buf = new byte[4096];
            try {
                int n;
                while (!stopped && (n = in.read(buf)) > 0) {
                    receiver.accept(Arrays.copyOf(buf, n));
                }
            } catch (IOException e) {
                // The host side went away; input simply ends.
            } finally {
                atEnd.run();
            }
        });
    }

    void start() {
        thread.start();
    }

    /** Stops after the current read; a read blocked on a stream that cannot be closed ends with the JVM. */
    void stop() {
        stopped = true;
    }

    /** Waits for the pump to finish (tests). */
    void join() throws InterruptedException {
        thread.join();
    }
}
