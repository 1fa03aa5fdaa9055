package dev.tern.kernel.ft;

import dev.tern.kernel.machine.HeldOutputLimits;
import dev.tern.spi.device.OutputKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The {@code --ft} option text. */
class FtConfigTest {

    @TempDir
    Path dir;

    private String pw() throws Exception {
        Path p = dir.resolve("pw");
        Files.writeString(p, "s3cret\n");
        return p.toString();
    }

    @Test
    void parsesBothRolesWithDefaults() throws Exception {
        FtConfig p = FtConfig.parse("primary,peer=tcp:127.0.0.1:7000,password-file=" + pw() + ",fencing=none" + ",interval=20ms");
        assertEquals(FtRole.PRIMARY, p.role());
        assertEquals("tcp:127.0.0.1:7000", p.address());
        assertArrayEquals("s3cret".getBytes(), p.secret());
        assertEquals(Duration.ofMillis(20), p.interval());
        assertEquals(Duration.ofMillis(80), p.effectiveTimeout(), "four intervals");
        FtConfig s = FtConfig.parse("standby,listen=unix:/tmp/ft.sock,password-file=" + pw() + ",fencing=none" + ",timeout=2s");
        assertEquals(FtRole.STANDBY, s.role());
        assertEquals(Duration.ofSeconds(2), s.effectiveTimeout());
        assertNull(FtConfig.parse("standby,listen=tcp:h:1,password-file=" + pw() + ",fencing=none").timeout());
    }

    @Test
    void theHandshakeTimeoutSuitsAColdPeerByDefault() throws Exception {
        String primary = "primary,peer=tcp:h:1,password-file=" + pw() + ",fencing=none";
        assertEquals(Duration.ofSeconds(10), FtConfig.parse(primary).effectiveHandshakeTimeout(),
                "4 x 50 ms is below the 10 s floor");
        assertEquals(Duration.ofSeconds(20), FtConfig.parse(primary + ",interval=5s").effectiveHandshakeTimeout(),
                "four intervals above the floor");
        assertEquals(Duration.ofSeconds(30), FtConfig.parse(primary + ",timeout=30s").effectiveHandshakeTimeout(),
                "never below the heartbeat timeout by default");
        assertEquals(Duration.ofMillis(1500), FtConfig.parse(primary + ",timeout=30s,handshake-timeout=1500ms")
                .effectiveHandshakeTimeout(), "its own key wins");
        FtConfig standby = FtConfig.parse("standby,listen=tcp:h:1,password-file=" + pw() + ",fencing=none"
                + ",handshake-timeout=3s,reprotect=tcp:h:2");
        assertEquals(Duration.ofSeconds(3), standby.effectiveHandshakeTimeout());
        assertEquals(Duration.ofSeconds(3), standby.successor(Duration.ofSeconds(1)).effectiveHandshakeTimeout(),
                "the primary it becomes keeps it");
        assertEquals("--ft: handshake-timeout='soon' is not a duration (e.g. 50ms, 2s)", assertThrows(
                IllegalArgumentException.class, () -> FtConfig.parse(primary + ",handshake-timeout=soon")).getMessage());
        assertEquals("--ft: handshake-timeout=0s is not within 1ms..1h", assertThrows(IllegalArgumentException.class,
                () -> FtConfig.parse(primary + ",handshake-timeout=0s")).getMessage());
        assertEquals("--ft: handshake-timeout=7200s is not within 1ms..1h", assertThrows(IllegalArgumentException.class,
                () -> FtConfig.parse(primary + ",handshake-timeout=7200s")).getMessage());
        assertEquals("--ft: key 'handshake-timeout' given twice", assertThrows(IllegalArgumentException.class,
                () -> FtConfig.parse(primary + ",handshake-timeout=1s,handshake-timeout=2s")).getMessage());
    }

    @Test
    void outputCommitTakesTheKindsThatFollowIt() throws Exception {
        String base = "primary,peer=tcp:h:1,password-file=" + pw() + ",fencing=none";
        FtConfig all = FtConfig.parse(base);
        assertEquals(EnumSet.allOf(OutputKind.class), all.outputCommit(), "all three by default");
        assertEquals(FtConfig.DEFAULT_OUTPUT_LATENCY, all.outputLatency());
        FtConfig some = FtConfig.parse(base + ",output-commit=serial,blk,interval=20ms,output-latency=3ms");
        assertEquals(EnumSet.of(OutputKind.SERIAL, OutputKind.BLOCK), some.outputCommit());
        assertEquals(Duration.ofMillis(20), some.interval());
        assertEquals(Duration.ofMillis(3), some.outputLatency());
        assertEquals(Set.of(), FtConfig.parse(base + ",output-commit=none").outputCommit());
    }

    @Test
    void aStandbyWithReprotectBecomesAPrimaryOfTheNextStandby() throws Exception {
        FtConfig s = FtConfig.parse("standby,listen=tcp:h:1,password-file=" + pw() + ",fencing=none"
                + ",reprotect=tcp:h:2,interval=20ms,output-commit=serial,net");
        assertEquals("tcp:h:2", s.reprotect());
        FtConfig p = s.successor(Duration.ofSeconds(5));
        assertEquals(FtRole.PRIMARY, p.role());
        assertEquals("tcp:h:2", p.address());
        assertEquals(Duration.ofMillis(20), p.interval());
        assertEquals(Duration.ofSeconds(5), p.timeout(), "the timeout the standby adopted");
        assertEquals(Set.of(OutputKind.SERIAL, OutputKind.NET), p.outputCommit());
        assertNull(p.reprotect());
        assertTrue(p.precopy(), "pre-copy rounds by default");
        assertFalse(FtConfig.parse("primary,peer=a:b,password-file=" + pw() + ",fencing=none" + ",full-sync=stop").precopy());
        assertEquals("--ft: full-sync='later' is neither precopy nor stop", assertThrows(IllegalArgumentException.class,
                () -> FtConfig.parse("primary,peer=a:b,password-file=" + pw() + ",fencing=none" + ",full-sync=later")).getMessage());
        FtConfig own = FtConfig.parse("standby,listen=tcp:h:1,password-file=" + pw() + ",fencing=none" + ",reprotect=tcp:h:2,timeout=2s");
        assertEquals(Duration.ofSeconds(2), own.successor(Duration.ofSeconds(5)).timeout());
        assertThrows(IllegalStateException.class,
                () -> FtConfig.parse("standby,listen=tcp:h:1,password-file=" + pw() + ",fencing=none").successor(Duration.ZERO));
    }

    @Test
    void aLeaseFileOrAWitnessFencesThePairAndNoFencingMustBeAskedFor() throws Exception {
        String base = "primary,peer=tcp:h:1,password-file=" + pw();
        FtConfig file = FtConfig.parse(base + ",lease=file:/shared/ft.lease");
        assertEquals(new Fencing.LeaseFile(Path.of("/shared/ft.lease")), file.fencing());
        assertEquals(new Fencing.Witness("tcp:h:3"), FtConfig.parse(base + ",witness=tcp:h:3").fencing());
        assertEquals(new Fencing.None(), FtConfig.parse(base + ",fencing=none").fencing());
        assertEquals(new Fencing.LeaseFile(Path.of("/shared/ft.lease")), FtConfig.parse("standby,listen=tcp:h:1,password-file="
                + pw() + ",lease=file:/shared/ft.lease,reprotect=tcp:h:2").successor(Duration.ofSeconds(1)).fencing(),
                "the primary a standby becomes keeps its fencing");
        String none = "--ft: no fencing: give witness=URI (a tern witness) or lease=file:PATH (a file both sides lock) on"
                + " both sides, or fencing=none to accept that a partition can make both sides run the guest";
        assertEquals(none, assertThrows(IllegalArgumentException.class, () -> FtConfig.parse(base)).getMessage());
        assertEquals(none, assertThrows(IllegalArgumentException.class,
                () -> FtConfig.parse("standby,listen=tcp:h:1,password-file=" + pw())).getMessage());
        assertEquals("--ft: fencing='witness' is not none (fencing=none runs the pair without a lease; for a lease give"
                + " witness=URI or lease=file:PATH instead)", assertThrows(IllegalArgumentException.class,
                        () -> FtConfig.parse(base + ",fencing=witness")).getMessage());
        assertEquals("--ft: lease='tcp:h:3' is not file:PATH (a file both sides lock; for a witness process use"
                + " witness=URI)", assertThrows(IllegalArgumentException.class,
                        () -> FtConfig.parse(base + ",lease=tcp:h:3")).getMessage());
        assertEquals("--ft: lease='file:' is not file:PATH (a file both sides lock; for a witness process use"
                + " witness=URI)", assertThrows(IllegalArgumentException.class,
                        () -> FtConfig.parse(base + ",lease=file:")).getMessage());
        assertEquals("--ft: witness= and lease= each name the fencing; give one", assertThrows(
                IllegalArgumentException.class, () -> FtConfig.parse(base + ",witness=tcp:h:3,lease=file:x")).getMessage());
        assertEquals("--ft: witness= and fencing=none each name the fencing; give one", assertThrows(
                IllegalArgumentException.class, () -> FtConfig.parse(base + ",witness=tcp:h:3,fencing=none")).getMessage());
        assertEquals("--ft: lease= and fencing=none each name the fencing; give one", assertThrows(
                IllegalArgumentException.class, () -> FtConfig.parse(base + ",fencing=none,lease=file:x")).getMessage());
    }

    @Test
    void namesWhatIsWrong() throws Exception {
        String pw = pw();
        assertEquals("--ft standby: unknown key 'peer' (known: cache-size, codecs, epoch-bytes, fencing, full-sync, "
                + "handshake-timeout, held-batches, held-bytes, interval, lease, listen, output-commit, output-latency, password-file, release-step, "
                + "reprotect, sync-bandwidth, timeout, witness)",
                assertThrows(IllegalArgumentException.class,
                        () -> FtConfig.parse("standby,listen=tcp:h:1,password-file=" + pw + ",peer=a:b")).getMessage());
        assertEquals("--ft standby: interval= applies to the primary a standby becomes when it protects the guest after"
                + " taking over; it needs reprotect=URI",
                assertThrows(IllegalArgumentException.class,
                        () -> FtConfig.parse("standby,listen=tcp:h:1,password-file=" + pw + ",interval=5ms")).getMessage());
        assertEquals("--ft: reprotect= needs the address of the next standby",
                assertThrows(IllegalArgumentException.class,
                        () -> FtConfig.parse("standby,listen=tcp:h:1,password-file=" + pw + ",reprotect=")).getMessage());
        assertEquals("--ft primary: unknown key 'colour' (known: cache-size, codecs, epoch-bytes, fencing, full-sync, "
                + "handshake-timeout, held-batches, held-bytes, interval, lease, output-commit, output-latency, password-file, peer, release-step, "
                + "sync-bandwidth, timeout, witness)",
                assertThrows(IllegalArgumentException.class,
                        () -> FtConfig.parse("primary,peer=tcp:h:1,password-file=" + pw + ",colour=red")).getMessage());
        assertEquals("--ft: the first item must be primary or standby, not 'backup'",
                assertThrows(IllegalArgumentException.class, () -> FtConfig.parse("backup,listen=x")).getMessage());
        assertEquals("--ft: missing peer=...",
                assertThrows(IllegalArgumentException.class, () -> FtConfig.parse("primary,password-file=" + pw))
                        .getMessage());
        assertEquals("--ft: interval='fast' is not a duration (e.g. 50ms, 2s)",
                assertThrows(IllegalArgumentException.class,
                        () -> FtConfig.parse("primary,peer=a:b,password-file=" + pw + ",interval=fast")).getMessage());
        assertEquals("--ft: interval=0ms is not within 1ms..1h",
                assertThrows(IllegalArgumentException.class,
                        () -> FtConfig.parse("primary,peer=a:b,password-file=" + pw + ",interval=0ms")).getMessage());
        assertEquals("--ft: key 'peer' given twice", assertThrows(IllegalArgumentException.class,
                () -> FtConfig.parse("primary,peer=a:b,peer=c:d,password-file=" + pw)).getMessage());
        assertEquals("--ft: output-commit: 'disk' is not an output kind (serial, net, blk), or none",
                assertThrows(IllegalArgumentException.class, () -> FtConfig.parse("primary,peer=a:b,password-file=" + pw
                        + ",output-commit=serial,disk")).getMessage());
        assertEquals("--ft: output-commit names 'net' twice", assertThrows(IllegalArgumentException.class,
                () -> FtConfig.parse("primary,peer=a:b,password-file=" + pw + ",output-commit=net,net")).getMessage());
        Path empty = dir.resolve("empty");
        Files.writeString(empty, "\n");
        assertEquals("--ft: password-file " + empty + " is empty", assertThrows(IllegalArgumentException.class,
                () -> FtConfig.parse("standby,listen=a:b,password-file=" + empty)).getMessage());
    }

    @Test
    void syncBandwidthTakesARateOfAtLeastOneMibPerSecond() throws Exception {
        String base = "primary,peer=tcp:127.0.0.1:7000,password-file=" + pw() + ",fencing=none";
        assertEquals(0, FtConfig.parse(base).syncBandwidth(), "no limit by default");
        assertEquals(100L << 20, FtConfig.parse(base + ",sync-bandwidth=100M").syncBandwidth());
        assertEquals(0, FtConfig.parse(base + ",sync-bandwidth=0").syncBandwidth());
        IllegalArgumentException slow = assertThrows(IllegalArgumentException.class,
                () -> FtConfig.parse(base + ",sync-bandwidth=64K"));
        assertTrue(slow.getMessage().contains("below 1M"), slow.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> FtConfig.parse(base + ",sync-bandwidth=fast"));
        assertTrue(bad.getMessage().contains("sync-bandwidth='fast'"), bad.getMessage());
        String standby = "standby,listen=tcp:127.0.0.1:7000,password-file=" + pw() + ",fencing=none" + ",reprotect=tcp:127.0.0.1:7001";
        assertEquals(8L << 20, FtConfig.parse(standby + ",sync-bandwidth=8M").successor(null).syncBandwidth(),
                "a standby's limit applies once it is a primary");
    }

    @Test
    void codecsAndCacheSizeAreParsedAndCheckedAndPassToTheSuccessor() throws Exception {
        String base = "primary,peer=tcp:127.0.0.1:7000,password-file=" + pw() + ",fencing=none";
        FtConfig dflt = FtConfig.parse(base);
        assertNull(dflt.codecs(), "default: every installed delta codec");
        assertEquals(0, dflt.cacheSize());
        FtConfig both = FtConfig.parse(base + ",codecs=xbzrle,lz4,cache-size=16M,interval=20ms");
        assertEquals(java.util.List.of("xbzrle", "lz4"), both.codecs());
        assertEquals(16L << 20, both.cacheSize());
        assertEquals(java.util.List.of(), FtConfig.parse(base + ",codecs=none").codecs());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FtConfig.parse(base + ",codecs=lz4,lz4"))
                .getMessage().contains("names 'lz4' twice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FtConfig.parse(base + ",cache-size=100"))
                .getMessage().contains("less than one page"));
        String standby = "standby,listen=tcp:h:1,password-file=" + pw() + ",fencing=none";
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FtConfig.parse(standby + ",codecs=lz4"))
                .getMessage().contains("needs reprotect=URI"));
        FtConfig next = FtConfig.parse(standby + ",reprotect=tcp:h:2,codecs=lz4,cache-size=1M").successor(null);
        assertEquals(java.util.List.of("lz4"), next.codecs());
        assertEquals(1L << 20, next.cacheSize());
    }

    @Test
    void theReleaseStepDefaultsToASmallNumberIsBoundedAndPassesToTheSuccessor() throws Exception {
        String base = "primary,peer=tcp:127.0.0.1:7000,password-file=" + pw() + ",fencing=none";
        assertEquals(1, FtConfig.parse(base).releaseStep(), "one output: the least window after a failover");
        assertEquals(1, FtConfig.parse(base + ",release-step=1").releaseStep());
        for (String bad : new String[] {"0", "-3", "65537", "eight", ""}) {
            assertEquals("--ft: release-step='" + bad + "' is not a whole number of outputs within 1..65536",
                    assertThrows(IllegalArgumentException.class, () -> FtConfig.parse(base + ",release-step=" + bad))
                            .getMessage());
        }
        String standby = "standby,listen=tcp:h:1,password-file=" + pw() + ",fencing=none";
        assertEquals(32, FtConfig.parse(standby + ",reprotect=tcp:h:2,release-step=32").successor(null).releaseStep());
    }

    @Test
    void heldOutputLimitsAreKeysWithTheDefaultsOfEveryMachine() throws Exception {
        String base = "primary,peer=tcp:127.0.0.1:7000,password-file=" + pw() + ",fencing=none";
        assertEquals(HeldOutputLimits.DEFAULT, FtConfig.parse(base).heldOutput());
        assertEquals(new HeldOutputLimits(64, 32L << 20, 8L << 20), FtConfig.parse(base).heldOutput(),
                "64 batches, 32 MiB, epochs of 8 MiB");
        assertEquals(new HeldOutputLimits(8, 1L << 20, 256L << 10),
                FtConfig.parse(base + ",held-batches=8,held-bytes=1M").heldOutput(), "the epoch a quarter of held-bytes");
        assertEquals(new HeldOutputLimits(3, 4096, 100),
                FtConfig.parse(base + ",held-bytes=4K,epoch-bytes=100,held-batches=3").heldOutput());
        assertEquals(new HeldOutputLimits(64, 1L << 30, 32L << 20), FtConfig.parse(base + ",held-bytes=1G").heldOutput(),
                "a quarter of 1 GiB is past half a section's bound: the epoch stops there");
        String standby = "standby,listen=tcp:h:1,password-file=" + pw() + ",fencing=none";
        assertEquals(new HeldOutputLimits(2, 1L << 20), FtConfig.parse(standby + ",held-batches=2,held-bytes=1M")
                .heldOutput(), "the standby's kept limits");
        assertEquals("--ft standby: epoch-bytes= applies to the primary a standby becomes when it protects the guest"
                + " after taking over; it needs reprotect=URI", assertThrows(IllegalArgumentException.class,
                        () -> FtConfig.parse(standby + ",epoch-bytes=1M")).getMessage());
        assertEquals(new HeldOutputLimits(2, 1L << 20, 4096), FtConfig.parse(standby
                + ",reprotect=tcp:h:2,held-batches=2,held-bytes=1M,epoch-bytes=4K").successor(null).heldOutput(),
                "the primary it becomes keeps them");
    }

    @Test
    void badHeldOutputLimitsAreRefusedNamingTheKey() throws Exception {
        String base = "primary,peer=tcp:127.0.0.1:7000,password-file=" + pw() + ",fencing=none";
        for (String bad : new String[] {"0", "-1", "65537", "many", ""}) {
            assertEquals("--ft: held-batches='" + bad + "' is not a whole number of batches within 1..65536",
                    assertThrows(IllegalArgumentException.class, () -> FtConfig.parse(base + ",held-batches=" + bad))
                            .getMessage());
        }
        assertEquals("--ft: held-bytes='lots' is not a size in bytes (e.g. 32M)", assertThrows(
                IllegalArgumentException.class, () -> FtConfig.parse(base + ",held-bytes=lots")).getMessage());
        assertEquals("--ft: held-bytes='0' is not within 1..1073741824 bytes", assertThrows(
                IllegalArgumentException.class, () -> FtConfig.parse(base + ",held-bytes=0")).getMessage());
        assertEquals("--ft: held-bytes='2G' is not within 1..1073741824 bytes", assertThrows(
                IllegalArgumentException.class, () -> FtConfig.parse(base + ",held-bytes=2G")).getMessage());
        assertEquals("--ft: epoch-bytes='64M' is not within 1..33554432 bytes", assertThrows(
                IllegalArgumentException.class, () -> FtConfig.parse(base + ",epoch-bytes=64M")).getMessage());
        assertEquals("--ft: epoch-bytes='-5' is not a size in bytes (e.g. 8M)", assertThrows(
                IllegalArgumentException.class, () -> FtConfig.parse(base + ",epoch-bytes=-5")).getMessage());
        assertEquals("--ft: epoch-bytes=2M (2097152 bytes) is more than held-bytes (1048576 bytes): an epoch is part of"
                + " the held output", assertThrows(IllegalArgumentException.class,
                        () -> FtConfig.parse(base + ",held-bytes=1M,epoch-bytes=2M")).getMessage());
        assertEquals("--ft: key 'held-bytes' given twice", assertThrows(IllegalArgumentException.class,
                () -> FtConfig.parse(base + ",held-bytes=1M,held-bytes=2M")).getMessage());
    }
}
