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
}
