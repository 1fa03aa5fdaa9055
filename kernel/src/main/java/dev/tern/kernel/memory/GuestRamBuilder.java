package dev.tern.kernel.memory;

import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.memory.RamRegion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Describes the regions of a {@link GuestRam}; nothing is allocated until {@link #build()}, which
 * checks the layout first so a bad configuration leaves no memory behind.
 */
public final class GuestRamBuilder {

    private sealed interface Spec permits Anonymous, FileBacked, Rom {
        String name();

        long base();

        long size();
    }

    private record Anonymous(String name, long base, long size) implements Spec { }

    private record FileBacked(String name, long base, long size, Path file) implements Spec { }

    private record Rom(String name, long base, long size, byte[] image) implements Spec { }

    private final List<Spec> specs = new ArrayList<>();

    GuestRamBuilder() { }

    /** Adds zero-filled anonymous RAM. */
    public GuestRamBuilder ram(String name, long base, long size) {
        specs.add(checked(new Anonymous(name, base, size)));
        return this;
    }

    /**
     * Adds RAM backed by a shared mapping of {@code file} (created or grown to {@code size}), so
     * another process — a migration target on the same host, a fault-tolerance secondary — can map
     * the same RAM.
     */
    public GuestRamBuilder ramFile(String name, long base, long size, Path file) {
        Objects.requireNonNull(file, "file");
        specs.add(checked(new FileBacked(name, base, size, file)));
        return this;
    }

    /**
     * Adds read-only memory holding {@code image} (copied). The region is rounded up to whole pages
     * and the padding reads {@code 0xFF}, like unprogrammed flash. Guest writes are dropped.
     */
    public GuestRamBuilder rom(String name, long base, byte[] image) {
        Objects.requireNonNull(image, "image");
        if (image.length == 0) {
            throw new IllegalArgumentException("ROM '" + name + "' has an empty image");
        }
        long size = ((long) image.length + GuestMemory.PAGE_SIZE - 1) & -GuestMemory.PAGE_SIZE;
        specs.add(checked(new Rom(name, base, size, image.clone())));
        return this;
    }

    /**
     * Checks the layout and allocates it.
     *
     * @throws IllegalArgumentException naming both regions when two overlap
     * @throws UncheckedIOException when a backing file cannot be mapped
     */
    public GuestRam build() {
        List<Spec> sorted = new ArrayList<>(specs);
        sorted.sort(Comparator.comparingLong(Spec::base));
        for (int i = 1; i < sorted.size(); i++) {
            Spec a = sorted.get(i - 1);
            Spec b = sorted.get(i);
            if (b.base() < a.base() + a.size()) {
                throw new IllegalArgumentException(String.format(
                        "memory region '%s' [0x%x-0x%x] overlaps '%s' [0x%x-0x%x]",
                        b.name(), b.base(), b.base() + b.size() - 1, a.name(), a.base(), a.base() + a.size() - 1));
            }
        }
        Arena arena = Arena.ofShared();
        try {
            List<RamRegion> regions = new ArrayList<>();
            for (Spec s : sorted) {
                regions.add(allocate(arena, s));
            }
            var ram = new GuestRam(arena, regions);
            for (Spec s : sorted) {
                if (s instanceof FileBacked f) {
                    ram.dirtyLog().noteWritten(f.base(), f.size()); // a mapped file holds what it holds
                }
            }
            return ram;
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static RamRegion allocate(Arena arena, Spec spec) {
        return switch (spec) {
            case Anonymous a -> new RamRegion(a.name(), a.base(), arena.allocate(a.size(), GuestMemory.PAGE_SIZE), false);
            case FileBacked f -> new RamRegion(f.name(), f.base(), map(arena, f), false);
            case Rom r -> {
                MemorySegment seg = arena.allocate(r.size(), GuestMemory.PAGE_SIZE);
                seg.fill((byte) 0xFF);
                MemorySegment.copy(r.image(), 0, seg, ValueLayout.JAVA_BYTE, 0, r.image().length);
                yield new RamRegion(r.name(), r.base(), seg, true);
            }
        };
    }

    private static MemorySegment map(Arena arena, FileBacked f) {
        try (FileChannel ch = FileChannel.open(f.file(), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            // The mapping outlives the channel; it is released when the arena closes.
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, f.size(), arena);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map RAM '" + f.name() + "' to " + f.file(), e);
        }
    }

    private static <S extends Spec> S checked(S s) {
        Objects.requireNonNull(s.name(), "name");
        if (s.base() < 0 || s.size() <= 0 || s.base() + s.size() < s.base()) {
            throw new IllegalArgumentException(String.format("memory region '%s': bad range base 0x%x size 0x%x",
                    s.name(), s.base(), s.size()));
        }
        if ((s.base() & (GuestMemory.PAGE_SIZE - 1)) != 0 || (s.size() & (GuestMemory.PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException(String.format(
                    "memory region '%s': base 0x%x and size 0x%x must be multiples of %d",
                    s.name(), s.base(), s.size(), GuestMemory.PAGE_SIZE));
        }
        return s;
    }
}
