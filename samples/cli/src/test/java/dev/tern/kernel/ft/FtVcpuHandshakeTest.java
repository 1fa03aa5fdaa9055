package dev.tern.kernel.ft;

import dev.tern.cli.RunMachines;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.spi.transport.Listener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The vCPU count travels in CONFIG (a real loopback connection): a standby with another count than
 * the primary refuses it at the handshake, before the description is compared, and both sides'
 * errors name both counts and the option to change; an equal count is accepted.
 */
class FtVcpuHandshakeTest {

    private static final byte[] SECRET = "correct horse".getBytes();
    private static final String DESCRIPTION = "machine: pc\nram: [a]\n";

    @Test
    @Timeout(60)
    void aStandbyWithAnotherVcpuCountIsRefusedOnBothSides() throws Exception {
        String why = "configuration mismatch: the primary is a machine with 2 vCPUs, this standby has 1 (--smp 1):"
                + " start the standby with --smp 2";
        try (Listener listener = MigrationUri.parse("tcp:127.0.0.1:0").listen(RunMachines.plugins())) {
            CompletableFuture<FtHandshake.Accepted> standby = standby(listener, 1);
            try (FtWire w = primaryWire(listener)) {
                FtRefusedException e = assertThrows(FtRefusedException.class,
                        () -> FtHandshake.primary(w, SECRET, DESCRIPTION, 2, 5000, List.of()));
                assertEquals(why, e.getMessage(), "the primary reports the standby's REFUSED");
            }
            ExecutionException e = assertThrows(ExecutionException.class, standby::get);
            assertInstanceOf(FtRefusedException.class, e.getCause().getCause());
            assertEquals(why, e.getCause().getCause().getMessage());
        }
    }

    @Test
    @Timeout(60)
    void equalVcpuCountsAreAccepted() throws Exception {
        try (Listener listener = MigrationUri.parse("tcp:127.0.0.1:0").listen(RunMachines.plugins())) {
            CompletableFuture<FtHandshake.Accepted> standby = standby(listener, 4);
            try (FtWire w = primaryWire(listener)) {
                assertEquals(List.of(), FtHandshake.primary(w, SECRET, DESCRIPTION, 4, 5000, List.of()));
            }
            assertEquals(5000, standby.get().timeoutMillis());
        }
    }

    private static CompletableFuture<FtHandshake.Accepted> standby(Listener listener, int vcpus) {
        return CompletableFuture.supplyAsync(() -> {
            try (FtWire w = new FtWire(listener.accept())) {
                return FtHandshake.standby(w, SECRET, DESCRIPTION, vcpus, id -> true);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static FtWire primaryWire(Listener listener) throws IOException {
        return new FtWire(MigrationUri.parse(listener.address()).connect(RunMachines.plugins()));
    }
}
