package dev.tern.pc.boot.initramfs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds minimal ELF32 relocatable modules with a .modinfo section (and a .bss) for tests. */
public final class ModuleElf {

    private ModuleElf() {
    }

    public static byte[] module(String modinfo) {
        byte[] info = modinfo.getBytes(StandardCharsets.UTF_8);
        byte[] strtab = "\0.modinfo\0.shstrtab\0.bss\0".getBytes(StandardCharsets.US_ASCII);
        int infoOff = 52;
        int strOff = infoOff + info.length;
        int shoff = (strOff + strtab.length + 3) & ~3;
        int shnum = 4;
        var b = ByteBuffer.allocate(shoff + shnum * 40).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7F, 'E', 'L', 'F', 1, 1, 1, 0});
        b.position(16);
        b.putShort((short) 1).putShort((short) 3).putInt(1).putInt(0).putInt(0).putInt(shoff).putInt(0);
        b.putShort((short) 52).putShort((short) 0).putShort((short) 0).putShort((short) 40).putShort((short) shnum)
                .putShort((short) 2);
        b.put(infoOff, info).put(strOff, strtab);
        b.position(shoff + 40);
        section(b, 1, 1, infoOff, info.length);
        section(b, 10, 3, strOff, strtab.length);
        section(b, 20, 8, 0x7FFFFFF0, 0x1000); // NOBITS: occupies no file space
        return b.array();
    }

    private static void section(ByteBuffer b, int name, int type, int off, int size) {
        b.putInt(name).putInt(type).putInt(0).putInt(0).putInt(off).putInt(size).putInt(0).putInt(0).putInt(1).putInt(0);
    }
}
