package dev.tern.pc.boot.initramfs;

import dev.tern.pc.boot.InvalidImageException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A loadable kernel module's identity as recorded in its {@code .modinfo} section: NUL-separated
 * {@code key=value} strings, of which {@code name} and {@code depends} (comma-separated module
 * names) say what {@code depmod} would put in modules.dep. Debian's linux-image package ships no
 * modules.dep (depmod runs at install time), so the builder reads the modules themselves.
 *
 * @param name    module name ("virtio_net"), underscores as the kernel spells it
 * @param path    path relative to {@code lib/modules/<release>/}, e.g. "kernel/drivers/net/virtio_net.ko"
 * @param depends names of the modules that must be loaded first
 */
public record KernelModule(String name, String path, List<String> depends) {

    /** Section type of .bss-like sections, which occupy no file space. */
    private static final int SHT_NOBITS = 8;

    public KernelModule {
        depends = List.copyOf(depends);
    }

    /**
     * Reads the {@code .modinfo} section of an ELF relocatable module (32- or 64-bit, little-endian).
     *
     * @throws InvalidImageException naming {@code path} when the ELF or its section table is malformed
     */
    public static KernelModule parse(String path, byte[] elf) {
        String modinfo = modinfo(path, elf);
        String name = null;
        List<String> depends = List.of();
        for (String entry : modinfo.split("\0")) {
            if (entry.startsWith("name=")) {
                name = entry.substring(5);
            } else if (entry.startsWith("depends=")) {
                depends = entry.length() == 8 ? List.of() : List.of(entry.substring(8).split(","));
            }
        }
        return new KernelModule(name != null ? name : nameFromPath(path), path, depends);
    }

    /** "drivers/virtio/virtio_pci-legacy.ko" -> "virtio_pci_legacy". */
    static String nameFromPath(String path) {
        String base = path.substring(path.lastIndexOf('/') + 1);
        int ko = base.indexOf(".ko");
        return (ko > 0 ? base.substring(0, ko) : base).replace('-', '_');
    }

    private static String modinfo(String path, byte[] elf) {
        if (elf.length < 52 || elf[0] != 0x7F || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F' || elf[5] != 1) {
            throw new InvalidImageException(path + ": not a little-endian ELF kernel module");
        }
        boolean is64 = elf[4] == 2;
        var b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        if (is64 && elf.length < 64) {
            throw new InvalidImageException(path + ": ELF64 header truncated");
        }
        long shoff = is64 ? b.getLong(0x28) : Integer.toUnsignedLong(b.getInt(0x20));
        int shentsize = Short.toUnsignedInt(b.getShort(is64 ? 0x3A : 0x2E));
        int shnum = Short.toUnsignedInt(b.getShort(is64 ? 0x3C : 0x30));
        int shstrndx = Short.toUnsignedInt(b.getShort(is64 ? 0x3E : 0x32));
        if (shentsize != (is64 ? 64 : 40) || shstrndx >= shnum || shoff < 0
                || shoff + (long) shnum * shentsize > elf.length) {
            throw new InvalidImageException(path + ": ELF section table (" + shnum + " x " + shentsize + " bytes at "
                    + shoff + ", shstrndx " + shstrndx + ") is malformed or outside the " + elf.length + "-byte file");
        }
        var sections = new ArrayList<long[]>();
        for (int i = 0; i < shnum; i++) {
            int at = (int) (shoff + (long) i * shentsize);
            long nameOff = Integer.toUnsignedLong(b.getInt(at));
            long off = is64 ? b.getLong(at + 0x18) : Integer.toUnsignedLong(b.getInt(at + 0x10));
            long size = is64 ? b.getLong(at + 0x20) : Integer.toUnsignedLong(b.getInt(at + 0x14));
            boolean noBits = b.getInt(at + 4) == SHT_NOBITS;
            if (noBits) {
                off = 0;
                size = 0;
            }
            if (off < 0 || size < 0 || off + size > elf.length) {
                throw new InvalidImageException(path + ": ELF section " + i + " [" + off + ", +" + size
                        + ") lies outside the " + elf.length + "-byte file");
            }
            sections.add(new long[] {nameOff, off, size});
        }
        long[] strtab = sections.get(shstrndx);
        for (long[] s : sections) {
            if (".modinfo".equals(cString(elf, strtab[1] + s[0], strtab[1] + strtab[2]))) {
                return new String(elf, (int) s[1], (int) s[2], StandardCharsets.UTF_8);
            }
        }
        throw new InvalidImageException(path + ": kernel module has no .modinfo section");
    }

    private static String cString(byte[] data, long start, long limit) {
        if (start >= limit) {
            return "";
        }
        int end = (int) start;
        while (end < limit && data[end] != 0) {
            end++;
        }
        return new String(data, (int) start, end - (int) start, StandardCharsets.UTF_8);
    }
}
