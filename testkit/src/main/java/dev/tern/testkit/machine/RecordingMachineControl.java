package dev.tern.testkit.machine;

import dev.tern.spi.device.MachineControl;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Machine effects for tests: records power-off statuses, reset requests and A20 changes; posted
 * events queue up until the test runs them, standing in for the machine's event thread.
 */
public final class RecordingMachineControl implements MachineControl {

    private final List<Integer> powerOffs = new ArrayList<>();
    private final List<Boolean> a20Changes = new ArrayList<>();
    private final LinkedBlockingQueue<Runnable> posted = new LinkedBlockingQueue<>();
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
    public void post(Runnable event) {
        posted.add(Objects.requireNonNull(event, "event"));
    }

    /** Runs every event posted so far (and any they post); returns how many ran. */
    public int runPosted() {
        int n = 0;
        Runnable r;
        while ((r = posted.poll()) != null) {
            r.run();
            n++;
        }
        return n;
    }

    /**
     * Waits for the next posted event (e.g. from a backend thread) and runs it.
     *
     * @return false when none arrived within {@code timeoutMillis}
     */
    public boolean runNextPosted(long timeoutMillis) throws InterruptedException {
        Runnable r = posted.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        if (r == null) {
            return false;
        }
        r.run();
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

    /** Events posted and not yet run. */
    public int pendingEvents() {
        return posted.size();
    }
}
