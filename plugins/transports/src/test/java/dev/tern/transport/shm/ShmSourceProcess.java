package dev.tern.transport.shm;

import dev.tern.testkit.codec.ProviderConfig;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * A migration source in its own JVM for {@link ShmCrossProcessTest}: registers the destination's
 * region, writes {@link #pattern(long)} into every page except the zero ones, flushes, sends one
 * stream byte and completes. Arguments: control address, shm dir, region size.
 */
public final class ShmSourceProcess {

    private ShmSourceProcess() {
    }

    /** The content of page {@code page}: all zero for every fourth page, else a page-dependent byte pattern. */
    static void pattern(MemorySegment page, long index) {
        if (index % 4 == 0) {
            page.fill((byte) 0);
            return;
        }
        for (long i = 0; i < page.byteSize(); i++) {
            page.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) (index * 31 + i));
        }
    }

    /** Entry point; see the class comment. */
    public static void main(String[] args) throws Exception {
        ShmTransportProvider provider = new ShmTransportProvider();
        long size = Long.parseLong(args[2]);
        try (ShmConnection c = provider.connect(args[0], ProviderConfig.of(provider, Map.of("dir", args[1])));
             Arena arena = Arena.ofConfined()) {
            int region = c.register("pc.ram", size);
            MemorySegment page = arena.allocate(RemoteRegion.PAGE);
            for (long p = 0; p < size / RemoteRegion.PAGE; p++) {
                pattern(page, p);
                c.write(region, p * RemoteRegion.PAGE, page);
            }
            c.flush();
            c.write(ByteBuffer.wrap(new byte[] {1}));
        }
    }
}
