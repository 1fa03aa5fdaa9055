package dev.tern.kernel.state;

import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable big-endian byte buffer: one frame's payload is assembled here so its length and CRC
 * are known before the frame goes out. Never throws on write (unlike {@code DataOutputStream}).
 */
final class PayloadOutput extends OutputStream {

    private byte[] buf = new byte[256];
    private int size;
    /** Values encoded so far, counted like {@link PayloadInput#chargeValues}. */
    private long values;

    @Override
    public void write(int b) {
        ensure(1);
        buf[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, size, len);
        size += len;
    }

    /** Appends {@code len} bytes of {@code seg} from {@code offset}, without an intermediate array. */
    void segment(MemorySegment seg, long offset, int len) {
        ensure(len);
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, offset, buf, size, len);
        size += len;
    }

    void u8(int v) {
        write(v);
    }

    void u16(int v) {
        ensure(2);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
    }

    void i32(int v) {
        ensure(4);
        for (int s = 24; s >= 0; s -= 8) {
            buf[size++] = (byte) (v >>> s);
        }
    }

    void i64(long v) {
        ensure(8);
        for (int s = 56; s >= 0; s -= 8) {
            buf[size++] = (byte) (v >>> s);
        }
    }

    /** Unsigned LEB128, 1-5 bytes. */
    void varint(int v) {
        if (v < 0) {
            throw new IllegalArgumentException("negative length " + v);
        }
        while ((v & ~0x7F) != 0) {
            write((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        write(v);
    }

    /**
     * Varint byte length + UTF-8. Refuses text that is not valid UTF-16 (a lone surrogate) rather
     * than silently writing a replacement character.
     */
    void text(String s, String what) {
        byte[] b = utf8(s, what);
        varint(b.length);
        write(b, 0, b.length);
    }

    static byte[] utf8(String s, String what) {
        byte[] ascii = ascii(s);
        if (ascii != null) {
            return ascii;
        }
        CharsetEncoder enc = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            ByteBuffer bb = enc.encode(java.nio.CharBuffer.wrap(s));
            return Arrays.copyOf(bb.array(), bb.limit());
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(what + " is not valid Unicode text (lone surrogate)", e);
        }
    }

    /**
     * The bytes of {@code s} when it is all ASCII (every name and most strings in saved state),
     * else null: such text is its own UTF-8 and holds no surrogate, so no encoder is made for it.
     */
    private static byte[] ascii(String s) {
        int n = s.length();
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                return null;
            }
            b[i] = (byte) c;
        }
        return b;
    }

    void countValues(int n) {
        values += n;
    }

    long values() {
        return values;
    }

    int size() {
        return size;
    }

    byte[] array() {
        return buf;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    void reset() {
        size = 0;
    }

    private void ensure(int n) {
        if (buf.length - size < n) {
            long want = Math.max((long) buf.length * 2, (long) size + n);
            if (want > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("saved-state frame payload exceeds 2 GiB");
            }
            buf = Arrays.copyOf(buf, (int) want);
        }
    }
}
