package dev.tern.pc.boot;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a {@link BootImage} as files so another emulator can cross-check it: {@code rom.bin}
 * and one {@code blob-<address>.bin} per RAM blob, and prints the matching QEMU arguments
 * ({@code -bios rom.bin -device loader,file=...,addr=...}). scripts/boot-qemu.sh uses this to boot
 * the same image on qemu-system-i386.
 *
 * <pre>
 * BootImageExport KERNEL INITRD|- RAM_BYTES OUT_DIR COMMAND_LINE
 * </pre>
 */
public final class BootImageExport {

    private BootImageExport() {
    }

    /** Exits with status 2 on bad arguments, 1 when the kernel or initrd is unusable. */
    public static void main(String[] args) {
        if (args.length != 5) {
            System.err.println("usage: BootImageExport KERNEL INITRD|- RAM_BYTES OUT_DIR COMMAND_LINE");
            System.exit(2);
        }
        try {
            export(Path.of(args[0]), args[1].equals("-") ? null : Path.of(args[1]), Long.decode(args[2]),
                    Path.of(args[3]), args[4], System.out);
        } catch (NumberFormatException e) {
            System.err.println("BootImageExport: RAM_BYTES \"" + args[2] + "\" is not a number");
            System.exit(2);
        } catch (InvalidImageException | IOException e) {
            System.err.println("BootImageExport: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Writes the files and prints the QEMU arguments (one line) to {@code out}. */
    static void export(Path kernel, Path initrd, long ramSize, Path dir, String cmdline, PrintStream out)
            throws IOException {
        var image = LinuxBoot.prepare(kernel, initrd, cmdline, ramSize);
        Files.createDirectories(dir);
        Path rom = Files.write(dir.resolve("rom.bin"), image.firmware());
        var args = new StringBuilder("-bios ").append(rom.toAbsolutePath());
        for (var blob : image.blobs()) {
            Path file = Files.write(dir.resolve(String.format("blob-%08x.bin", blob.address())), blob.data());
            args.append(String.format(" -device loader,file=%s,addr=0x%X,force-raw=on", file.toAbsolutePath(),
                    blob.address()));
        }
        out.println(args);
    }
}
