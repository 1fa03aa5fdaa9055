package dev.tern.kernel.machine;

import dev.tern.spi.device.OutputKind;
import dev.tern.spi.device.OutputSink;
import dev.tern.spi.state.StateSection;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The machine's one output path: every guest output that leaves the machine — a UART's bytes, a
 * network card's frames, a block device's writes — passes here on its way to the device's host
 * sink ({@code MachineControl.outputs}). Normally an output is delivered at once. A
 * fault-tolerance primary makes the path <em>hold</em> the kinds it commits: outputs wait in the
 * current epoch; a checkpoint seals the epoch into a batch (inside the checkpoint's vCPU stop, so
 * the batch is exactly the output of the execution that checkpoint covers) and carries it to the
 * standby ({@link #checkpointSection}); the batch is delivered when the standby acknowledged that
 * checkpoint ({@link #release}). A standby keeps the batches of the checkpoints it applied until the
 * primary says it delivered them (RELEASED) and, if it takes over first, delivers what is left
 * itself, oldest first ({@link #takeOver}); positions let a file sink make a repeated delivery
 * harmless. It keeps every such batch, not only the last: a primary that stops releasing (its lease
 * no longer covers now) may still take checkpoints the standby acknowledges, and the outputs of
 * those earlier batches exist nowhere else.
 *
 * <p>Outputs the device applied itself ({@link OutputKind#appliedByDevice()}, disk writes) are
 * never delivered on the primary: a checkpoint carries them, and the standby applies them to its
 * own image when it applies that checkpoint, so its disk always equals the checkpoint it holds.
 *
 * <p>Held output is bounded ({@link HeldOutputLimits}): a primary at its limit takes no checkpoint
 * until delivery makes room ({@link #roomForCheckpoint()}), and a standby refuses a batch that
 * would keep more than the limit.
 *
 * <p>A sink that says it failed ({@code OutputSink.failure()}: a full disk) did not take the output
 * it failed on: from then on this path delivers nothing more and counts nothing more as delivered
 * ({@link #refusal()}), so that fault tolerance hands the undelivered output to the standby or
 * stops the guest, instead of reporting lost output as released.
 *
 * <p>One lock orders everything: deliveries of one channel happen in position order, and sinks
 * run under it (they must not block for long, which {@code OutputSink} requires).
 */
public final class OutputPath {

    /** One output waiting for its checkpoint. */
    public record Held(String channel, long position, byte[] data) {
    }

    /** A channel's position after a batch: where its next output goes. */
    public record ChannelEnd(String channel, long position) {
    }

    /** The held outputs of one epoch, and where every channel stands at its end (a state record). */
    public record Batch(List<ChannelEnd> channels, List<Held> outputs) {
    }

    /**
     * How far the delivery of checkpoint {@code checkpoint}'s batch got: its first {@code done}
     * outputs are delivered ({@code complete}: all of them).
     */
    public record Progress(long checkpoint, int done, boolean complete) {
    }

    /** A batch waiting for its acknowledgement, or being delivered: its first {@code done} outputs went. */
    private static final class Sealed {
        final long checkpoint;
        final Batch batch;
        int done;

        Sealed(long checkpoint, Batch batch) {
            this.checkpoint = checkpoint;
            this.batch = batch;
        }
    }

    private static final class Channel {
        final String name;
        final OutputKind kind;
        final OutputSink sink;
        long next;

        Channel(String name, OutputKind kind, OutputSink sink) {
            this.name = name;
            this.kind = kind;
            this.sink = sink;
        }
    }

    private final Map<String, Channel> channels = new LinkedHashMap<>();
    private final Set<OutputKind> held = EnumSet.noneOf(OutputKind.class);
    private final List<Held> epoch = new ArrayList<>();
    private final ArrayDeque<Sealed> sealed = new ArrayDeque<>();
    private volatile HeldOutputLimits limits;
    private Runnable onFirstHeld = () -> { };
    private Runnable onEpochFull = () -> { };
    /** The current epoch reached {@link HeldOutputLimits#epochBytes()} and said so. */
    private boolean epochFull;
    /** The first sink failure, naming the channel, the position and what failed; null while all took their output. */
    private String refused;
    /** Told (outside the lock) when an output delivered at once, not held, was not taken. */
    private Consumer<String> onRefused = why -> { };
    /** Handed over or fenced: the guest's output here is no one's to see, until it stops. */
    private boolean discarding;
    private long epochBytes;
    private long heldTotal;
    private long releasedTotal;
    /**
     * The standby's batches the primary has not reported delivered in full, oldest first; each
     * one's {@code done} counts the outputs the primary reported delivered (RELEASED).
     */
    private final ArrayDeque<Sealed> inherited = new ArrayDeque<>();

    /** A path with the {@link HeldOutputLimits#DEFAULT default} limits. */
    public OutputPath() {
        this(HeldOutputLimits.DEFAULT);
    }

    OutputPath(HeldOutputLimits limits) {
        this.limits = limits;
    }

    /** The channel name of {@code device}'s {@code kind} output, e.g. {@code serial0/serial}. */
    static String channelName(String device, OutputKind kind) {
        return device + "/" + kind.label();
    }

    /**
     * Registers a channel and returns where its device hands outputs.
     *
     * @throws IllegalStateException when the device registered this kind already
     */
    synchronized Consumer<byte[]> register(String device, OutputKind kind, OutputSink sink) {
        String name = channelName(device, kind);
        Channel c = new Channel(name, kind, sink);
        if (channels.putIfAbsent(name, c) != null) {
            throw new IllegalStateException("output channel " + name + " is registered already");
        }
        return data -> emit(c, data);
    }

    /** Forgets {@code device}'s channels (a device taken out of the machine); its name may register again. */
    synchronized void forget(String device) {
        channels.keySet().removeIf(name -> name.startsWith(device + "/"));
    }

    private void emit(Channel c, byte[] data) {
        boolean first;
        boolean full;
        String notTaken = null;
        synchronized (this) {
            long at = c.next;
            c.next += c.kind.units(data.length);
            if (discarding) {
                return;
            }
            if (!held.contains(c.kind)) {
                // delivered even after a refusal: without a standby nothing is gated, and the run's
                // owner (onRefused) decides whether the guest goes on
                boolean earlier = refused != null;
                if (!c.kind.appliedByDevice() && !taken(c, at, data) && !earlier) {
                    notTaken = refused;
                }
                first = false;
                full = false;
            } else {
                first = holdInEpoch(c, at, data);
                full = !epochFull && epochBytes >= limits.epochBytes();
                epochFull |= full;
            }
        }
        if (notTaken != null) {
            onRefused.accept(notTaken);
        }
        if (first) {
            onFirstHeld.run();
        }
        if (full) {
            onEpochFull.run();
        }
    }

    /** Adds an output to the current epoch; true when it is the epoch's first. */
    private boolean holdInEpoch(Channel c, long at, byte[] data) {
        boolean first = epoch.isEmpty();
        Held last = first ? null : epoch.getLast();
        if (c.kind.byteStream() && last != null && last.channel().equals(c.name)
                && last.position() + last.data().length == at) {
            // a UART hands bytes one at a time: one held output per run of them
            byte[] joined = java.util.Arrays.copyOf(last.data(), last.data().length + data.length);
            System.arraycopy(data, 0, joined, last.data().length, data.length);
            epoch.set(epoch.size() - 1, new Held(c.name, last.position(), joined));
        } else {
            epoch.add(new Held(c.name, at, data.clone()));
        }
        epochBytes += data.length;
        heldTotal += data.length;
        return first;
    }

    /**
     * Hands one output to its sink; false, with {@link #refused} set, when the sink says it failed
     * (the output was not taken).
     */
    private boolean taken(Channel c, long at, byte[] data) {
        c.sink.deliver(at, data);
        Optional<String> failure = c.sink.failure();
        if (failure.isPresent()) {
            if (refused == null) {
                refused = "output " + c.name + " at position " + at + " was not taken: " + failure.get();
            }
            return false;
        }
        return true;
    }

    /**
     * The first output a sink did not take, naming its channel and the sink's failure; empty
     * while every sink took its output. Once present, nothing more is delivered here.
     */
    public synchronized Optional<String> refusal() {
        return Optional.ofNullable(refused);
    }

    /**
     * Sets what runs (on the emitting thread, outside the lock) when an output that is not held
     * was not taken: the guest's output goes nowhere from then on, so its run must end.
     */
    public synchronized void onRefused(Consumer<String> action) {
        this.onRefused = java.util.Objects.requireNonNull(action);
    }

    /**
     * Holds every later output of {@code kinds} until {@link #release}d; {@code onFirstHeld} runs
     * (on the emitting thread, outside the lock) when an epoch gets its first held output, so a
     * checkpoint can be taken early.
     */
    public synchronized void hold(Set<OutputKind> kinds, Runnable onFirstHeld) {
        hold(kinds, onFirstHeld, onFirstHeld);
    }

    /**
     * {@link #hold(Set, Runnable)}, and {@code onEpochFull} runs (likewise) when an epoch's held
     * bytes reach {@link HeldOutputLimits#epochBytes()}, so a checkpoint can be taken at once.
     */
    public synchronized void hold(Set<OutputKind> kinds, Runnable onFirstHeld, Runnable onEpochFull) {
        held.clear();
        held.addAll(kinds);
        this.onFirstHeld = onFirstHeld;
        this.onEpochFull = onEpochFull;
    }

    /** The limits of this path. */
    public HeldOutputLimits limits() {
        return limits;
    }

    /**
     * Sets the limits ({@code --ft} held-batches=, held-bytes=, epoch-bytes=). Call it before the
     * guest runs: held output and kept batches are checked against the limits in force when they
     * are sealed or kept.
     */
    public void limit(HeldOutputLimits limits) {
        this.limits = java.util.Objects.requireNonNull(limits);
    }

    /**
     * On the primary: whether a checkpoint may seal another batch — fewer sealed, undelivered
     * batches than the limit, and fewer bytes in them than the limit. The current epoch does not
     * count: only a checkpoint can seal it (its size forces one, {@link HeldOutputLimits#epochBytes()}).
     */
    public synchronized boolean roomForCheckpoint() {
        return sealed.size() < limits.batches() && undelivered(sealed) < limits.bytes();
    }

    /** Sealed batches not yet delivered in full (the primary's queue). */
    public synchronized int sealedBatches() {
        return sealed.size();
    }

    /** Bytes held on the primary: the undelivered outputs of its sealed batches and the current epoch's. */
    public synchronized long heldBytes() {
        return epochBytes + undelivered(sealed);
    }

    private static long undelivered(java.util.Collection<Sealed> batches) {
        long n = 0;
        for (Sealed s : batches) {
            for (Held h : s.batch.outputs().subList(s.done, s.batch.outputs().size())) {
                n += h.data().length;
            }
        }
        return n;
    }

    /** True while some kind is held. */
    public synchronized boolean holding() {
        return !held.isEmpty();
    }

    /** Outputs held in the current epoch (not yet in a checkpoint). */
    public synchronized int pendingOutputs() {
        return epoch.size();
    }

    /** Bytes held in the current epoch. */
    public synchronized long pendingBytes() {
        return epochBytes;
    }

    /** Bytes ever held, and bytes delivered after being held. */
    public synchronized long[] totals() {
        return new long[] {heldTotal, releasedTotal};
    }

    /**
     * Seals the current epoch as checkpoint {@code checkpoint}'s batch. Called while no vCPU runs,
     * so the batch is exactly the output of the execution the checkpoint covers.
     */
    synchronized Batch seal(long checkpoint) {
        var ends = new ArrayList<ChannelEnd>();
        channels.values().forEach(c -> ends.add(new ChannelEnd(c.name, c.next)));
        Batch b = new Batch(List.copyOf(ends), List.copyOf(epoch));
        epoch.clear();
        epochBytes = 0;
        epochFull = false;
        sealed.addLast(new Sealed(checkpoint, b));
        return b;
    }

    /** Delivers the batches of checkpoints up to {@code checkpoint}: the standby holds them. */
    public synchronized void release(long checkpoint) {
        while (releaseStep(checkpoint, Integer.MAX_VALUE) != null) {
            // each call delivers one whole batch
        }
    }

    /**
     * Delivers the next part of the oldest batch of a checkpoint up to {@code checkpoint}: its
     * outputs in order until {@code step} of them reached a host sink (writes a device applied
     * itself go by without counting) or the batch ends. The primary reports each returned progress
     * to the standby, so that a standby taking over repeats at most one step.
     *
     * @return how far that batch's delivery got; null when no such batch is left
     */
    public synchronized Progress releaseStep(long checkpoint, int step) {
        if (step < 1) {
            throw new IllegalArgumentException("release step " + step + " is not positive");
        }
        Sealed s = sealed.peekFirst();
        if (s == null || s.checkpoint > checkpoint || refused != null) {
            return null;
        }
        List<Held> outputs = s.batch.outputs();
        for (int sent = 0; s.done < outputs.size() && sent < step; s.done++) {
            if (deliver(outputs.get(s.done))) {
                sent++;
            } else if (refused != null) {
                break; // not taken: done stays before it, so the standby delivers it
            }
        }
        boolean complete = s.done == outputs.size();
        if (complete) {
            sealed.pollFirst();
        }
        return new Progress(s.checkpoint, s.done, complete);
    }

    /**
     * Stops holding and delivers everything held, sealed batches first: the guest runs on here
     * without a standby (or ended), so its output is the one the world must see.
     */
    public synchronized void open() {
        if (discarding) {
            return;
        }
        held.clear();
        while (!sealed.isEmpty()) {
            Sealed s = sealed.pollFirst();
            deliver(s.batch.outputs().subList(s.done, s.batch.outputs().size()));
        }
        deliver(epoch);
        epoch.clear();
        epochBytes = 0;
    }

    /**
     * Drops what was held and every later output: the guest was handed over (or this side lost
     * its lease), and the standby delivers the batches this side did not report delivered. Output after that
     * checkpoint never happened as far as the world is concerned — including what the guest
     * emits here before it actually stops.
     */
    public synchronized void handedOver() {
        discarding = true;
        held.clear();
        sealed.clear();
        epoch.clear();
        epochBytes = 0;
    }

    /**
     * The standby learnt that the primary delivered the first {@code count} outputs of checkpoint
     * {@code checkpoint}'s batch: they are not to be delivered again here. The primary delivers
     * batches in checkpoint order, so every older batch went in full. A report about a checkpoint
     * no longer held here changes nothing (it went in full already).
     *
     * @return empty, or why the report cannot be true (it counts more outputs than the batch has)
     */
    public synchronized Optional<String> deliveredByPrimary(long checkpoint, long count) {
        Sealed s = inherited.stream().filter(i -> i.checkpoint == checkpoint).findFirst().orElse(null);
        if (s != null) {
            int size = s.batch.outputs().size();
            if (count < 0 || count > size) {
                return Optional.of("checkpoint " + checkpoint + "'s batch has " + size + " outputs, not " + count);
            }
            s.done = Math.max(s.done, (int) count);
        }
        inherited.removeIf(i -> i.checkpoint < checkpoint || (i == s && i.done == i.batch.outputs().size()));
        return Optional.empty();
    }

    /**
     * The standby runs the guest from now on: delivers, oldest first, the outputs of its batches
     * that the primary did not report delivered. Returns the number of outputs delivered.
     */
    public synchronized int takeOver() {
        int n = 0;
        while (!inherited.isEmpty()) {
            Sealed s = inherited.pollFirst();
            n += deliver(s.batch.outputs().subList(s.done, s.batch.outputs().size()));
        }
        return n;
    }

    /** How many of the standby's batches wait for the primary's report that it delivered them. */
    public synchronized int inheritedBatches() {
        return inherited.size();
    }

    /** Delivers the outputs of devices that did not apply them themselves; returns how many that were. */
    private int deliver(List<Held> outputs) {
        int n = 0;
        for (Held h : outputs) {
            if (deliver(h)) {
                n++;
            }
        }
        return n;
    }

    /**
     * Delivers one output unless its device applied it itself or a sink failed before; true when
     * a host sink took it.
     */
    private boolean deliver(Held h) {
        Channel c = channels.get(h.channel());
        if (c.kind.appliedByDevice() || refused != null || !taken(c, h.position(), h.data())) {
            return false;
        }
        releasedTotal += h.data().length;
        return true;
    }

    /**
     * On the standby: adopts checkpoint {@code checkpoint}'s batch (validated): the writes devices
     * applied on the primary are applied here now, the rest waits for a takeover.
     */
    private synchronized void adopt(long checkpoint, Batch b) {
        for (ChannelEnd e : b.channels()) {
            channels.get(e.channel()).next = e.position();
        }
        for (Held h : b.outputs()) {
            Channel c = channels.get(h.channel());
            if (c.kind.appliedByDevice() && refused == null) {
                taken(c, h.position(), h.data()); // a failure is refusal(): the checkpoint is refused
            }
        }
        // an empty batch has nothing to deliver, ever: kept only while newest, to check RELEASED against
        inherited.removeIf(i -> i.batch.outputs().isEmpty());
        inherited.addLast(new Sealed(checkpoint, b));
    }

    private synchronized Optional<String> check(Batch b) {
        Optional<String> beyond = beyondKeptLimits(b);
        if (beyond.isPresent()) {
            return beyond;
        }
        var ends = new LinkedHashMap<String, Long>();
        for (ChannelEnd e : b.channels()) {
            if (!channels.containsKey(e.channel())) {
                return Optional.of("output channel " + e.channel() + " does not exist on this machine");
            }
            if (e.position() < 0 || ends.put(e.channel(), e.position()) != null) {
                return Optional.of("output channel " + e.channel() + ": position " + e.position()
                        + " is negative or given twice");
            }
        }
        var at = new LinkedHashMap<String, Long>();
        for (Held h : b.outputs()) {
            Long end = ends.get(h.channel());
            Channel c = channels.get(h.channel());
            if (end == null || c == null) {
                return Optional.of("a held output names channel " + h.channel() + ", which the batch does not list");
            }
            long from = at.getOrDefault(h.channel(), 0L);
            long to = h.position() + c.kind.units(h.data().length);
            if (h.position() < from || to > end) {
                return Optional.of("a held output of " + h.channel() + " at position " + h.position()
                        + " is out of order or beyond the channel's end " + end);
            }
            at.put(h.channel(), to);
        }
        return Optional.empty();
    }

    /**
     * On the standby: why keeping {@code b} besides the batches kept now (an empty one among
     * them is dropped by the adoption) goes past the limits; empty when it does not.
     */
    private Optional<String> beyondKeptLimits(Batch b) {
        List<Sealed> kept = inherited.stream().filter(i -> !i.batch.outputs().isEmpty()).toList();
        if (kept.size() + 1 > limits.batches()) {
            return Optional.of("the standby keeps " + kept.size() + " batches of held output the primary has not"
                    + " reported delivered, its limit (" + limits.batches() + " batches): one more is refused");
        }
        long bytes = undelivered(kept);
        for (Held h : b.outputs()) {
            bytes += h.data().length;
        }
        if (bytes > limits.keptBytes()) {
            return Optional.of("the standby would keep " + bytes + " bytes of held output the primary has not reported"
                    + " delivered, more than its limit of " + limits.keptBytes() + " bytes");
        }
        return Optional.empty();
    }

    /**
     * The state section that carries checkpoint {@code checkpoint}'s batch: saving it (in the
     * checkpoint's vCPU stop) seals the epoch, loading it (on the standby, after the whole
     * checkpoint was verified) adopts the batch. Checkpoints only: snapshots and migrations do
     * not hold output.
     */
    public StateSection<Batch> checkpointSection(long checkpoint) {
        return new StateSection<>() {
            @Override
            public String name() {
                return "held-output";
            }

            @Override
            public Class<Batch> stateType() {
                return Batch.class;
            }

            @Override
            public Batch save() {
                return seal(checkpoint);
            }

            @Override
            public Optional<String> validate(Batch state) {
                return check(state);
            }

            @Override
            public void load(Batch state) {
                adopt(checkpoint, state);
            }
        };
    }
}
