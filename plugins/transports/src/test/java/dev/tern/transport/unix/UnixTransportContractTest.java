package dev.tern.transport.unix;

import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.TransportProvider;
import dev.tern.testkit.transport.StreamTransportContract;
import dev.tern.transport.channel.StreamConnection;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

class UnixTransportContractTest extends StreamTransportContract {

    private final AtomicInteger sockets = new AtomicInteger();

    @Override
    protected TransportProvider provider() {
        return new UnixTransportProvider();
    }

    @Override
    protected String listenAddress() {
        return tempDir.resolve("s" + sockets.incrementAndGet() + ".sock").toString();
    }

    @Override
    protected String unreachableAddress() {
        return tempDir.resolve("nobody-listens.sock").toString();
    }

    @Override
    protected String malformedAddress() {
        return "bad\0path";
    }

    @Override
    protected void shutdownOutput(Connection connection) throws IOException {
        ((StreamConnection) connection).shutdownOutput();
    }
}
