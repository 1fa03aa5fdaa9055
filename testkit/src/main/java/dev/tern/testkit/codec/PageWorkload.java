package dev.tern.testkit.codec;

import dev.tern.spi.memory.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded history of guest pages as a migration sender would see them: pages sent for the first
 * time, sparsely modified, unchanged, entirely rewritten, modified at their edges, zeroed or filled
 * with compressible data. Addresses ascend within a pass and some are 64 MiB apart so that they
 * share a slot in direct-mapped caches.
 */
public final class PageWorkload {

    /** How a step changed its page. */
    public enum Change {
        /** An address not seen before, with fresh content. */
        FIRST_TIME,
        /** A few scattered bytes or short runs changed. */
        SPARSE,
        /** Nothing changed. */
        IDENTICAL,
        /** Every byte changed. */
        ALL_DIFFERENT,
        /** Runs touching the first and last bytes changed. */
        EDGES,
        /** The page became all zeros. */
        ZERO,
        /** Repetitive, text-like content. */
        COMPRESSIBLE,
        /** Fresh random content. */
        RANDOM
    }

    /**
     * One page to encode.
     *
     * @param gpa the page's guest address
     * @param change how it changed since it was last offered
     * @param page its current content (owned by the workload; copy it to keep it)
     */
    public record Step(long gpa, Change change, MemorySegment page) {
    }

    private static final int PAGE = GuestMemory.PAGE_SIZE;
    private static final long FAR = 64L << 20;

    private final SplittableRandom random;
    private final List<Long> addresses = new ArrayList<>();
    private final List<byte[]> contents = new ArrayList<>();
    private final int addressLimit;
    private int cursor;

    /** A workload of at most {@code addressLimit} distinct pages. */
    public PageWorkload(long seed, int addressLimit) {
        if (addressLimit < 1) {
            throw new IllegalArgumentException("address limit " + addressLimit + " must be positive");
        }
        this.random = new SplittableRandom(seed);
        this.addressLimit = addressLimit;
    }

    /** The next page, already changed. */
    public Step next() {
        if (addresses.isEmpty() || (addresses.size() < addressLimit && random.nextInt(6) == 0)) {
            return firstTime();
        }
        cursor = (cursor + 1 + random.nextInt(2)) % addresses.size();
        Change change = Change.values()[1 + random.nextInt(Change.values().length - 1)];
        byte[] page = contents.get(cursor);
        apply(change, page);
        return new Step(addresses.get(cursor), change, MemorySegment.ofArray(page));
    }

    private Step firstTime() {
        int index = addresses.size();
        long gpa = (index % 4 == 3) ? FAR * (index / 4 + 1) + (long) (index / 4) * PAGE : (long) index * PAGE;
        byte[] page = new byte[PAGE];
        apply(random.nextBoolean() ? Change.RANDOM : Change.COMPRESSIBLE, page);
        addresses.add(gpa);
        contents.add(page);
        cursor = index;
        return new Step(gpa, Change.FIRST_TIME, MemorySegment.ofArray(page));
    }

    private void apply(Change change, byte[] page) {
        switch (change) {
            case FIRST_TIME, RANDOM -> random.nextBytes(page);
            case IDENTICAL -> { }
            case SPARSE -> sparse(page);
            case ALL_DIFFERENT -> {
                for (int i = 0; i < PAGE; i++) {
                    page[i] ^= (byte) (1 + random.nextInt(255));
                }
            }
            case EDGES -> {
                flipRun(page, 0, 1 + random.nextInt(16));
                int tail = 1 + random.nextInt(16);
                flipRun(page, PAGE - tail, tail);
            }
            case ZERO -> Arrays.fill(page, (byte) 0);
            case COMPRESSIBLE -> {
                byte[] word = ("tern-" + random.nextInt(1000) + " ").getBytes(StandardCharsets.US_ASCII);
                for (int i = 0; i < PAGE; i++) {
                    page[i] = word[i % word.length];
                }
            }
        }
    }

    private void sparse(byte[] page) {
        int edits = 1 + random.nextInt(12);
        for (int e = 0; e < edits; e++) {
            int length = random.nextInt(4) == 0 ? 1 + random.nextInt(200) : 1 + random.nextInt(8);
            flipRun(page, random.nextInt(PAGE - length + 1), length);
        }
    }

    private void flipRun(byte[] page, int from, int length) {
        for (int i = from; i < from + length; i++) {
            page[i] ^= (byte) (1 + random.nextInt(255));
        }
    }
}
