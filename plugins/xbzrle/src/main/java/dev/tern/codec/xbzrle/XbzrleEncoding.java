package dev.tern.codec.xbzrle;

import dev.tern.spi.codec.CodecException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * The XBZRLE delta format of QEMU's live migration ({@code migration/xbzrle.c}), byte for byte.
 *
 * <h2>Format</h2>
 * A delta describes a new page against the old version both sides hold. Conceptually the two are
 * XORed; the XOR is a sequence of alternating runs of zero bytes (unchanged) and non-zero bytes
 * (changed). The delta is a sequence of pairs
 * <pre>  zrun-length  nzrun-length  nzrun-bytes (the NEW bytes, not the XOR)</pre>
 * with both lengths in {@link ShortUleb128 two-byte ULEB128}. Runs are maximal, so every pair but
 * the first has a non-zero zero-run; the first zero-run is {@code 0} when byte 0 changed. A zero run
 * that reaches the end of the page is omitted, and an unchanged page encodes to nothing.
 *
 * <h2>The 0x3fff cap</h2>
 * QEMU writes lengths with {@code uleb128_encode_small}, which asserts {@code n <= 0x3fff}; the
 * decoder refuses a third length byte. There is no splitting of long runs: a run is at most the
 * page length (4096 for x86), so the cap merely limits pages to {@value ShortUleb128#MAX_VALUE} bytes,
 * which {@link #encode} checks.
 *
 * <h2>Overflow: when QEMU gives up</h2>
 * QEMU's {@code xbzrle_encode_buffer(old, new, slen, dst, dlen)} is called with {@code dlen} equal to
 * the page size and returns {@code -1} at the first of three checks that fails, in this order, with
 * {@code d} the output length so far:
 * <ol>
 *   <li>at the top of each round, while input remains: {@code d + 2 > dlen}. This is checked
 *       <em>before</em> scanning the zero run, so it fires even when the rest of the page is
 *       unchanged and nothing more would be written;</li>
 *   <li>after writing the zero-run length: {@code d + 2 > dlen} (room for a two-byte length);</li>
 *   <li>after writing the non-zero-run length {@code n}: {@code d + n > dlen}.</li>
 * </ol>
 * Derived consequences, which the tests pin: a delta that ends before the page end (its last zero
 * run omitted) succeeds only if it is at most {@code dlen - 2} bytes, since check 1 runs once more
 * before that trailing run; a delta whose last changed run touches the page end can be
 * {@code dlen - 1} or even exactly {@code dlen} bytes (e.g. 3 unchanged bytes then 4093 changed ones:
 * 1 + 2 + 4093 = 4096), because no check follows the last copy. QEMU then sends that
 * page-sized delta; {@link XbzrleEncoder} instead reports it as an overflow, as a raw page is cheaper.
 *
 * <h2>Decoding</h2>
 * {@link #decode} follows {@code xbzrle_decode_buffer}'s acceptance rules exactly (at least two
 * bytes must remain before each length; only the first zero run may be 0; a non-zero run must be
 * non-zero; runs must stay inside page and input) and {@code load_xbzrle}'s refusal of a delta
 * longer than the page. Unlike QEMU, which writes as it parses, it validates the whole delta first,
 * so a malformed delta leaves the page untouched.
 *
 * <h2>Speed</h2>
 * The inner loops are a {@link RunScan}: SIMD compares and stores through the JDK's Vector API when
 * the JVM runs with {@code --add-modules jdk.incubator.vector}, else 8-byte words. Both give the
 * same bytes and decisions; the choice is made once per JVM.
 */
public final class XbzrleEncoding {

    /** {@link #encode}'s result when QEMU would give up. */
    public static final int OVERFLOW = -1;

    /** The largest page a delta can describe (run lengths are 14-bit). */
    public static final int MAX_PAGE = ShortUleb128.MAX_VALUE;

    /** Chosen once: a constant, so the JIT inlines the one scan this JVM uses. */
    private static final RunScan SCAN = RunScan.fastest();

    private XbzrleEncoding() {
    }

    /**
     * Encodes {@code cur} against {@code old} (both {@code length} bytes) into {@code dst}, writing at
     * most {@code dlen} bytes, with QEMU's exact output and overflow decisions.
     *
     * @return the delta length ({@code 0} for an unchanged page) or {@link #OVERFLOW}
     */
    public static int encode(byte[] old, byte[] cur, int length, byte[] dst, int dlen) {
        return encode(SCAN, MemorySegment.ofArray(old), cur, length, dst, dlen);
    }

    /**
     * As {@link #encode(byte[], byte[], int, byte[], int)} against an old page held in a segment (the
     * sender's page cache lives off the heap, and is scanned where it is).
     */
    public static int encode(MemorySegment old, byte[] cur, int length, byte[] dst, int dlen) {
        return encode(SCAN, old, cur, length, dst, dlen);
    }

    /** The scan {@link #encode(byte[], byte[], int, byte[], int)} uses in this JVM. */
    static RunScan scan() {
        return SCAN;
    }

    /** {@link #encode(byte[], byte[], int, byte[], int)} with a given scan; every scan gives the same bytes. */
    static int encode(RunScan scan, byte[] old, byte[] cur, int length, byte[] dst, int dlen) {
        return encode(scan, MemorySegment.ofArray(old), cur, length, dst, dlen);
    }

    private static int encode(RunScan scan, MemorySegment old, byte[] cur, int length, byte[] dst, int dlen) {
        if (length < 0 || length > MAX_PAGE || old.byteSize() < length || cur.length < length) {
            throw new IllegalArgumentException("page length " + length + " must be 0.." + MAX_PAGE
                    + " and within both pages (" + old.byteSize() + ", " + cur.length + " bytes)");
        }
        if (dlen < 0 || dst.length < dlen) {
            throw new IllegalArgumentException("output limit " + dlen + " exceeds the output array (" + dst.length + ")");
        }
        return scan.encode(old, cur, length, dst, dlen);
    }

    /**
     * Applies the delta in {@code in} (position to limit) to {@code page}, the destination's current
     * copy, then moves {@code in}'s position to its limit. On malformed input nothing is written,
     * {@code in} is unchanged, and the exception names {@code what} and the input offset.
     *
     * @param what names the page in messages, e.g. {@code "page 0x1000"}
     * @return the offset just past the last byte written (QEMU's return value)
     */
    public static int decode(ByteBuffer in, MemorySegment page, String what) throws CodecException {
        return decode(in, page, what, -1);
    }

    /**
     * {@link #decode(ByteBuffer, MemorySegment, String)} for the page at guest address {@code gpa},
     * which messages name; the name is formatted only when a delta is refused, not per page.
     */
    public static int decode(ByteBuffer in, MemorySegment page, long gpa) throws CodecException {
        return decode(in, page, null, gpa);
    }

    private static int decode(ByteBuffer in, MemorySegment page, String what, long gpa) throws CodecException {
        long pageSize = page.byteSize();
        if (pageSize > MAX_PAGE) {
            throw new IllegalArgumentException("page of " + pageSize + " bytes exceeds the XBZRLE limit " + MAX_PAGE);
        }
        int slen = in.remaining();
        if (slen > pageSize) {
            throw new CodecException("XBZRLE delta for " + name(what, gpa) + " is " + slen
                    + " bytes, longer than the " + pageSize + "-byte page");
        }
        byte[] src;
        int from;
        if (in.hasArray()) {
            src = in.array();
            from = in.arrayOffset() + in.position();
        } else {
            src = new byte[slen];
            in.get(in.position(), src);
            from = 0;
        }
        int end = wellFormedEnd(src, from, slen, (int) pageSize);
        if (end < 0) {
            end = validate(src, from, slen, (int) pageSize, what, gpa); // throws, naming the first problem
        }
        apply(src, from, from + slen, page);
        in.position(in.limit());
        return end;
    }

    /**
     * The page offset where a well-formed delta ends, or -1 if any of QEMU's acceptance rules fails.
     * The same rules as {@link #validate}, folded into one branch per run: validation is about half
     * of a dense page's decoding time, and deltas from a sender are nearly always well formed.
     */
    private static int wellFormedEnd(byte[] src, int from, int slen, int dlen) {
        int i = 0;
        int d = 0;
        boolean bad = false;
        while (i < slen) {
            if (slen - i < 2) {
                return -1;
            }
            int first = src[from + i];
            int second = src[from + i + 1];
            int zrun = first >= 0 ? first : (first & 0x7f) | (second << 7);
            bad |= (first < 0 & second < 0) | (zrun == 0 & i != 0);
            i += first >= 0 ? 1 : 2;
            d += zrun;
            if (slen - i < 2) {
                return -1;
            }
            first = src[from + i];
            second = src[from + i + 1];
            int n = first >= 0 ? first : (first & 0x7f) | (second << 7);
            i += first >= 0 ? 1 : 2;
            // n <= 0 also catches a third length byte (negative n); d + n > dlen also catches d > dlen.
            bad |= (first < 0 & second < 0) | (n <= 0) | (d + n > dlen) | (i + n > slen);
            if (bad) {
                return -1;
            }
            d += n;
            i += n;
        }
        return d;
    }

    /** Checks the whole delta against QEMU's acceptance rules and returns where it ends in the page. */
    private static int validate(byte[] src, int from, int slen, int dlen, String what, long gpa) throws CodecException {
        int i = 0;
        int d = 0;
        while (i < slen) {
            if (slen - i < 2) {
                throw malformed(what, gpa, i, "a zero-run length needs at least 2 bytes left, " + (slen - i) + " remain");
            }
            int zrun = length(src, from + i);
            if (zrun < 0) {
                throw malformed(what, gpa, i, "run length longer than two ULEB128 bytes");
            }
            if (i != 0 && zrun == 0) {
                throw malformed(what, gpa, i, "zero-run length 0 is only valid at the start");
            }
            i += ShortUleb128.sizeOnWire(src[from + i]);
            d += zrun;
            if (d > dlen) {
                throw malformed(what, gpa, i, "zero run ends at page offset " + d + ", past the " + dlen + "-byte page");
            }
            if (slen - i < 2) {
                throw malformed(what, gpa, i, "a changed run needs at least 2 bytes left, " + (slen - i) + " remain");
            }
            int n = length(src, from + i);
            if (n < 0) {
                throw malformed(what, gpa, i, "run length longer than two ULEB128 bytes");
            }
            if (n == 0) {
                throw malformed(what, gpa, i, "changed-run length 0");
            }
            i += ShortUleb128.sizeOnWire(src[from + i]);
            if (d + n > dlen) {
                throw malformed(what, gpa, i, "changed run of " + n + " bytes at page offset " + d + " passes the page end");
            }
            if (i + n > slen) {
                throw malformed(what, gpa, i, "changed run of " + n + " bytes but only " + (slen - i) + " input bytes remain");
            }
            d += n;
            i += n;
        }
        return d;
    }

    /** Writes a validated delta's changed runs into the page. */
    private static void apply(byte[] src, int i, int end, MemorySegment page) {
        long d = 0;
        while (i < end) {
            int zrun = length(src, i);
            i += ShortUleb128.sizeOnWire(src[i]);
            d += zrun;
            int n = length(src, i);
            i += ShortUleb128.sizeOnWire(src[i]);
            SCAN.copyRun(src, i, page, d, n);
            d += n;
            i += n;
        }
    }

    /** The short ULEB128 at {@code at} (two bytes readable), or -1 when it would need a third byte. */
    private static int length(byte[] src, int at) {
        int first = src[at];
        if (first >= 0) {
            return first;
        }
        int second = src[at + 1];
        return second < 0 ? -1 : (first & 0x7f) | (second << 7);
    }

    private static String name(String what, long gpa) {
        return what != null ? what : "page 0x" + Long.toHexString(gpa);
    }

    private static CodecException malformed(String what, long gpa, int offset, String problem) {
        return new CodecException("malformed XBZRLE delta for " + name(what, gpa) + " at input offset " + offset
                + ": " + problem);
    }
}
