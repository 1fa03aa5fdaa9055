package dev.tern.kernel.machine;

import dev.tern.spi.device.MachineControl;
import dev.tern.spi.device.OutputKind;
import dev.tern.spi.device.OutputSink;
import dev.tern.spi.replay.ReplayEvent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.function.Consumer;

/** The machine-level effects a device may cause; one per device, so A20 requests and inputs can be told apart. */
final class DeviceControl implements MachineControl {

    private final Machine machine;
    private final String device;

    DeviceControl(Machine machine, String device) {
        this.machine = machine;
        this.device = device;
    }

    @Override
    public void requestPowerOff(int exitStatus) {
        machine.finish(new MachineExit(MachineExit.Reason.POWER_OFF, exitStatus, "guest powered off with status " + exitStatus));
    }

    @Override
    public void requestReset() {
        machine.requestGuestReset();
    }

    @Override
    public void setA20(boolean enabled) {
        machine.devices.updateA20(device, enabled);
    }

    @Override
    public <E extends ReplayEvent> Consumer<E> inputs(Class<E> kind, Consumer<? super E> receiver) {
        return machine.inputs.register(device, kind, receiver);
    }

    @Override
    public Consumer<byte[]> outputs(OutputKind kind, OutputSink sink) {
        return machine.outputs().register(device, kind, sink);
    }

    @Override
    public void offerDisk(dev.tern.spi.device.LiveDisk disk) {
        machine.disks().offer(device, disk);
    }

    @Override
    public long hostClockNanos() {
        Instant t = Instant.now();
        try {
            return machine.hostClock(device, t.getEpochSecond() * 1_000_000_000L + t.getNano());
        } catch (IOException e) {
            throw new UncheckedIOException("the replay log failed: " + e.getMessage(), e);
        }
    }

    @Override
    @SuppressWarnings("deprecation")
    public void post(Runnable event) {
        machine.post(event);
    }

    @Override
    public void ejectDevice(String instance) {
        machine.requestEjection(instance);
    }
}
