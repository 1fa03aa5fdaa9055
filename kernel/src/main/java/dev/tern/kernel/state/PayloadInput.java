package dev.tern.kernel.state;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads one frame's payload (already length- and CRC-checked) with every size bounded by what is
 * left, so a bogus count can never allocate more than the payload itself. Errors name the frame's
 * context and the absolute stream offset.
 */
final class PayloadInput {

    private final byte[] data;
    private final long base;
    private final String context;
    private int pos;
    private int valuesLeft = StreamLimits.VALUES_PER_SECTION;

    /**
     * @param data the payload
     * @param base stream offset of {@code data[0]}, for messages
     * @param context message prefix, e.g. {@code "section 'uart16550' instance 0"}
     */
    PayloadInput(byte[] data, long base, String context) {
        this.data = data;
        this.base = base;
        this.context = context;
    }

    int remaining() {
        return data.length - pos;
    }

    long offset() {
        return base + pos;
    }

    String context() {
        return context;
    }

    SavedStateException fail(String message) {
        return new SavedStateException(context + ": " + message, offset());
    }

    private void need(int n, String what) throws SavedStateException {
        if (remaining() < n) {
            throw fail(what + " needs " + n + " bytes but the payload has " + remaining() + " left");
        }
    }

    /** Steps over {@code expected} when the payload continues with exactly those bytes; else stays. */
    boolean skipIfNext(byte[] expected) {
        int end = pos + expected.length;
        if (end > data.length || java.util.Arrays.mismatch(data, pos, end, expected, 0, expected.length) >= 0) {
            return false;
        }
        pos = end;
        return true;
    }

    int u8(String what) throws SavedStateException {
        need(1, what);
        return data[pos++] & 0xFF;
    }

    int u16(String what) throws SavedStateException {
        need(2, what);
        int v = (data[pos] & 0xFF) << 8 | (data[pos + 1] & 0xFF);
        pos += 2;
        return v;
    }

    int i32(String what) throws SavedStateException {
        need(4, what);
        int v = 0;
        for (int i = 0; i < 4; i++) {
            v = v << 8 | (data[pos++] & 0xFF);
        }
        return v;
    }

    long i64(String what) throws SavedStateException {
        need(8, what);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (data[pos++] & 0xFF);
        }
        return v;
    }

    /** Unsigned LEB128 in canonical (shortest) form, at most {@code Integer.MAX_VALUE}. */
    int varint(String what) throws SavedStateException {
        long start = offset();
        int v = 0;
        for (int i = 0; i < 5; i++) {
            int b = u8(what);
            v |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (i > 0 && b == 0) {
                    throw new SavedStateException(context + ": " + what + " has an over-long varint encoding", start);
                }
                if (i == 4 && b > 0x07) {
                    throw new SavedStateException(context + ": " + what + " exceeds 2^31-1", start);
                }
                return v;
            }
        }
        throw new SavedStateException(context + ": " + what + " varint longer than 5 bytes", start);
    }

    /** A count of elements each at least {@code minSize} bytes, bounded by the payload and {@code max}. */
    int count(String what, int minSize, int max) throws SavedStateException {
        long start = offset();
        int n = varint(what);
        if (n > max) {
            throw new SavedStateException(context + ": " + what + " " + n + " exceeds limit " + max, start);
        }
        if ((long) n * minSize > remaining()) {
            throw new SavedStateException(context + ": " + what + " " + n + " needs at least " + (long) n * minSize
                    + " bytes but the payload has " + remaining() + " left", start);
        }
        return n;
    }

    /** Accounts for {@code n} more decoded values, refusing beyond {@link StreamLimits#VALUES_PER_SECTION}. */
    void chargeValues(int n, String what) throws SavedStateException {
        if (n > valuesLeft) {
            throw fail(what + ": more than " + StreamLimits.VALUES_PER_SECTION + " values in one section");
        }
        valuesLeft -= n;
    }

    String text(String what, int maxBytes) throws SavedStateException {
        long start = offset();
        int n = count(what + " length", 1, maxBytes);
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data, pos, n)).toString();
            pos += n;
            return s;
        } catch (CharacterCodingException e) {
            throw new SavedStateException(context + ": " + what + " is not valid UTF-8", start);
        }
    }

    byte[] bytes(int n, String what) throws SavedStateException {
        need(n, what);
        byte[] b = new byte[n];
        System.arraycopy(data, pos, b, 0, n);
        pos += n;
        return b;
    }

    void expectEnd() throws SavedStateException {
        if (remaining() != 0) {
            throw fail(remaining() + " unexpected bytes after the end of the data");
        }
    }
}
