package dev.tern.pc.boot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code --kernel FILE} boots, decided by the file's contents in the order QEMU's
 * {@code -kernel} uses: a Linux setup header ("HdrS" at 0x202) wins; otherwise a Multiboot header
 * in the first 8 KiB makes it a Multiboot kernel; anything else is tried as an ELF vmlinux.
 */
public final class KernelBoot {

    private KernelBoot() {
    }

    /**
     * Reads {@code kernel} and lays out its boot.
     *
     * @param initrd  a Linux initrd, or {@code null}; Multiboot kernels take none (Tern does not load
     *                Multiboot modules)
     * @param cmdline the kernel command line
     * @param ramSize bytes of guest RAM
     * @throws InvalidImageException naming the file and what is wrong with it
     */
    public static BootImage prepare(Path kernel, Path initrd, String cmdline, long ramSize) {
        byte[] image = read(kernel);
        String source = kernel.getFileName().toString();
        if (!hasLinuxHeader(image)) {
            var multiboot = MultibootHeader.find(source, image);
            if (multiboot.isPresent()) {
                if (initrd != null) {
                    throw new InvalidImageException(source + " is a Multiboot kernel; --initrd (Multiboot modules) "
                            + "is not supported");
                }
                // as QEMU's -kernel does (and GRUB legacy, with its path), the kernel's command line starts
                // with the kernel's own name
                String line = cmdline.isEmpty() ? kernel.toString() : kernel + " " + cmdline;
                return MultibootBoot.prepare(source, image, multiboot.get(), line, ramSize);
            }
        }
        return LinuxBoot.prepare(LinuxImage.parse(source, image), initrd == null ? null : LinuxBoot.readInitrd(initrd,
                ramSize), cmdline, ramSize);
    }

    private static boolean hasLinuxHeader(byte[] image) {
        int at = SetupHeader.OFF_HEADER;
        return image.length >= at + 4
                && ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).getInt(at) == SetupHeader.MAGIC;
    }

    private static byte[] read(Path file) {
        try {
            long size = Files.size(file);
            if (size > LinuxImage.MAX_FILE) {
                throw new InvalidImageException(file + ": kernel file of " + size + " bytes exceeds " + LinuxImage.MAX_FILE);
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidImageException(file + ": cannot read kernel: " + e, e);
        }
    }
}
