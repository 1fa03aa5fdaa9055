package dev.tern.codec.xbzrle;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Runs found one at a time, eight bytes per step with plain long arithmetic (as QEMU's scalar
 * encoder): the path every JVM can take.
 */
final class ScalarRunScan implements RunScan {

    static final ScalarRunScan INSTANCE = new ScalarRunScan();

    private static final VarHandle LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    private ScalarRunScan() {
    }

    @Override
    public int encode(MemorySegment old, byte[] cur, int length, byte[] dst, int dlen) {
        int d = 0;
        int i = 0;
        while (i < length) {
            if (d + 2 > dlen) {
                return XbzrleEncoding.OVERFLOW;
            }
            int zeroEnd = equalRunEnd(old, cur, i, length);
            if (zeroEnd == length) {
                return d; // 0 when the whole page is unchanged; otherwise the trailing zero run is omitted
            }
            d += ShortUleb128.write(dst, d, zeroEnd - i);
            i = zeroEnd;
            if (d + 2 > dlen) {
                return XbzrleEncoding.OVERFLOW;
            }
            int changedEnd = changedRunEnd(old, cur, i, length);
            int n = changedEnd - i;
            d += ShortUleb128.write(dst, d, n);
            if (d + n > dlen) {
                return XbzrleEncoding.OVERFLOW;
            }
            System.arraycopy(cur, i, dst, d, n);
            d += n;
            i = changedEnd;
        }
        return d;
    }

    @Override
    public void copyRun(byte[] src, int at, MemorySegment page, long offset, int n) {
        // A bulk copy's set-up costs more than moving a few bytes one by one.
        if (n < Long.BYTES) {
            for (int k = 0; k < n; k++) {
                page.set(ValueLayout.JAVA_BYTE, offset + k, src[at + k]);
            }
        } else {
            MemorySegment.copy(src, at, page, ValueLayout.JAVA_BYTE, offset, n);
        }
    }

    /** The end of the run of equal bytes starting at {@code from}; {@code length} if it reaches the end. */
    static int equalRunEnd(MemorySegment old, byte[] cur, int from, int length) {
        // mismatch is a JIT intrinsic that already compares a wide word at a time.
        long m = MemorySegment.mismatch(old, from, length, MemorySegment.ofArray(cur), from, length);
        return m < 0 ? length : from + (int) m;
    }

    /** The end of the run of differing bytes starting at {@code from}; {@code length} if it reaches the end. */
    static int changedRunEnd(MemorySegment old, byte[] cur, int from, int length) {
        int j = from;
        while (j + Long.BYTES <= length) {
            long x = old.get(LE_LONG, j) ^ (long) LONGS.get(cur, j);
            // Flags every zero byte of x; the lowest flag is exact because no borrow reaches it.
            long equalBytes = (x - ONES) & ~x & HIGHS;
            if (equalBytes != 0) {
                return j + (Long.numberOfTrailingZeros(equalBytes) >>> 3);
            }
            j += Long.BYTES;
        }
        while (j < length && old.get(ValueLayout.JAVA_BYTE, j) != cur[j]) {
            j++;
        }
        return j;
    }

    @Override
    public String toString() {
        return "scalar (8-byte words)";
    }
}
