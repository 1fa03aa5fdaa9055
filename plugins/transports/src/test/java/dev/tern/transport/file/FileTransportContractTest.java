package dev.tern.transport.file;

import dev.tern.spi.transport.TransportProvider;
import dev.tern.testkit.transport.TransportContract;

import java.util.concurrent.atomic.AtomicInteger;

class FileTransportContractTest extends TransportContract {

    private final AtomicInteger files = new AtomicInteger();

    @Override
    protected TransportProvider provider() {
        return new FileTransportProvider();
    }

    @Override
    protected String listenAddress() {
        return tempDir.resolve("stream" + files.incrementAndGet() + ".bin").toString();
    }

    @Override
    protected String unreachableAddress() {
        return tempDir.resolve("no-such-dir").resolve("stream.bin").toString();
    }

    @Override
    protected String malformedAddress() {
        return "bad\0path";
    }
}
