package dev.tern.kernel.ft;

import dev.tern.cli.RunMachines;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.spi.transport.Listener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The page codecs of a session are negotiated in the handshake over a real loopback connection:
 * the primary offers, the standby keeps those it can decode, and both sides use that subset — a
 * standby without a codec costs bandwidth, not protection.
 */
class FtCodecNegotiationTest {

    private static final byte[] SECRET = "correct horse".getBytes();
    private static final String DESCRIPTION = "machine: pc\nram: [a]\n";

    @Test
    @Timeout(60)
    void theStandbyKeepsTheOfferedCodecsItCanDecode() throws Exception {
        assertEquals(List.of("xbzrle", "lz4"), negotiate(List.of("xbzrle", "lz4"), id -> true));
        assertEquals(List.of("lz4"), negotiate(List.of("xbzrle", "lz4"), id -> !id.equals("xbzrle")));
        assertEquals(List.of(), negotiate(List.of("xbzrle"), id -> false));
        assertEquals(List.of(), negotiate(List.of(), id -> true));
    }

    /** Runs both sides of the handshake; returns what the primary will use, checked equal to the standby's. */
    private static List<String> negotiate(List<String> offered, Predicate<String> decodable) throws Exception {
        try (Listener listener = MigrationUri.parse("tcp:127.0.0.1:0").listen(RunMachines.plugins())) {
            CompletableFuture<FtHandshake.Accepted> standby = CompletableFuture.supplyAsync(() -> {
                try (FtWire w = new FtWire(listener.accept())) {
                    return FtHandshake.standby(w, SECRET, DESCRIPTION, 1, decodable);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            List<String> primary;
            try (FtWire w = new FtWire(MigrationUri.parse(listener.address()).connect(RunMachines.plugins()))) {
                primary = FtHandshake.primary(w, SECRET, DESCRIPTION, 1, 5000, offered);
            }
            FtHandshake.Accepted accepted = standby.get();
            assertEquals(5000, accepted.timeoutMillis());
            assertEquals(primary, accepted.codecs(), "both sides use the same codecs");
            return primary;
        }
    }
}
