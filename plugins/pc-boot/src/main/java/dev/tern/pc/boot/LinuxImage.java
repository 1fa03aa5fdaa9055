package dev.tern.pc.boot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A Linux kernel ready to be placed in guest memory: a bzImage whose payload the host has
 * decompressed, or an ELF vmlinux given directly.
 *
 * @param source  name used in error messages (usually the file name)
 * @param header  the bzImage setup header; empty for a bare vmlinux
 * @param kernel  the decompressed kernel's loadable segments and entry point
 */
public record LinuxImage(String source, Optional<SetupHeader> header, ElfKernel kernel) {

    /** Kernel files beyond this are refused before reading them whole. */
    static final long MAX_FILE = 256L << 20;

    /**
     * Reads a kernel file.
     *
     * @throws InvalidImageException when the file is unreadable, too large or malformed
     */
    public static LinuxImage load(Path file) {
        try {
            long size = Files.size(file);
            if (size > MAX_FILE) {
                throw new InvalidImageException(file + ": kernel file of " + size + " bytes exceeds " + MAX_FILE);
            }
            return parse(file.getFileName().toString(), Files.readAllBytes(file));
        } catch (IOException e) {
            throw new InvalidImageException(file + ": cannot read kernel: " + e, e);
        }
    }

    /** Parses a bzImage or, when {@code data} starts with the ELF magic, a vmlinux. */
    public static LinuxImage parse(String source, byte[] data) {
        if (data.length >= 4 && data[0] == 0x7F && data[1] == 'E' && data[2] == 'L' && data[3] == 'F') {
            return new LinuxImage(source, Optional.empty(), ElfKernel.parse(source, data));
        }
        var header = SetupHeader.parse(data);
        int off = Math.toIntExact(header.payloadFileOffset());
        int len = Math.toIntExact(header.payloadLength());
        var compression = PayloadCompression.detect(source + " payload", data, off, len);
        byte[] vmlinux = compression.decompress(source + " payload", data, off, len);
        var kernel = ElfKernel.parse(source + " payload (" + compression + ")", vmlinux);
        return new LinuxImage(source, Optional.of(header), kernel);
    }

    /**
     * First address after the memory the kernel claims while booting: its init_size window from
     * the load address (which covers BSS and early page tables), or the ELF extent when larger or
     * when there is no header.
     */
    public long reservedEnd() {
        long initSize = header.map(SetupHeader::initSize).orElse(0L);
        return Math.max(kernel.start() + initSize, kernel.end());
    }

    /** Highest byte address the initrd may occupy (boot.rst: 0x37FFFFFF when unknown). */
    public long initrdAddrMax() {
        return header.map(SetupHeader::initrdAddrMax).filter(v -> v != 0).orElse(0x37FFFFFFL);
    }

    /** Longest command line, excluding the terminating NUL. */
    public long cmdlineSize() {
        return header.map(SetupHeader::cmdlineSize).orElse(2047L);
    }
}
