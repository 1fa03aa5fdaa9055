package org.example.tern;

import dev.tern.spi.transport.TransportProvider;
import dev.tern.testkit.transport.TransportContract;
import org.example.tern.transport.PlainTcpTransport;

import java.io.IOException;
import java.net.ServerSocket;

/** plain-tcp passes the checks every transport re-runs, on real loopback sockets. */
class PlainTcpContractTest extends TransportContract {

    @Override
    protected TransportProvider provider() {
        return new PlainTcpTransport();
    }

    @Override
    protected String listenAddress() {
        return "127.0.0.1:0";
    }

    /** A port that was free a moment ago: nothing listens there, so a connect is refused at once. */
    private final String unreachable = freePort();

    @Override
    protected String unreachableAddress() {
        return unreachable;
    }

    private static String freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return "127.0.0.1:" + s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected String malformedAddress() {
        return "no-port-here";
    }
}
