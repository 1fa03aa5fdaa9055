package dev.tern.testkit.transport;

import dev.tern.spi.Config;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.TransportProvider;
import dev.tern.testkit.codec.ProviderConfig;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The far end of a transport run in a separate JVM so that it can die the way a crashed VMM does:
 * it connects, reads a given number of bytes, then halts without closing anything (the operating
 * system tears the socket down; unread data makes TCP answer with a reset).
 *
 * <p>Arguments: provider class, address (without scheme), bytes to read, then {@code key=value}
 * configuration settings. Exit status {@value #HALTED} means it got as far as the halt.
 */
public final class PeerProcess {

    /** Exit status after reading what was asked. */
    public static final int HALTED = 37;

    private PeerProcess() {
    }

    /** Entry point; see the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: PeerProcess PROVIDER-CLASS ADDRESS BYTES [KEY=VALUE...]");
            Runtime.getRuntime().halt(2);
        }
        TransportProvider provider = (TransportProvider) Class.forName(args[0]).getConstructor().newInstance();
        Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 3; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            settings.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        Config config = ProviderConfig.of(provider, settings);
        long wanted = Long.parseLong(args[2]);
        Connection connection = provider.connect(args[1], config);
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        long got = 0;
        while (got < wanted) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), wanted - got));
            int n = connection.read(buffer);
            if (n < 0) {
                System.err.println("end of stream after " + got + " bytes");
                Runtime.getRuntime().halt(3);
            }
            got += n;
        }
        System.out.flush();
        Runtime.getRuntime().halt(HALTED);
    }
}
