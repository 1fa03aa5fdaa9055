package dev.tern.transport.shm;

import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.TransportProvider;
import dev.tern.testkit.transport.StreamTransportContract;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** The shm transport's stream and control channel over a Unix socket. */
class ShmTransportContractTest extends StreamTransportContract {

    private final AtomicInteger sockets = new AtomicInteger();

    @Override
    protected TransportProvider provider() {
        return new ShmTransportProvider();
    }

    @Override
    protected Map<String, String> baseSettings() {
        return Map.of(ShmTransportProvider.DIR, tempDir.toString());
    }

    @Override
    protected String listenAddress() {
        return "unix:" + tempDir.resolve("ctl" + sockets.incrementAndGet() + ".sock");
    }

    @Override
    protected String unreachableAddress() {
        return "unix:" + tempDir.resolve("nobody.sock");
    }

    @Override
    protected String malformedAddress() {
        return "infiniband:mlx5_0";
    }

    @Override
    protected void shutdownOutput(Connection connection) throws IOException {
        ((ShmConnection) connection).shutdownOutput();
    }
}
