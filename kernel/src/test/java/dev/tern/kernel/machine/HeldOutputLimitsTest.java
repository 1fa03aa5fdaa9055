package dev.tern.kernel.machine;

import dev.tern.kernel.state.StreamLimits;
import dev.tern.spi.device.OutputKind;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bounds on held output (docs/protocols/ft.md, "Limits"): the primary's sealed, undelivered
 * batches and held bytes, at the limit and one past it, and the standby's kept batches, which it
 * refuses to extend past the limit before anything of the checkpoint is applied.
 */
class HeldOutputLimitsTest {

    private final List<String> primarySeen = new ArrayList<>();
    private final List<String> standbySeen = new ArrayList<>();

    private static Consumer<byte[]> serial(OutputPath path, List<String> seen) {
        return path.register("serial0", OutputKind.SERIAL,
                (pos, data) -> seen.add(pos + ":" + new String(data, StandardCharsets.US_ASCII)));
    }

    private static void print(Consumer<byte[]> out, String text) {
        out.accept(text.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void thePrimaryHasNoRoomForAnotherBatchAtTheLimitAndRoomAgainOnceOneIsDelivered() {
        OutputPath primary = new OutputPath(new HeldOutputLimits(2, 1000));
        Consumer<byte[]> out = serial(primary, primarySeen);
        primary.hold(EnumSet.allOf(OutputKind.class), () -> { });
        print(out, "a");
        primary.checkpointSection(1).save();
        assertTrue(primary.roomForCheckpoint(), "one batch of two");
        print(out, "b");
        primary.checkpointSection(2).save();
        assertEquals(2, primary.sealedBatches());
        assertFalse(primary.roomForCheckpoint(), "two batches of two: a third would be past the limit");
        print(out, "c");
        assertEquals(3, primary.heldBytes(), "nothing dropped at the limit: the epoch still holds the output");
        assertEquals(List.of(), primarySeen);
        primary.release(1);
        assertEquals(List.of("0:a"), primarySeen);
        assertTrue(primary.roomForCheckpoint(), "checkpoint 1's batch delivered: room for one more");
        assertEquals(2, primary.heldBytes());
    }

    @Test
    void thePrimaryHasNoRoomAtTheByteLimitAndAFullEpochAsksForACheckpointOnce() {
        OutputPath primary = new OutputPath(new HeldOutputLimits(64, 8));
        Consumer<byte[]> out = serial(primary, primarySeen);
        int[] full = {0};
        primary.hold(EnumSet.allOf(OutputKind.class), () -> { }, () -> full[0]++);
        print(out, "x");
        assertEquals(0, full[0]);
        print(out, "y");
        assertEquals(1, full[0], "2 bytes: a quarter of the 8-byte limit, a checkpoint is due at once");
        print(out, "abcdef");
        assertEquals(1, full[0], "once per epoch");
        assertTrue(primary.roomForCheckpoint(), "the epoch's 8 bytes: only a checkpoint can seal them");
        primary.checkpointSection(1).save();
        assertFalse(primary.roomForCheckpoint(), "8 sealed, undelivered bytes of at most 8");
        print(out, "gh");
        assertEquals(2, full[0], "a new epoch asks again");
        assertEquals(10, primary.heldBytes(), "nothing dropped at the limit");
        primary.release(1);
        assertTrue(primary.roomForCheckpoint(), "checkpoint 1's bytes delivered");
        assertEquals(List.of("0:xyabcdef"), primarySeen);
        primary.checkpointSection(2).save();
        assertTrue(primary.roomForCheckpoint(), "2 of 8 bytes");
    }

    @Test
    void theStandbyKeepsBatchesUpToItsLimitAndRefusesOneMoreLeavingItsStateAsItWas() {
        var limits = new HeldOutputLimits(2, 1000);
        OutputPath primary = new OutputPath(new HeldOutputLimits(8, 1000)); // a primary that ignores the standby's limit
        OutputPath standby = new OutputPath(limits);
        Consumer<byte[]> out = serial(primary, primarySeen);
        serial(standby, standbySeen);
        primary.hold(EnumSet.allOf(OutputKind.class), () -> { });
        for (long seq = 1; seq <= 2; seq++) {
            print(out, "o" + seq);
            var b = primary.checkpointSection(seq).save();
            var section = standby.checkpointSection(seq);
            assertEquals(Optional.empty(), section.validate(b), "batch " + seq + " of at most 2");
            section.load(b);
        }
        assertEquals(2, standby.inheritedBatches());
        print(out, "o3");
        var third = primary.checkpointSection(3).save();
        assertEquals(Optional.of("the standby keeps 2 batches of held output the primary has not reported delivered,"
                + " its limit (2 batches): one more is refused"), standby.checkpointSection(3).validate(third));
        assertEquals(2, standby.inheritedBatches(), "nothing of the refused checkpoint was kept");
        assertEquals(Optional.empty(), standby.deliveredByPrimary(1, 1));
        assertEquals(Optional.empty(), standby.checkpointSection(3).validate(third),
                "the primary reported batch 1 delivered: room for batch 3");
        assertEquals(1, standby.takeOver(), "batch 2, which the primary had not reported delivered");
        assertEquals(List.of("2:o2"), standbySeen);
    }

    @Test
    void emptyBatchesDoNotCountAgainstTheStandbysLimit() {
        OutputPath primary = new OutputPath(new HeldOutputLimits(8, 1000));
        OutputPath standby = new OutputPath(new HeldOutputLimits(1, 1000));
        Consumer<byte[]> out = serial(primary, primarySeen);
        serial(standby, standbySeen);
        primary.hold(EnumSet.allOf(OutputKind.class), () -> { });
        for (long seq = 1; seq <= 3; seq++) {
            var b = primary.checkpointSection(seq).save(); // the guest printed nothing
            assertEquals(Optional.empty(), standby.checkpointSection(seq).validate(b));
            standby.checkpointSection(seq).load(b);
        }
        print(out, "z");
        var b = primary.checkpointSection(4).save();
        assertEquals(Optional.empty(), standby.checkpointSection(4).validate(b), "one batch with output, at the limit");
    }

    @Test
    void theStandbyRefusesBytesPastItsLimitNamingIt() {
        var limits = new HeldOutputLimits(8, 1);
        OutputPath standby = new OutputPath(limits);
        serial(standby, standbySeen);
        long past = limits.keptBytes() + 1;
        assertEquals(1 + StreamLimits.FULL_SECTION_BYTES, limits.keptBytes(),
                "the primary's limit, which it checks before it seals, and the epoch it then seals");
        // a byte past the limit: a primary keeping its own limit never sends it
        var batch = new OutputPath.Batch(List.of(new OutputPath.ChannelEnd("serial0/serial", past)),
                List.of(new OutputPath.Held("serial0/serial", 0, new byte[(int) past])));
        assertEquals(Optional.of("the standby would keep " + past + " bytes of held output the primary has not reported"
                + " delivered, more than its limit of " + limits.keptBytes() + " bytes"),
                standby.checkpointSection(1).validate(batch));
        assertEquals(0, standby.inheritedBatches());
    }

    @Test
    void limitsAreBounded() {
        assertEquals("held output limit of 0 batches is not within 1..65536",
                assertThrows(IllegalArgumentException.class, () -> new HeldOutputLimits(0, 5)).getMessage());
        assertEquals("held output limit of 0 bytes is not within 1..1073741824",
                assertThrows(IllegalArgumentException.class, () -> new HeldOutputLimits(1, 0)).getMessage());
        assertEquals("an epoch of 6 held bytes is not within 1..5 (the held bytes, and half a section's bound)",
                assertThrows(IllegalArgumentException.class, () -> new HeldOutputLimits(1, 5, 6)).getMessage());
        assertEquals(64, HeldOutputLimits.DEFAULT.batches());
        assertEquals(32L << 20, HeldOutputLimits.DEFAULT.bytes());
        assertEquals(8L << 20, HeldOutputLimits.DEFAULT.epochBytes());
    }

    @Test
    void aPathTakesItsConfiguredLimitsBeforeTheGuestRuns() {
        OutputPath primary = new OutputPath();
        assertEquals(HeldOutputLimits.DEFAULT, primary.limits());
        primary.limit(new HeldOutputLimits(1, 1000, 3));
        Consumer<byte[]> out = serial(primary, primarySeen);
        int[] full = {0};
        primary.hold(EnumSet.allOf(OutputKind.class), () -> { }, () -> full[0]++);
        print(out, "ab");
        assertEquals(0, full[0]);
        print(out, "c");
        assertEquals(1, full[0], "3 bytes: the configured epoch, not a quarter of the held bytes");
        primary.checkpointSection(1).save();
        assertFalse(primary.roomForCheckpoint(), "one sealed batch of at most one");
    }
}
