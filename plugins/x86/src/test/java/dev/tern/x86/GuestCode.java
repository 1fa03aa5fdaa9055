package dev.tern.x86;

import java.util.Arrays;

/** Guest machine code assembled byte by byte in a test (little-endian immediates). */
final class GuestCode {

    private int[] bytes = new int[64];
    private int size;

    GuestCode add(int... bs) {
        for (int b : bs) {
            if (size == bytes.length) {
                bytes = Arrays.copyOf(bytes, size * 2);
            }
            bytes[size++] = b & 0xff;
        }
        return this;
    }

    GuestCode add32(int v) {
        return add(v, v >> 8, v >> 16, v >>> 24);
    }

    int size() {
        return size;
    }

    int[] toArray() {
        return Arrays.copyOf(bytes, size);
    }

    /** The four little-endian bytes of {@code v}. */
    static int[] le32(int v) {
        return new int[] {v & 0xff, v >> 8 & 0xff, v >> 16 & 0xff, v >>> 24};
    }

    /** The byte sequences one after another. */
    static int[] concat(int[]... parts) {
        GuestCode code = new GuestCode();
        for (int[] p : parts) {
            code.add(p);
        }
        return code.toArray();
    }
}
