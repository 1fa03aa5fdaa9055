package dev.tern.kernel.machine;

import dev.tern.spi.device.OutputKind;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The output path alone: a primary's path and a standby's, with the held-output section carried
 * between them as a checkpoint carries it.
 */
class OutputPathTest {

    /** What one sink received: "position:text" per delivery. */
    private final List<String> primarySeen = new ArrayList<>();
    private final List<String> standbySeen = new ArrayList<>();

    private static Consumer<byte[]> serial(OutputPath path, List<String> seen) {
        return path.register("serial0", OutputKind.SERIAL,
                (pos, data) -> seen.add(pos + ":" + new String(data, StandardCharsets.US_ASCII)));
    }

    private static void print(Consumer<byte[]> out, String text) {
        for (byte b : text.getBytes(StandardCharsets.US_ASCII)) {
            out.accept(new byte[] {b}); // a UART's way: one byte at a time
        }
    }

    /** Carries checkpoint {@code seq}'s held-output section from one path to the other. */
    private static void carry(OutputPath from, OutputPath to, long seq) {
        var section = to.checkpointSection(seq);
        OutputPath.Batch b = from.checkpointSection(seq).save();
        assertEquals(java.util.Optional.empty(), section.validate(b));
        section.load(b);
    }

    @Test
    void withoutHoldingOutputIsDeliveredAtOnceWithItsPosition() {
        OutputPath path = new OutputPath();
        Consumer<byte[]> out = serial(path, primarySeen);
        print(out, "ab");
        assertEquals(List.of("0:a", "1:b"), primarySeen);
    }

    @Test
    void heldOutputWaitsForItsCheckpointsAcknowledgement() {
        OutputPath primary = new OutputPath();
        OutputPath standby = new OutputPath();
        Consumer<byte[]> out = serial(primary, primarySeen);
        serial(standby, standbySeen);
        int[] firsts = {0};
        primary.hold(EnumSet.allOf(OutputKind.class), () -> firsts[0]++);
        print(out, "one\n");
        assertEquals(1, firsts[0], "the first held output of an epoch asks for an early checkpoint, once");
        carry(primary, standby, 1);
        print(out, "two\n");
        assertEquals(List.of(), primarySeen, "nothing leaves before the acknowledgement");
        primary.release(1);
        assertEquals(List.of("0:one\n"), primarySeen, "checkpoint 1's bytes, joined into one output");
        assertEquals(2, firsts[0]);
        assertEquals(java.util.Optional.empty(), standby.deliveredByPrimary(1, 1));
        assertEquals(0, standby.takeOver(), "the primary delivered checkpoint 1's output: not again");
        assertEquals(List.of(), standbySeen);
    }

    @Test
    void aStandbyTakingOverDeliversWhatThePrimaryHadNotAndContinuesThePositions() {
        OutputPath primary = new OutputPath();
        OutputPath standby = new OutputPath();
        Consumer<byte[]> out = serial(primary, primarySeen);
        Consumer<byte[]> standbyOut = serial(standby, standbySeen);
        primary.hold(Set.of(OutputKind.SERIAL), () -> { });
        print(out, "one\n");
        carry(primary, standby, 1);
        primary.release(1);
        assertEquals(java.util.Optional.empty(), standby.deliveredByPrimary(1, 1)); // its RELEASED
        print(out, "two\n");
        carry(primary, standby, 2); // acknowledged, and the primary dies before delivering it
        print(out, "three\n"); // never checkpointed: lost with the primary, as its execution is
        assertEquals(List.of("0:one\n"), primarySeen);
        assertEquals(1, standby.takeOver());
        assertEquals(List.of("4:two\n"), standbySeen);
        print(standbyOut, "3");
        assertEquals("8:3", standbySeen.getLast(), "the standby's guest continues the stream's positions");
    }

    /** A standby holding checkpoints 1-3 of {@code primary}, one line each, acknowledged and never released. */
    private OutputPath threeUnreleasedBatches(OutputPath primary) {
        OutputPath standby = new OutputPath();
        Consumer<byte[]> out = serial(primary, primarySeen);
        serial(standby, standbySeen);
        primary.hold(Set.of(OutputKind.SERIAL), () -> { });
        for (int seq = 1; seq <= 3; seq++) {
            print(out, "c" + seq + "\n");
            carry(primary, standby, seq);
        }
        return standby;
    }

    /**
     * A primary whose lease no longer covers now stops releasing, yet its checkpoints may still be
     * acknowledged: the standby then holds several batches the world has not seen, and a takeover
     * must deliver all of them, oldest first — not only the last checkpoint's.
     */
    @Test
    void aStandbyKeepsEveryBatchThePrimaryDidNotReportDeliveredAndDeliversThemInOrder() {
        OutputPath primary = new OutputPath();
        OutputPath standby = threeUnreleasedBatches(primary);
        carry(primary, standby, 4); // an epoch without output: nothing to deliver
        carry(primary, standby, 5);
        assertEquals(4, standby.inheritedBatches(), "three batches, and only the newest empty one");
        assertEquals(3, standby.takeOver());
        assertEquals(List.of("0:c1\n", "3:c2\n", "6:c3\n"), standbySeen);
        assertEquals(List.of(), primarySeen);
        assertEquals(0, standby.inheritedBatches());
    }

    @Test
    void aReleasedReportCoversItsBatchAndEveryOlderOneButAFalseCountChangesNothing() {
        OutputPath standby = threeUnreleasedBatches(new OutputPath());
        assertTrue(standby.deliveredByPrimary(2, 5).isPresent(), "checkpoint 2's batch has one output");
        assertEquals(3, standby.inheritedBatches(), "a refused report drops nothing");
        assertEquals(java.util.Optional.empty(), standby.deliveredByPrimary(2, 0)); // batch 1 went in full
        assertEquals(2, standby.inheritedBatches());
        assertEquals(java.util.Optional.empty(), standby.deliveredByPrimary(2, 1));
        assertEquals(1, standby.inheritedBatches());
        assertEquals(java.util.Optional.empty(), standby.deliveredByPrimary(1, 1), "superseded: changes nothing");
        assertEquals(1, standby.takeOver());
        assertEquals(List.of("6:c3\n"), standbySeen);
    }

    @Test
    void withoutAStandbyEverythingHeldIsDeliveredInOrderAndNothingMoreIsHeld() {
        OutputPath primary = new OutputPath();
        Consumer<byte[]> out = serial(primary, primarySeen);
        primary.hold(Set.of(OutputKind.SERIAL), () -> { });
        print(out, "a");
        primary.checkpointSection(1).save();
        print(out, "b");
        primary.open();
        print(out, "c");
        assertEquals(List.of("0:a", "1:b", "2:c"), primarySeen);
        assertTrue(!primary.holding());
    }

    @Test
    void aHandedOverPrimaryDropsWhatItHeld() {
        OutputPath primary = new OutputPath();
        Consumer<byte[]> out = serial(primary, primarySeen);
        primary.hold(Set.of(OutputKind.SERIAL), () -> { });
        print(out, "a");
        primary.checkpointSection(1).save();
        primary.handedOver();
        print(out, "b"); // the guest may run a little longer here before it stops
        primary.open();
        assertEquals(List.of(), primarySeen, "the standby delivers what was held; the rest is no one's");
    }

    @Test
    void framesAreNotJoinedAndCountOnePositionEach() {
        OutputPath primary = new OutputPath();
        var seen = new ArrayList<String>();
        Consumer<byte[]> net = primary.register("net0", OutputKind.NET, (pos, data) -> seen.add(pos + ":" + data.length));
        primary.hold(Set.of(OutputKind.NET), () -> { });
        net.accept(new byte[60]);
        net.accept(new byte[1514]);
        primary.checkpointSection(1).save();
        primary.release(1);
        assertEquals(List.of("0:60", "1:1514"), seen);
    }

    @Test
    void aBatchForAnotherMachineIsRefusedBeforeAnythingIsApplied() {
        OutputPath standby = new OutputPath();
        serial(standby, standbySeen);
        var section = standby.checkpointSection(1);
        var unknown = new OutputPath.Batch(List.of(new OutputPath.ChannelEnd("serial1/serial", 3)),
                List.of(new OutputPath.Held("serial1/serial", 0, new byte[3])));
        assertEquals("output channel serial1/serial does not exist on this machine", section.validate(unknown).get());
        var beyond = new OutputPath.Batch(List.of(new OutputPath.ChannelEnd("serial0/serial", 2)),
                List.of(new OutputPath.Held("serial0/serial", 0, new byte[3])));
        assertEquals("a held output of serial0/serial at position 0 is out of order or beyond the channel's end 2",
                section.validate(beyond).get());
        assertEquals(0, standby.takeOver(), "nothing was adopted");
        assertThrows(IllegalStateException.class, () -> standby.register("serial0", OutputKind.SERIAL, (p, d) -> { }));
    }

    @Test
    void diskWritesAreAppliedByTheStandbyWithTheCheckpointThatCoversThem() {
        OutputPath primary = new OutputPath();
        OutputPath standby = new OutputPath();
        var primaryDisk = new ArrayList<String>();
        var standbyDisk = new ArrayList<String>();
        Consumer<byte[]> write = primary.register("blk0", OutputKind.BLOCK, (pos, data) -> primaryDisk.add(pos + ""));
        standby.register("blk0", OutputKind.BLOCK, (pos, data) -> standbyDisk.add(pos + ":" + data.length));
        write.accept(new byte[8]);
        assertEquals(List.of(), primaryDisk, "the device applied it itself; unprotected, nothing is kept");
        primary.hold(Set.of(OutputKind.BLOCK), () -> { });
        write.accept(new byte[520]);
        write.accept(new byte[1032]);
        carry(primary, standby, 1);
        assertEquals(List.of("1:520", "2:1032"), standbyDisk, "applied with the checkpoint, before any takeover");
        primary.release(1);
        primary.open();
        assertEquals(List.of(), primaryDisk, "never applied twice on the primary");
        assertEquals(0, standby.takeOver(), "nothing left to deliver at a takeover");
        assertEquals(2, standbyDisk.size());
    }

    @Test
    void aBatchIsDeliveredInStepsAndTheStandbyRepeatsOnlyWhatWasNotReported() {
        OutputPath primary = new OutputPath();
        OutputPath standby = new OutputPath();
        var seen = new ArrayList<String>();
        var standbyNet = new ArrayList<String>();
        Consumer<byte[]> net = primary.register("net0", OutputKind.NET, (pos, data) -> seen.add("" + pos));
        Consumer<byte[]> write = primary.register("blk0", OutputKind.BLOCK, (pos, data) -> { });
        standby.register("net0", OutputKind.NET, (pos, data) -> standbyNet.add("" + pos));
        standby.register("blk0", OutputKind.BLOCK, (pos, data) -> { });
        primary.hold(Set.of(OutputKind.NET, OutputKind.BLOCK), () -> { });
        for (int i = 0; i < 7; i++) {
            write.accept(new byte[520]); // applied by the device: goes by without counting a step
            net.accept(new byte[60]);
        }
        carry(primary, standby, 1);
        assertEquals(new OutputPath.Progress(1, 6, false), primary.releaseStep(1, 3), "3 frames and the 3 writes before them");
        assertEquals(List.of("0", "1", "2"), seen);
        assertEquals(java.util.Optional.empty(), standby.deliveredByPrimary(1, 6));
        assertEquals(new OutputPath.Progress(1, 12, false), primary.releaseStep(1, 3));
        // the primary dies here, before it reports 12: the standby repeats frames 3..5, and sends 6
        assertEquals(4, standby.takeOver());
        assertEquals(List.of("3", "4", "5", "6"), standbyNet);
        assertEquals(new OutputPath.Progress(1, 14, true), primary.releaseStep(1, 3));
        assertEquals(null, primary.releaseStep(1, 3), "nothing left");
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6"), seen);
    }

    @Test
    void aReleaseReportCountingMoreOutputsThanTheBatchHasIsRefused() {
        OutputPath primary = new OutputPath();
        OutputPath standby = new OutputPath();
        print(serial(primary, primarySeen), "x");
        serial(standby, standbySeen);
        primary.hold(Set.of(OutputKind.SERIAL), () -> { });
        carry(primary, standby, 1);
        assertEquals("checkpoint 1's batch has 0 outputs, not 1", standby.deliveredByPrimary(1, 1).orElseThrow());
        assertEquals(java.util.Optional.empty(), standby.deliveredByPrimary(7, 1), "another checkpoint's: superseded");
    }

    /** A sink that takes {@code room} outputs and then fails, as a file on a full disk does. */
    private static final class FillingSink implements dev.tern.spi.device.OutputSink {
        final List<String> seen = new ArrayList<>();
        private int room;
        private String failure;

        FillingSink(int room) {
            this.room = room;
        }

        @Override
        public void deliver(long position, byte[] data) {
            if (failure == null && room-- > 0) {
                seen.add(position + ":" + new String(data, StandardCharsets.US_ASCII));
            } else if (failure == null) {
                failure = "out.log: File too large";
            }
        }

        @Override
        public java.util.Optional<String> failure() {
            return java.util.Optional.ofNullable(failure);
        }
    }

    @Test
    void anOutputASinkDidNotTakeIsNotCountedDeliveredAndTheStandbyDeliversIt() {
        OutputPath primary = new OutputPath();
        OutputPath standby = new OutputPath();
        var full = new FillingSink(2);
        Consumer<byte[]> net = primary.register("net0", OutputKind.NET, full);
        standby.register("net0", OutputKind.NET, (pos, data) -> standbySeen.add(pos + ":" + new String(data,
                StandardCharsets.US_ASCII)));
        primary.hold(Set.of(OutputKind.NET), () -> { });
        for (String frame : List.of("a", "b", "c", "d")) {
            net.accept(frame.getBytes(StandardCharsets.US_ASCII));
        }
        carry(primary, standby, 1);
        assertEquals(new OutputPath.Progress(1, 2, false), primary.releaseStep(1, 3), "frame c was not taken");
        assertEquals("output net0/net at position 2 was not taken: out.log: File too large",
                primary.refusal().orElseThrow());
        assertEquals(null, primary.releaseStep(1, 3), "nothing more is released after a refusal");
        primary.open();
        assertEquals(List.of("0:a", "1:b"), full.seen);
        assertEquals(java.util.Optional.empty(), standby.deliveredByPrimary(1, 2));
        assertEquals(2, standby.takeOver());
        assertEquals(List.of("2:c", "3:d"), standbySeen, "the standby delivers what the full sink did not take");
    }

    @Test
    void anOutputNotTakenWithoutHoldingIsReportedOnce() {
        OutputPath path = new OutputPath();
        var full = new FillingSink(1);
        var told = new ArrayList<String>();
        path.onRefused(told::add);
        Consumer<byte[]> out = path.register("serial0", OutputKind.SERIAL, full);
        print(out, "xyz");
        assertEquals(List.of("0:x"), full.seen);
        assertEquals(List.of("output serial0/serial at position 1 was not taken: out.log: File too large"), told);
    }

    @Test
    void aDiskWriteTheStandbysImageDidNotTakeIsItsRefusal() {
        OutputPath primary = new OutputPath();
        OutputPath standby = new OutputPath();
        Consumer<byte[]> write = primary.register("blk0", OutputKind.BLOCK, (pos, data) -> { });
        standby.register("blk0", OutputKind.BLOCK, new FillingSink(0));
        primary.hold(Set.of(OutputKind.BLOCK), () -> { });
        write.accept(new byte[520]);
        carry(primary, standby, 1);
        assertEquals("output blk0/blk at position 0 was not taken: out.log: File too large",
                standby.refusal().orElseThrow());
    }
}
