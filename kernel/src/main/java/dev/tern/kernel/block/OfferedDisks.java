package dev.tern.kernel.block;

import dev.tern.spi.device.LiveDisk;
import dev.tern.spi.state.StateSection;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** The disks a machine's devices offered for block migration, in offer order. */
public final class OfferedDisks {

    private final List<OfferedDisk> disks = new CopyOnWriteArrayList<>();

    /**
     * Records {@code disk}, offered by the device named {@code device}.
     *
     * @throws IllegalStateException when that device offered a disk already
     */
    public void offer(String device, LiveDisk disk) {
        Objects.requireNonNull(disk, "disk");
        if (find(device).isPresent()) {
            throw new IllegalStateException("device '" + device + "' offered a second disk for block migration");
        }
        disks.add(new OfferedDisk(device, disk));
    }

    /** Drops the disk the device named {@code device} offered (it was unplugged); nothing if it offered none. */
    public void forget(String device) {
        disks.removeIf(d -> d.name().equals(device));
    }

    public List<OfferedDisk> all() {
        return List.copyOf(disks);
    }

    public Optional<OfferedDisk> find(String name) {
        return disks.stream().filter(d -> d.name().equals(name)).findFirst();
    }

    /** The bitmaps' saved-state sections, one per disk. */
    public List<StateSection<?>> sections() {
        return disks.stream().<StateSection<?>>map(OfferedDisk::section).toList();
    }
}
