package dev.tern.pc.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class MultibootHeaderTest {

    @Test
    void findsTheHeaderOfAnElfKernel() {
        var h = MultibootHeader.find("k", MultibootImages.elf(MultibootHeader.MEMORY_INFO, 0)).orElseThrow();
        assertEquals(MultibootImages.HEADER_OFFSET, h.offset());
        assertEquals(MultibootHeader.MEMORY_INFO, h.flags());
        assertFalse(h.hasAddressFields());
    }

    @Test
    void readsTheAddressFieldsWhenFlag16IsSet() {
        long load = MultibootImages.LOAD;
        var h = MultibootHeader.find("k", MultibootImages.flat(load + 0x400, load + 0x2000, load + 0x100)).orElseThrow();
        assertTrue(h.hasAddressFields());
        assertEquals(load + MultibootImages.HEADER_OFFSET, h.headerAddr());
        assertEquals(load, h.loadAddr());
        assertEquals(load + 0x400, h.loadEndAddr());
        assertEquals(load + 0x2000, h.bssEndAddr());
        assertEquals(load + 0x100, h.entryAddr());
    }

    @Test
    void aMagicWithTheWrongChecksumIsNotAHeaderAndTheSearchGoesOn() {
        var b = ByteBuffer.allocate(0x200).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x10, MultibootHeader.MAGIC).putInt(0x14, 0).putInt(0x18, 12345);
        assertTrue(MultibootHeader.find("k", b.array()).isEmpty());
        MultibootImages.header(b, 0x40, 0);
        assertEquals(0x40, MultibootHeader.find("k", b.array()).orElseThrow().offset());
    }

    @Test
    void onlyAlignedHeadersInTheFirst8KiBCount() {
        var unaligned = ByteBuffer.allocate(0x100).order(ByteOrder.LITTLE_ENDIAN);
        MultibootImages.header(unaligned, 0x42, 0);
        assertTrue(MultibootHeader.find("k", unaligned.array()).isEmpty());
        var late = ByteBuffer.allocate(0x3000).order(ByteOrder.LITTLE_ENDIAN);
        MultibootImages.header(late, MultibootHeader.SEARCH_LIMIT, 0);
        assertTrue(MultibootHeader.find("k", late.array()).isEmpty());
        var last = ByteBuffer.allocate(0x3000).order(ByteOrder.LITTLE_ENDIAN);
        MultibootImages.header(last, MultibootHeader.SEARCH_LIMIT - 12, 0);
        assertTrue(MultibootHeader.find("k", last.array()).isPresent());
    }

    @Test
    void tinyAndEmptyFilesHaveNoHeader() {
        assertTrue(MultibootHeader.find("k", new byte[0]).isEmpty());
        assertTrue(MultibootHeader.find("k", new byte[11]).isEmpty());
    }

    @Test
    void videoModeAndUnknownRequirementsAreRefused() {
        var video = assertThrows(InvalidImageException.class,
                () -> MultibootHeader.find("k", MultibootImages.elf(MultibootHeader.VIDEO_MODE, 0)));
        assertTrue(video.getMessage().contains("video"), video.getMessage());
        var unknown = assertThrows(InvalidImageException.class,
                () -> MultibootHeader.find("k", MultibootImages.elf(1 << 5, 0)));
        assertTrue(unknown.getMessage().contains("0x20"), unknown.getMessage());
    }

    @Test
    void addressFieldsCutOffByTheEndOfFileAreRefused() {
        var b = ByteBuffer.allocate(0x20).order(ByteOrder.LITTLE_ENDIAN);
        MultibootImages.header(b, 0x8, MultibootHeader.ADDRESS_FIELDS);
        var e = assertThrows(InvalidImageException.class, () -> MultibootHeader.find("k", b.array()));
        assertTrue(e.getMessage().contains("address fields"), e.getMessage());
    }
}
