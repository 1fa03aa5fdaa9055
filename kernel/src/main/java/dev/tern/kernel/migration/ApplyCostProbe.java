package dev.tern.kernel.migration;

import dev.tern.kernel.memory.GuestRam;
import dev.tern.spi.codec.PageDecoder;
import dev.tern.spi.codec.PageEncoder;
import dev.tern.spi.memory.GuestMemory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Function;

/**
 * Measures what applying one received page costs this process, on the real receiving path: a
 * scratch RAM is migrated into another scratch RAM in memory, and the receive of its later rounds
 * — XBZRLE deltas when the codec is installed, the pages a guest that rewrites its memory sends at
 * switch-over, else raw pages — is timed per page. Never touches the machine's own RAM.
 */
final class ApplyCostProbe {

    private static final int PAGES = 256;
    private static final int ROUNDS = 12;

    private ApplyCostProbe() {
    }

    /**
     * Nanoseconds per page, the least over the timed rounds (the first rounds warm the code up).
     *
     * @param xbzrle an encoder session when the destination has the XBZRLE codec, else empty
     */
    static double pageNanos(Function<String, Optional<PageDecoder>> decoders, Optional<PageEncoder> xbzrle)
            throws IOException {
        long size = (long) PAGES * GuestMemory.PAGE_SIZE;
        try (GuestRam from = GuestRam.builder().ram("probe", 0, size).build();
             GuestRam to = GuestRam.builder().ram("probe", 0, size).build()) {
            MigratingRam sender = MigratingRam.sender(from, xbzrle.orElse(null), null);
            MigratingRam receiver = MigratingRam.receiver(to, decoders, java.util.List.of());
            try {
                receive(receiver, part(sender, true));
                from.dirtyLog().enable();
                double best = Double.MAX_VALUE;
                for (int round = 0; round < ROUNDS; round++) {
                    for (int p = 0; p < PAGES; p++) {
                        // one byte changed per page, as the load generator does
                        long at = (long) p * GuestMemory.PAGE_SIZE + 1234;
                        from.writeU8(at, from.readU8(at) + 1 + p);
                    }
                    sender.beginRound(PageSet.of(from.dirtyLog().syncAndClear()));
                    byte[] part = part(sender, false);
                    sender.endRound();
                    long t0 = System.nanoTime();
                    receive(receiver, part);
                    long nanos = System.nanoTime() - t0;
                    if (round >= 4) {
                        best = Math.min(best, nanos / (double) PAGES);
                    }
                }
                return best;
            } finally {
                sender.close();
                receiver.close();
            }
        }
    }

    static byte[] part(MigratingRam ram, boolean setup) throws IOException {
        var bytes = new ByteArrayOutputStream();
        var out = new DataOutputStream(bytes);
        if (setup) {
            ram.setup(out);
        } else {
            ram.complete(out);
        }
        return bytes.toByteArray();
    }

    static void receive(MigratingRam ram, byte[] part) throws IOException {
        ram.receive(new DataInputStream(new ByteArrayInputStream(part)));
    }
}
