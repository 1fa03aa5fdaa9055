package dev.tern.codec.xbzrle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tern.spi.codec.CodecException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * Decoding writes exactly the changed runs, whatever their length and wherever the page lives:
 * runs of every length from 1 to past two vectors, at odd offsets, into off-heap pages (as guest
 * RAM) and heap pages, from heap, direct and read-only input buffers, and a refused delta leaves an
 * off-heap page untouched. Runs in both surefire executions, so both run-copy paths are covered.
 */
class XbzrleRunCopyTest {

    private static final int PAGE = 4096;

    @Test
    void everyRunLengthLandsExactlyInNativeAndHeapPages() throws CodecException {
        byte[] old = new byte[PAGE];
        for (int i = 0; i < PAGE; i++) {
            old[i] = (byte) (i * 7);
        }
        byte[] dst = new byte[PAGE];
        try (Arena arena = Arena.ofConfined()) {
            for (int n = 1; n <= 300; n++) {
                for (int at : new int[] {0, 1, 63, 1000, PAGE - n}) {
                    byte[] cur = old.clone();
                    for (int k = at; k < at + n; k++) {
                        cur[k] = (byte) ~cur[k];
                    }
                    int len = XbzrleEncoding.encode(old, cur, PAGE, dst, PAGE);
                    byte[] delta = java.util.Arrays.copyOf(dst, len);
                    MemorySegment nativePage = arena.allocate(PAGE + 2L).asSlice(1, PAGE); // misaligned on purpose
                    nativePage.copyFrom(MemorySegment.ofArray(old));
                    byte[] heapPage = old.clone();
                    String where = "run of " + n + " at " + at;
                    assertEquals(at + n, XbzrleEncoding.decode(ByteBuffer.wrap(delta), nativePage, where), where);
                    assertEquals(at + n, XbzrleEncoding.decode(ByteBuffer.wrap(delta), MemorySegment.ofArray(heapPage), where));
                    assertArrayEquals(cur, nativePage.toArray(ValueLayout.JAVA_BYTE), where);
                    assertArrayEquals(cur, heapPage, where);
                }
            }
        }
    }

    @Test
    void directReadOnlyAndOffsetInputBuffersDecodeTheSame() throws CodecException {
        byte[] old = new byte[PAGE];
        byte[] cur = old.clone();
        for (int k = 100; k < 180; k++) {
            cur[k] = 5;
        }
        cur[PAGE - 1] = 6;
        byte[] dst = new byte[PAGE];
        int len = XbzrleEncoding.encode(old, cur, PAGE, dst, PAGE);
        ByteBuffer direct = ByteBuffer.allocateDirect(len + 3).position(3);
        direct.put(dst, 0, len).position(3);
        byte[] framed = new byte[len + 10];
        System.arraycopy(dst, 0, framed, 7, len);
        for (ByteBuffer in : new ByteBuffer[] {direct, ByteBuffer.wrap(dst, 0, len).asReadOnlyBuffer(),
                ByteBuffer.wrap(framed, 7, len), ByteBuffer.wrap(framed, 7, len).slice()}) {
            byte[] page = old.clone();
            assertEquals(PAGE, XbzrleEncoding.decode(in, MemorySegment.ofArray(page), 0x5000L));
            assertArrayEquals(cur, page);
            assertEquals(in.limit(), in.position(), "input consumed");
        }
    }

    @Test
    void aRefusedDeltaNamesThePageAndLeavesGuestMemoryUntouched() {
        // A valid first pair, then a changed run that claims more bytes than the input holds.
        byte[] delta = {0x05, 0x02, 0x11, 0x22, 0x03, 0x7f, 0x01};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(PAGE);
            CodecException e = assertThrows(CodecException.class,
                    () -> XbzrleEncoding.decode(ByteBuffer.wrap(delta), page, 0x7000L));
            assertEquals(true, e.getMessage().contains("page 0x7000"), e.getMessage());
            assertArrayEquals(new byte[PAGE], page.toArray(ValueLayout.JAVA_BYTE));
        }
    }
}
