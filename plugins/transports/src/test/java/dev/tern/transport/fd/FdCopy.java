package dev.tern.transport.fd;

import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.Listener;
import dev.tern.testkit.codec.ProviderConfig;

import java.nio.ByteBuffer;

/** Child process of {@link FdTransportTest}: copies fd:ARG0 to fd:ARG1 through the transport. */
public final class FdCopy {

    private FdCopy() {
    }

    public static void main(String[] args) throws Exception {
        FdTransportProvider fd = new FdTransportProvider();
        var config = ProviderConfig.defaults(fd);
        try (Listener listener = fd.listen(args[0], config); Connection in = listener.accept();
             Connection out = fd.connect(args[1], config)) {
            ByteBuffer b = ByteBuffer.allocate(65536);
            while (in.read(b) >= 0) {
                b.flip();
                while (b.hasRemaining()) {
                    out.write(b);
                }
                b.clear();
            }
        }
    }
}
