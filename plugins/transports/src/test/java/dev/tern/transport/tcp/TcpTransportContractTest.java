package dev.tern.transport.tcp;

import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.TransportProvider;
import dev.tern.testkit.transport.StreamTransportContract;
import dev.tern.transport.channel.StreamConnection;

import java.io.IOException;

class TcpTransportContractTest extends StreamTransportContract {

    @Override
    protected TransportProvider provider() {
        return new TcpTransportProvider();
    }

    @Override
    protected String listenAddress() {
        return "127.0.0.1:0";
    }

    @Override
    protected String unreachableAddress() {
        // Port 1 (tcpmux) is not served on a test host: loopback answers with a reset at once.
        return "127.0.0.1:1";
    }

    @Override
    protected String malformedAddress() {
        return "127.0.0.1:notaport";
    }

    @Override
    protected void shutdownOutput(Connection connection) throws IOException {
        ((StreamConnection) connection).shutdownOutput();
    }
}
