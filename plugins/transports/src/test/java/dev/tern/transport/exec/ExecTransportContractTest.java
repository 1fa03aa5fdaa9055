package dev.tern.transport.exec;

import dev.tern.spi.transport.Listener;
import dev.tern.spi.transport.TransportProvider;
import dev.tern.testkit.transport.TransportContract;

import java.util.concurrent.atomic.AtomicInteger;

/** The contract over a pair of shell commands meeting in a file: {@code cat > F} writes, {@code cat F} reads. */
class ExecTransportContractTest extends TransportContract {

    private final AtomicInteger files = new AtomicInteger();

    @Override
    protected TransportProvider provider() {
        return new ExecTransportProvider();
    }

    @Override
    protected String listenAddress() {
        return "cat " + tempDir.resolve("stream" + files.incrementAndGet() + ".bin");
    }

    @Override
    protected String connectAddress(Listener listener) {
        return "cat > " + withoutScheme(listener.address()).substring("cat ".length());
    }

    @Override
    protected String unreachableAddress() {
        return "no-such-command-tern-test";
    }

    @Override
    protected String malformedAddress() {
        return "bad\0command";
    }
}
