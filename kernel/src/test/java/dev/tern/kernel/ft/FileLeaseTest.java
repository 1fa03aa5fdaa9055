package dev.tern.kernel.ft;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The lease file's record and its hand-overs within one JVM (where a second lock on a byte range
 * is refused as a held one; FtFileLeaseTest has the two processes).
 */
class FileLeaseTest {

    /** Long enough that a loaded host (renewals every quarter of it) never loses it by delay. */
    private static final Duration LEASE = Duration.ofSeconds(1);

    @TempDir
    Path dir;

    /**
     * A host loaded enough to hold the renewal thread off for three quarters of a lease makes the
     * primary lose it, and a lost lease cannot mark "ended" (rightly: a standby may hold it by
     * then); such a round is a load artefact and runs again, up to five times.
     */
    @Test
    void aPrimaryEndingTheGuestKeepsTheStandbyFromRunningIt() throws Exception {
        for (int attempt = 0; attempt < 5; attempt++) {
            if (endedWithTheLeaseKept(dir.resolve("ft-" + attempt + ".lease"))) {
                return;
            }
        }
        fail("the primary lost its " + LEASE.toMillis() + " ms lease before ending the guest in five rounds");
    }

    private static boolean lost(FileLease lease) {
        return lease.lostWhy() != null && !lease.lostWhy().isEmpty();
    }

    /** One round; false when the primary lost its lease on the way. */
    private boolean endedWithTheLeaseKept(Path file) throws Exception {
        try (FileLease primary = new FileLease(file, LEASE, true);
             FileLease standby = new FileLease(file, LEASE, false)) {
            primary.acquireFirst(Duration.ofSeconds(5));
            assertTrue(Files.readString(file).matches("tern-ft-lease 2 epoch=1 holder=[0-9a-f]{16} role=primary"
                    + " state=held renewal=0 live=yes\n"), Files.readString(file));
            primary.keep(why -> { });
            assertTrue(primary.confirmedAfter(System.nanoTime()), "a renewal after now succeeds");
            Lease.Acquired seen = standby.acquire();
            if (lost(primary)) {
                return false; // the standby waited a whole lease for a renewal: it may have taken it
            }
            assertEquals(Lease.Acquired.HELD_BY_A_LIVE_PRIMARY, seen, "its record is renewed");
            primary.end();
            if (lost(primary)) {
                return false;
            }
            assertTrue(Files.readString(file).matches(".* role=primary state=ended renewal=\\d+ live=yes\n"),
                    Files.readString(file));
            assertEquals(Lease.Acquired.GUEST_ENDED, standby.acquire());
            return true;
        }
    }

    /**
     * A renewal waiting to write while the primary ends the guest must not write "held" over
     * "ended" (it did: a standby could then have run a finished guest). Renewals every 2 ms make the
     * race likely in a few hundred rounds.
     */
    @Test
    void aRenewalInFlightNeverOverwritesTheEndedMark() throws Exception {
        int kept = 0;
        for (int round = 0; round < 300; round++) {
            Path file = dir.resolve("ft-" + round + ".lease");
            String lost;
            try (FileLease primary = new FileLease(file, Duration.ofMillis(8), true)) {
                primary.acquireFirst(Duration.ofSeconds(5));
                primary.keep(why -> { });
                primary.end();
                lost = primary.lostWhy();
            }
            if (lost != null && !lost.isEmpty()) {
                continue; // a write took longer than 6 ms on this host: a lost lease cannot mark "ended"
            }
            kept++;
            assertTrue(Files.readString(file).matches(".* role=primary state=ended renewal=\\d+ live=yes\n"),
                    "round " + round + ": " + Files.readString(file));
        }
        assertTrue(kept >= 30, "only " + kept + " of 300 rounds kept their 8 ms lease to the end");
    }

    @Test
    void aReleasedOrDroppedLeaseGoesToTheStandbyAndANewPrimaryStartsANewRun() throws Exception {
        Path file = dir.resolve("ft.lease");
        try (FileLease primary = new FileLease(file, LEASE, true)) {
            primary.acquireFirst(Duration.ofSeconds(5));
            primary.release();
        }
        try (FileLease standby = new FileLease(file, LEASE, false)) {
            assertEquals(Lease.Acquired.GRANTED, standby.acquire());
            assertTrue(Files.readString(file).matches("tern-ft-lease 2 epoch=2 holder=[0-9a-f]{16} role=standby"
                    + " state=held renewal=0 live=yes\n"), Files.readString(file));
            standby.end(); // a standby's "ended" does not fence a later standby: only a primary's does
        }
        try (FileLease primary = new FileLease(file, LEASE, true)) {
            primary.acquireFirst(Duration.ofSeconds(5));
            assertTrue(Files.readString(file).contains("epoch=3 "), Files.readString(file));
        }
    }

    /**
     * A holder that stops renewing while its process lives (a stalled primary: here a lease object
     * that took the lease and never keeps it, whose liveness lock this JVM still holds) loses the
     * lease once its record stayed unchanged for a lease: the standby takes it without the
     * liveness lock, and the old holder's next renewal finds the standby named and loses it.
     */
    @Test
    void aHolderThatStopsRenewingLosesTheLeaseAfterOneLease() throws Exception {
        Path file = dir.resolve("ft.lease");
        try (FileLease stalled = new FileLease(file, LEASE, true);
             FileLease standby = new FileLease(file, LEASE, false)) {
            stalled.acquireFirst(Duration.ofSeconds(5));
            long before = System.nanoTime();
            assertEquals(Lease.Acquired.GRANTED, standby.acquire());
            assertTrue(System.nanoTime() - before >= LEASE.toNanos(), "taken before the record was a lease old");
            assertTrue(Files.readString(file).matches("tern-ft-lease 2 epoch=2 holder=[0-9a-f]{16} role=standby"
                    + " state=held renewal=0 live=no\n"), Files.readString(file));
            assertFalse(stalled.validNow(), "the stalled holder's validity ended before the take");
            String[] told = new String[1];
            stalled.keep(why -> told[0] = why);
            assertTrue(told[0] != null && told[0].contains("the record names another holder (epoch 2, standby "),
                    String.valueOf(told[0]));
            assertFalse(stalled.validNow());
            standby.keep(why -> { });
            assertTrue(standby.validNow());
        }
    }

    @Test
    void aLeaseFileThatIsNotOneRecordIsRefusedNamingIt() throws Exception {
        Path file = dir.resolve("ft.lease");
        Files.writeString(file, "hello\n");
        try (FileLease primary = new FileLease(file, LEASE, true)) {
            IOException e = assertThrows(IOException.class, () -> primary.acquireFirst(Duration.ofMillis(300)));
            assertTrue(e.getMessage().contains("the lease file " + file + " does not hold a lease record"),
                    e.getMessage());
        }
        Files.write(file, new byte[LeaseRecord.MAX_BYTES + 1]);
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
            IOException e = assertThrows(IOException.class, () -> LeaseRecord.read(c, file));
            assertEquals("the lease file " + file + " has 257 bytes, not one lease record (at most 256)", e.getMessage());
        }
        try (FileLease standby = new FileLease(file, LEASE, false)) {
            assertEquals(Lease.Acquired.UNREACHABLE, standby.acquire(), "unusable for two leases");
        }
        Files.writeString(file, "");
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
            assertNull(LeaseRecord.read(c, file));
        }
    }
}
