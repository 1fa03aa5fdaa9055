package org.example.tern.codec;

import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.codec.CodecException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * The zero-runs page encoding: records of {@code [u16 big-endian zeros][u16 big-endian literals]
 * [literals bytes]}, zeros first, whose lengths add up to exactly one page. Stateless: every method
 * is a pure function of its arguments, so sessions need no state of their own.
 */
final class ZeroRunsFormat {

    static final int PAGE = GuestMemory.PAGE_SIZE;
    private static final int HEADER = 4;
    /** A zero run shorter than this costs more as a record header than as literals. */
    private static final int MIN_RUN = HEADER + 1;

    private ZeroRunsFormat() {
    }

    /** Encodes {@code page} into {@code out}; -1 (with {@code out} untouched) when that would not be smaller. */
    static int encode(long gpa, MemorySegment page, ByteBuffer out) {
        byte[] p = page.toArray(ValueLayout.JAVA_BYTE);
        int start = out.position();
        int limit = Math.min(out.remaining(), PAGE - 1);
        int written = 0;
        int i = 0;
        while (i < PAGE) {
            int zeros = 0;
            while (i + zeros < PAGE && p[i + zeros] == 0) {
                zeros++;
            }
            int litStart = i + zeros;
            int litEnd = litStart;
            while (litEnd < PAGE && !zeroRunAt(p, litEnd)) {
                litEnd++;
            }
            int literals = litEnd - litStart;
            if (written + HEADER + literals > limit) {
                out.position(start);
                return -1;
            }
            out.putShort(start + written, (short) zeros);
            out.putShort(start + written + 2, (short) literals);
            out.put(start + written + HEADER, p, litStart, literals);
            written += HEADER + literals;
            i = litEnd;
        }
        out.position(start + written);
        return written;
    }

    /** Whether a zero run worth a record of its own starts at {@code i} (or the page ends in zeros). */
    private static boolean zeroRunAt(byte[] p, int i) {
        int end = Math.min(PAGE, i + MIN_RUN);
        for (int k = i; k < end; k++) {
            if (p[k] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Decodes all of {@code in} into {@code page}; throws naming the page and offset for anything malformed. */
    static void decode(long gpa, ByteBuffer in, MemorySegment page) throws CodecException {
        int base = in.position();
        byte[] out = new byte[PAGE];
        int filled = 0;
        while (filled < PAGE) {
            int at = in.position() - base;
            if (in.remaining() < HEADER) {
                throw malformed(gpa, at, "the records end after " + filled + " of " + PAGE + " bytes");
            }
            int zeros = Short.toUnsignedInt(in.getShort());
            int literals = Short.toUnsignedInt(in.getShort());
            if (zeros + literals > PAGE - filled) {
                throw malformed(gpa, at, zeros + " zeros and " + literals + " literals overrun the page at byte " + filled);
            }
            if (literals > in.remaining()) {
                throw malformed(gpa, at, literals + " literals announced, " + in.remaining() + " bytes left");
            }
            if (zeros + literals == 0) {
                throw malformed(gpa, at, "an empty record");
            }
            filled += zeros; // out[] starts zeroed
            in.get(out, filled, literals);
            filled += literals;
        }
        if (in.hasRemaining()) {
            throw malformed(gpa, in.position() - base, in.remaining() + " bytes follow the complete page");
        }
        // Only a whole, valid page reaches guest memory: a refused input leaves the page as it was.
        MemorySegment.copy(MemorySegment.ofArray(out), 0, page, 0, PAGE);
    }

    private static CodecException malformed(long gpa, int offset, String problem) {
        return new CodecException("malformed zero-runs page 0x" + Long.toHexString(gpa) + " at input offset " + offset
                + ": " + problem);
    }
}
