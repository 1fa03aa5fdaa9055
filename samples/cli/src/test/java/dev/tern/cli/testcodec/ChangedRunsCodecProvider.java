package dev.tern.cli.testcodec;

import dev.tern.spi.Config;
import dev.tern.spi.codec.CodecException;
import dev.tern.spi.codec.PageCodecProvider;
import dev.tern.spi.codec.PageDecoder;
import dev.tern.spi.codec.PageEncoder;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * A third-party delta page codec that exists only in test code: a page is sent as the runs of bytes
 * that changed since the sender last sent it ({@code u16 offset, u16 length, bytes}, repeated). It
 * is packed into a plugin jar during the test, so the kernel can only know it by its id — the proof
 * that a codec plugin migrates with no kernel change.
 */
public final class ChangedRunsCodecProvider implements PageCodecProvider {

    static final int PAGE = 4096;

    @Override
    public String id() {
        return "changed-runs";
    }

    @Override
    public String description() {
        return "changed byte runs against the page last sent (a test-only third-party codec)";
    }

    @Override
    public boolean delta() {
        return true;
    }

    @Override
    public PageEncoder newEncoder(Config config) {
        return new Encoder();
    }

    @Override
    public PageDecoder newDecoder(Config config) {
        return ChangedRunsCodecProvider::decode;
    }

    private static final class Encoder implements PageEncoder {
        private final Map<Long, byte[]> sent = new HashMap<>();
        private long pages;
        private long misses;
        private long overflows;

        @Override
        public int encode(long gpa, MemorySegment page, ByteBuffer out) {
            byte[] now = page.toArray(ValueLayout.JAVA_BYTE);
            byte[] before = sent.put(gpa, now);
            if (before == null) {
                misses++;
                return -1; // the receiver's copy is unknown here: send it another way
            }
            int size = runs(now, before, null);
            if (size >= PAGE || size > out.remaining()) {
                overflows++;
                return -1; // no smaller than the page: the caller sends it another way, out untouched
            }
            int start = out.position();
            runs(now, before, out);
            int n = out.position() - start;
            if (n > 0) {
                pages++;
            }
            return n;
        }

        /** Writes the changed runs to {@code out} (when not null); returns their encoded size. */
        private static int runs(byte[] now, byte[] before, ByteBuffer out) {
            int size = 0;
            int i = 0;
            while (i < PAGE) {
                if (now[i] == before[i]) {
                    i++;
                    continue;
                }
                int from = i;
                while (i < PAGE && now[i] != before[i]) {
                    i++;
                }
                size += 4 + i - from;
                if (out != null) {
                    out.putShort((short) from).putShort((short) (i - from)).put(now, from, i - from);
                }
            }
            return size;
        }

        @Override
        public Map<String, Long> stats() {
            return Map.of("delta-pages", pages, "misses", misses, "overflows", overflows);
        }
    }

    private static void decode(long gpa, ByteBuffer in, MemorySegment page) throws CodecException {
        while (in.hasRemaining()) {
            if (in.remaining() < 4) {
                throw new CodecException("page 0x" + Long.toHexString(gpa) + ": a run header is cut short");
            }
            int offset = Short.toUnsignedInt(in.getShort());
            int length = Short.toUnsignedInt(in.getShort());
            if (length == 0 || offset + length > PAGE || length > in.remaining()) {
                throw new CodecException("page 0x" + Long.toHexString(gpa) + ": run " + offset + "+" + length
                        + " lies outside the page or the input");
            }
            for (int k = 0; k < length; k++) {
                page.set(ValueLayout.JAVA_BYTE, offset + k, in.get());
            }
        }
    }
}
