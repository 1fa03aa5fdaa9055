package dev.tern.kernel.block;

import dev.tern.spi.device.LiveDisk;
import dev.tern.spi.state.StateSection;

import java.util.Optional;

/**
 * A disk a device offered for block migration, named by its device instance, with its dirty-block
 * bitmap. While tracking, every guest write marks its blocks. The bitmap is saved state (section
 * {@code dirty-blocks}, the device's instance): a snapshot taken while tracking restores both the
 * bits and the tracking.
 */
public final class OfferedDisk {

    private final String name;
    private final LiveDisk disk;
    private final DirtyBlocks dirty;
    private volatile boolean tracking;

    OfferedDisk(String name, LiveDisk disk) {
        this.name = name;
        this.disk = disk;
        this.dirty = new DirtyBlocks(disk.sizeBytes());
    }

    /** The offering device's instance name: the same on both ends of a migration. */
    public String name() {
        return name;
    }

    public LiveDisk disk() {
        return disk;
    }

    public DirtyBlocks dirty() {
        return dirty;
    }

    /**
     * Marks every block (what a bulk pass must send) and tracks the guest's writes from now on.
     *
     * @throws IllegalStateException when something tracks this disk already
     */
    public synchronized void startTracking() {
        if (tracking) {
            throw new IllegalStateException("disk '" + name + "' is already tracked by another block migration");
        }
        dirty.markAll();
        tracking = true;
        disk.trackWrites(dirty::mark);
    }

    /** Stops tracking; the bits stay as they are. */
    public synchronized void stopTracking() {
        tracking = false;
        disk.trackWrites(null);
    }

    public boolean tracking() {
        return tracking;
    }

    /** The state the section saves: whether tracking, the geometry, the bits (none when not tracking). */
    public record State(boolean tracking, long sizeBytes, int blockBytes, long[] bits) { }

    /** The bitmap as a saved-state section. */
    StateSection<State> section() {
        return new StateSection<>() {
            @Override
            public String name() {
                return "dirty-blocks";
            }

            @Override
            public String instance() {
                return name;
            }

            @Override
            public Class<State> stateType() {
                return State.class;
            }

            @Override
            public State save() {
                boolean on = tracking;
                return new State(on, dirty.sizeBytes(), DirtyBlocks.BLOCK_BYTES, on ? dirty.copy() : new long[0]);
            }

            /** A stream from before block migration: no blocks were tracked. */
            @Override
            public Optional<State> whenAbsent() {
                return Optional.of(new State(false, dirty.sizeBytes(), DirtyBlocks.BLOCK_BYTES, new long[0]));
            }

            @Override
            public Optional<String> validate(State s) {
                if (s.sizeBytes() != dirty.sizeBytes()) {
                    return Optional.of("disk '" + name + "': the saved bitmap is for an image of " + s.sizeBytes()
                            + " bytes, this image has " + dirty.sizeBytes());
                }
                if (s.blockBytes() != DirtyBlocks.BLOCK_BYTES) {
                    return Optional.of("disk '" + name + "': the saved bitmap has " + s.blockBytes()
                            + "-byte blocks, this VMM tracks " + DirtyBlocks.BLOCK_BYTES);
                }
                int want = s.tracking() ? dirty.words() : 0;
                if (s.bits().length != want) {
                    return Optional.of("disk '" + name + "': the saved bitmap has " + s.bits().length + " words, "
                            + want + " expected");
                }
                try {
                    if (s.tracking()) {
                        new DirtyBlocks(s.sizeBytes()).restore(s.bits());
                    }
                } catch (IllegalArgumentException e) {
                    return Optional.of("disk '" + name + "': " + e.getMessage());
                }
                return Optional.empty();
            }

            @Override
            public void load(State s) {
                synchronized (OfferedDisk.this) {
                    if (s.tracking()) {
                        dirty.restore(s.bits());
                        tracking = true;
                        disk.trackWrites(dirty::mark);
                    } else {
                        tracking = false;
                        disk.trackWrites(null);
                    }
                }
            }
        };
    }
}
