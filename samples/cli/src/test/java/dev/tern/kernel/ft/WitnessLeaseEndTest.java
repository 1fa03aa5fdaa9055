package dev.tern.kernel.ft;

import dev.tern.cli.RunMachines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A primary that ends its guest under a witness lease keeps every standby from running it, even
 * with a renewal queued behind its LEASE_END: a primary's LEASE_REQUEST arriving after it would
 * start a new run at the witness and clear the "ended" mark (it did, before giveBack closed the
 * lease under the write lock). Renewals every 2 ms make that race likely within a few hundred rounds.
 */
class WitnessLeaseEndTest {

    @Test
    @Timeout(120)
    void aRenewalInFlightNeverClearsTheEndedMark() throws Exception {
        byte[] secret = "correct horse battery staple".getBytes(StandardCharsets.UTF_8);
        var out = new ByteArrayOutputStream();
        var log = new PrintStream(out, true, StandardCharsets.UTF_8);
        int kept = 0;
        for (int round = 0; round < 200; round++) {
            try (var witness = new LeaseWitness("tcp:127.0.0.1:0", secret, RunMachines.plugins(), log, System::nanoTime)) {
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        witness.serve();
                    } catch (java.io.IOException e) {
                        // closed at the end of the round
                    }
                });
                out.reset();
                String lost;
                try (var primary = new WitnessLease(witness.address(), secret, RunMachines.plugins(),
                        Duration.ofMillis(8), true)) {
                    primary.acquireFirst(Duration.ofSeconds(10));
                    primary.keep(why -> { });
                    primary.end();
                    lost = primary.lostWhy();
                }
                if (lost != null && !lost.isEmpty() || !out.toString().contains("lease ended by")) {
                    // an exchange took longer than the lease allows on this host: a lost lease, or an
                    // end the witness never heard of, cannot keep a standby out (the lease runs out)
                    continue;
                }
                kept++;
                // the standby's own lease only bounds how long it tries to reach the witness
                try (var standby = new WitnessLease(witness.address(), secret, RunMachines.plugins(),
                        Duration.ofSeconds(5), false)) {
                    assertEquals(Lease.Acquired.GUEST_ENDED, standby.acquire(), "round " + round + "; the witness said:\n" + out);
                }
            }
        }
        assertTrue(kept >= 20, "only " + kept + " of 200 rounds kept their 8 ms lease to the end");
    }
}
