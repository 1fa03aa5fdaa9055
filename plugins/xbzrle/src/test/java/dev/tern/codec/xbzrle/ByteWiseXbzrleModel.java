package dev.tern.codec.xbzrle;

/**
 * A deliberately naive, byte-at-a-time statement of QEMU's XBZRLE rules, used as the oracle for
 * differential tests of the word-at-a-time {@link XbzrleEncoding}. Written from the format facts:
 * alternating maximal runs, the three overflow checks in order, and the decoder's acceptance rules
 * applied while writing (as QEMU does).
 */
final class ByteWiseXbzrleModel {

    private ByteWiseXbzrleModel() {
    }

    static int encode(byte[] old, byte[] cur, int slen, byte[] dst, int dlen) {
        int d = 0;
        int i = 0;
        boolean first = true;
        while (i < slen) {
            if (d + 2 > dlen) {
                return -1;
            }
            int zrun = 0;
            while (i < slen && old[i] == cur[i]) {
                zrun++;
                i++;
            }
            if (first && zrun == slen) {
                return 0;
            }
            first = false;
            if (i == slen) {
                return d;
            }
            d = putLength(dst, d, zrun);
            if (d + 2 > dlen) {
                return -1;
            }
            int start = i;
            while (i < slen && old[i] != cur[i]) {
                i++;
            }
            int nzrun = i - start;
            d = putLength(dst, d, nzrun);
            if (d + nzrun > dlen) {
                return -1;
            }
            for (int k = 0; k < nzrun; k++) {
                dst[d++] = cur[start + k];
            }
        }
        return d;
    }

    private static int putLength(byte[] dst, int d, int n) {
        if (n < 0x80) {
            dst[d] = (byte) n;
            return d + 1;
        }
        dst[d] = (byte) (0x80 | (n & 0x7f));
        dst[d + 1] = (byte) (n >> 7);
        return d + 2;
    }

    /** Returns the end offset, or -1; may have written part of {@code page} before failing, as QEMU. */
    static int decode(byte[] src, int slen, byte[] page, int dlen) {
        int i = 0;
        int d = 0;
        while (i < slen) {
            if (slen - i < 2) {
                return -1;
            }
            int[] z = getLength(src, i);
            if (z == null || (i != 0 && z[0] == 0)) {
                return -1;
            }
            i += z[1];
            d += z[0];
            if (d > dlen || slen - i < 2) {
                return -1;
            }
            int[] n = getLength(src, i);
            if (n == null || n[0] == 0) {
                return -1;
            }
            i += n[1];
            if (d + n[0] > dlen || i + n[0] > slen) {
                return -1;
            }
            for (int k = 0; k < n[0]; k++) {
                page[d++] = src[i++];
            }
        }
        return d;
    }

    private static int[] getLength(byte[] src, int at) {
        int b0 = src[at] & 0xff;
        if (b0 < 0x80) {
            return new int[] {b0, 1};
        }
        int b1 = src[at + 1] & 0xff;
        return b1 >= 0x80 ? null : new int[] {(b0 & 0x7f) | (b1 << 7), 2};
    }
}
