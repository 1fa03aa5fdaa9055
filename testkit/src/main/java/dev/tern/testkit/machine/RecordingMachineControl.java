package dev.tern.testkit.machine;

import dev.tern.spi.device.MachineControl;
import dev.tern.spi.replay.ReplayEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Machine effects for tests: records power-off statuses, reset requests and A20 changes; typed host
 * inputs ({@link #inputs}) and posted work queue up until the test runs them, standing in for the
 * machine's input path and event thread. Applied inputs are kept, in order, so a test can replay
 * them into another device the way a recorded run's log is replayed.
 */
public final class RecordingMachineControl implements MachineControl {

    /** A typed input a device's backend submitted: the receiver registration it is for, and the event. */
    public record Input(int registration, ReplayEvent event) { }

    private record Receiver(Class<? extends ReplayEvent> kind, Consumer<ReplayEvent> receiver) { }

    private final List<Receiver> receivers = new ArrayList<>();
    private final List<Input> applied = new ArrayList<>();
    private int postCalls;
    private long hostClockNanos = 1_767_225_600_000_000_000L;

    private final List<Integer> powerOffs = new ArrayList<>();
    private final List<Boolean> a20Changes = new ArrayList<>();
    /** Posted {@link Runnable}s and submitted {@link Input}s, in arrival order. */
    private final LinkedBlockingQueue<Object> posted = new LinkedBlockingQueue<>();
    private int resets;

    @Override
    public synchronized void requestPowerOff(int exitStatus) {
        powerOffs.add(exitStatus);
    }

    @Override
    public synchronized void requestReset() {
        resets++;
    }

    @Override
    public synchronized void setA20(boolean enabled) {
        a20Changes.add(enabled);
    }

    @Override
    @SuppressWarnings("deprecation")
    public void post(Runnable event) {
        synchronized (this) {
            postCalls++;
        }
        posted.add(Objects.requireNonNull(event, "event"));
    }

    @Override
    public synchronized <E extends ReplayEvent> Consumer<E> inputs(Class<E> kind, Consumer<? super E> receiver) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(receiver, "receiver");
        // devices sharing one harness may each register a kind: registrations are told apart by index
        int index = receivers.size();
        receivers.add(new Receiver(kind, e -> receiver.accept(kind.cast(e))));
        return event -> posted.add(new Input(index, kind.cast(Objects.requireNonNull(event, "event"))));
    }

    /** A fixed host time (2026-01-01T00:00:00Z unless set), so devices reading it stay reproducible. */
    @Override
    public synchronized long hostClockNanos() {
        return hostClockNanos;
    }

    /** Sets what {@link #hostClockNanos()} returns. */
    public synchronized void setHostClockNanos(long nanos) {
        hostClockNanos = nanos;
    }

    /**
     * Applies every queued input and runs every posted event so far (and any they queue or post);
     * returns how many ran.
     */
    public int runPosted() {
        int n = 0;
        Object work;
        while ((work = posted.poll()) != null) {
            run(work);
            n++;
        }
        return n;
    }

    private void run(Object work) {
        if (work instanceof Input in) {
            apply(in);
        } else {
            ((Runnable) work).run();
        }
    }

    /** Applies {@code input} to the receiver it names, as a replay applies a logged input; records it as applied. */
    public void apply(Input input) {
        Receiver r;
        synchronized (this) {
            if (input.registration() < 0 || input.registration() >= receivers.size()) {
                throw new IllegalArgumentException("no receiver registration " + input.registration());
            }
            r = receivers.get(input.registration());
            applied.add(input);
        }
        r.receiver().accept(input.event());
    }

    /** Inputs applied so far, in order. */
    public synchronized List<Input> appliedInputs() {
        return List.copyOf(applied);
    }

    /** Typed inputs submitted and not yet applied. */
    public int pendingInputs() {
        return (int) posted.stream().filter(Input.class::isInstance).count();
    }

    /** Kinds of input receivers registered, in registration order. */
    public synchronized List<Class<? extends ReplayEvent>> receiverKinds() {
        return receivers.stream().<Class<? extends ReplayEvent>>map(Receiver::kind).toList();
    }

    /** How many times opaque work was posted (the deprecated, unrecordable path). */
    public synchronized int postCalls() {
        return postCalls;
    }

    /**
     * Waits for the next posted event or typed input (e.g. from a backend thread) and runs it.
     *
     * @return false when none arrived within {@code timeoutMillis}
     */
    public boolean runNextPosted(long timeoutMillis) throws InterruptedException {
        Object work = posted.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        if (work == null) {
            return false;
        }
        run(work);
        return true;
    }

    /** Exit statuses of power-off requests, in order. */
    public synchronized List<Integer> powerOffs() {
        return List.copyOf(powerOffs);
    }

    /** How many resets were requested. */
    public synchronized int resets() {
        return resets;
    }

    /** Every A20 setting, in order. */
    public synchronized List<Boolean> a20Changes() {
        return List.copyOf(a20Changes);
    }

    /** Events posted or inputs queued, and not yet run. */
    public int pendingEvents() {
        return posted.size();
    }
}
