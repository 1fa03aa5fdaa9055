package dev.tern.transport.shm;

import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.TransportProvider;
import dev.tern.testkit.transport.StreamTransportContract;

import java.io.IOException;
import java.util.Map;

/** The shm transport with its control channel on loopback TCP. */
class ShmOverTcpContractTest extends StreamTransportContract {

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
        return "tcp:127.0.0.1:0";
    }

    @Override
    protected String unreachableAddress() {
        return "tcp:127.0.0.1:1";
    }

    @Override
    protected String malformedAddress() {
        return "tcp:127.0.0.1";
    }

    @Override
    protected void shutdownOutput(Connection connection) throws IOException {
        ((ShmConnection) connection).shutdownOutput();
    }
}
