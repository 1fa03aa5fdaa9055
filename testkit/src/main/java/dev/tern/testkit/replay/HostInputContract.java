package dev.tern.testkit.replay;

import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.spi.state.StateSection;
import dev.tern.testkit.DeviceHarness;
import dev.tern.testkit.machine.RecordingMachineControl;
import dev.tern.testkit.state.DeepEquality;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The record/replay contract of a device that takes host input (typed keys, received frames): every
 * input must reach device state through {@code MachineControl.inputs} — never through the
 * deprecated {@code post} and never directly from the backend's thread — and applying the inputs a
 * run logged to a fresh device must rebuild the same state, which is all a replay does. Extend it
 * next to your {@code DeviceContract} test and say how to make your backend deliver input.
 */
public abstract class HostInputContract {

    private final List<Device> started = new ArrayList<>();

    /** The provider under test. */
    protected abstract DeviceProvider provider();

    /** The configuration the contract uses; it must give the device a backend {@link #sendHostInput} can drive. */
    protected Map<String, String> config() {
        return Map.of();
    }

    /**
     * Makes the device's host backend deliver input number {@code n} (0, 1, 2...) the way it does in
     * a real run (typed bytes, a received frame...). The device is started, realized and reset.
     */
    protected abstract void sendHostInput(Device device, int n) throws Exception;

    /** Makes the device ready to take input the way a guest driver would (e.g. enables a receiver); none by default. */
    protected void prepareGuest(DeviceHarness harness, Device device) {
    }

    /**
     * A fresh machine around the device; override to add companions (a PCI host, a bus). The
     * device is created in it with {@code harness.start(provider())}.
     */
    protected DeviceHarness harness() {
        return DeviceHarness.of(provider(), config());
    }

    /** How many inputs the contract sends. */
    protected int inputs() {
        return 3;
    }

    @AfterEach
    void powerOffStarted() {
        started.forEach(Device::powerOff);
        started.clear();
    }

    @Test
    void hostInputTakesTheTypedInputPathOnly() throws Exception {
        DeviceHarness h = harness();
        Device d = start(h);
        List<Record> before = save(d);
        sendHostInput(d, 0);
        RecordingMachineControl m = h.machine();
        assertEquals(0, m.postCalls(), "host input was posted as opaque work: it cannot be recorded or replayed");
        assertFalse(m.receiverKinds().isEmpty(), "the device registered no input receiver with MachineControl.inputs");
        assertTrue(m.pendingInputs() > 0, "host input did not arrive as a typed input on the machine's input path");
        assertNull(DeepEquality.firstDifference(before, save(d)),
                "device state changed before the machine applied the input (outside the input path)");
        m.runPosted();
        assertEquals(1, m.appliedInputs().size());
    }

    @Test
    void applyingTheLoggedInputsToAFreshDeviceRebuildsItsState() throws Exception {
        DeviceHarness live = harness();
        Device recorded = start(live);
        prepareGuest(live, recorded);
        for (int i = 0; i < inputs(); i++) {
            sendHostInput(recorded, i);
            live.machine().runPosted();
        }
        List<RecordingMachineControl.Input> log = live.machine().appliedInputs();
        assertFalse(log.isEmpty(), "no input was applied");

        DeviceHarness replay = harness();
        Device replayed = start(replay);
        prepareGuest(replay, replayed);
        for (RecordingMachineControl.Input in : log) {
            replay.machine().apply(in);
        }
        String difference = DeepEquality.firstDifference(save(recorded), save(replayed));
        assertNull(difference, "the replayed device's state differs from the recorded one's: " + difference);
    }

    private Device start(DeviceHarness h) {
        Device d = h.start(provider());
        started.add(d);
        return d;
    }

    private static List<Record> save(Device d) {
        var all = new ArrayList<Record>();
        for (StateSection<?> s : d.sections()) {
            all.add(s.save());
        }
        return all;
    }
}
